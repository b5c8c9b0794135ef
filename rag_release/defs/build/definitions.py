import dagster as dg

from rag_release.config.release_config import ReleaseConfig
from rag_release.defs.build.components import build_asset, tarball_asset
from rag_release.defs.build.images import base_images_asset, image_asset, service_images_asset
from rag_release.defs.build.source import source_snapshot_asset


def build_definitions(config: ReleaseConfig) -> dg.Definitions:
    assets = [source_snapshot_asset(config), base_images_asset(config),
              service_images_asset(config)]
    for component in config.components.values():
        if component.has_build:
            assets.append(build_asset(component))
        assets.append(tarball_asset(component, config))
        if component.image:
            assets.append(image_asset(component))
    return dg.Definitions(assets=assets)
