import dagster as dg

from rag_release.config.release_config import ReleaseConfig
from rag_release.defs.release.assets import release_manifest_asset

build_job = dg.define_asset_job(
    "build_job",
    selection=dg.AssetSelection.groups("build", "release"),
    executor_def=dg.in_process_executor,
    description="Build every artifact of the release and pin them in the release manifest.",
)


def release_definitions(config: ReleaseConfig) -> dg.Definitions:
    return dg.Definitions(assets=[release_manifest_asset(config)], jobs=[build_job])
