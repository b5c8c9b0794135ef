"""The release manifest: one immutable record per version pinning every artifact by content."""


import datetime as dt

import dagster as dg

from rag_release.config.release_config import ReleaseConfig
from rag_release.errors import ReleaseImmutableError
from rag_release.model.manifest import (ComponentRelease, FileRef, ImageRef, ReleaseManifest,
                                        ServiceImage)
from rag_release.resources.artifact_store import ArtifactStore


def release_manifest_asset(config: ReleaseConfig) -> dg.AssetsDefinition:
    ins = {"source_snapshot": dg.AssetIn("source_snapshot"),
           "service_images": dg.AssetIn("service_images")}
    for name in config.components:
        ins[f"{name}_tarball"] = dg.AssetIn(f"{name}_tarball")
    for name in config.images:
        ins[f"{name}_image"] = dg.AssetIn(f"{name}_image")

    @dg.asset(
        group_name="release",
        code_version="1",
        kinds={"json"},
        ins=ins,
        description="Version, source revision, tarball sha256s, image and base image digests.",
    )
    def release_manifest(context: dg.AssetExecutionContext, artifacts: ArtifactStore,
                         **inputs) -> dg.Output:
        snapshot = inputs["source_snapshot"]
        manifest = assemble(config, snapshot, inputs)
        path = artifacts.file("releases", manifest.version, "manifest.json")
        stored = ReleaseManifest.load(path) if path.is_file() else None

        if stored is None:
            artifacts.write_json(("releases", manifest.version, "manifest.json"),
                                 manifest.to_dict())
            context.log.info("Released %s %s at %s", config.application, manifest.version, path)
        elif stored.content() != manifest.content():
            raise ReleaseImmutableError(
                f"release {manifest.version} exists at {path} with other tarballs; a released "
                "version never changes: bump the version to release this content")
        else:
            context.log.info("Release %s already exists with the same content; it stands as "
                             "stored", manifest.version)
            manifest = stored

        return dg.Output(
            manifest.to_dict(),
            data_version=dg.DataVersion(manifest.version),
            metadata={
                "version": manifest.version,
                "source_revision": manifest.source_revision,
                "manifest": dg.MetadataValue.path(str(path)),
                "images": dg.MetadataValue.json(manifest.images()),
                "tarballs": dg.MetadataValue.json(
                    {n: c.tarball.sha256 for n, c in manifest.components.items()}),
            },
        )

    return release_manifest


def assemble(config: ReleaseConfig, snapshot: dict, inputs: dict) -> ReleaseManifest:
    components = {}
    for name in config.components:
        tarball = inputs[f"{name}_tarball"]
        image = None
        if name in config.images:
            built = inputs[f"{name}_image"]
            image = ImageRef(name=built["name"], ref=built["ref"], image_id=built["image_id"],
                             base_images=built["base_images"],
                             archive=FileRef(**built["archive"]))
        components[name] = ComponentRelease(
            source_hash=snapshot["components"][name]["hash"],
            tarball=FileRef(tarball["file"], tarball["sha256"], tarball["size"]),
            image=image,
        )
    services = {n: ServiceImage(**s) for n, s in inputs["service_images"].items()}
    return ReleaseManifest(
        application=config.application,
        version=snapshot["version"],
        source_revision=snapshot["revision"],
        source_dirty=snapshot["dirty"],
        source_hash=snapshot["tree_hash"],
        created_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        components=components,
        services=services,
    )
