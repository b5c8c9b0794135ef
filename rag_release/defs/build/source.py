"""The source snapshot: the revision and content hash of every component, and the version."""


import time

import dagster as dg

from rag_release.commands.hashing import Ignore, sha256_file, sha256_text, tree_hash
from rag_release.config.release_config import ReleaseConfig
from rag_release.errors import ReleaseImmutableError
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.artifact_store import ArtifactStore
from rag_release.resources.source import git_revision


def source_snapshot_asset(config: ReleaseConfig) -> dg.AssetsDefinition:
    @dg.asset(
        group_name="build",
        code_version="1",
        kinds={"git"},
        description=f"Revision and content hash of the sources described by {config.source}.",
    )
    def source_snapshot(context: dg.AssetExecutionContext, artifacts: ArtifactStore):
        started = time.monotonic()
        version = config.resolve_version()
        revision, dirty = git_revision(config.root)
        components, tree = hash_sources(config)
        for name, c in components.items():
            context.log.info("Hashed %s: %d files, %d bytes, %s", name, c["files"], c["bytes"],
                             c["hash"][:12])
        _refuse_changed_release(artifacts, config, version, components)
        snapshot = {"version": version, "revision": revision, "dirty": dirty,
                    "tree_hash": tree, "components": components}
        return dg.Output(
            snapshot,
            data_version=dg.DataVersion(tree[:16]),
            metadata={
                "version": version,
                "source_revision": revision,
                "dirty": dirty,
                "tree_hash": tree,
                "components": dg.MetadataValue.json(components),
                "duration_s": round(time.monotonic() - started, 3),
            },
        )

    return source_snapshot


def hash_sources(config: ReleaseConfig) -> tuple[dict, str]:
    """Content hash of every component (sources and Dockerfile) and of them all together."""
    components = {}
    for name, component in config.components.items():
        digest, files, size = tree_hash(component.path, Ignore(component.excludes))
        if component.image:
            digest = sha256_text(digest, sha256_file(component.image.dockerfile))
        components[name] = {"hash": digest, "files": files, "bytes": size}
    tree = sha256_text(*(f"{n}={c['hash']}" for n, c in sorted(components.items())))
    return components, tree


def _refuse_changed_release(artifacts: ArtifactStore, config: ReleaseConfig, version: str,
                            components: dict) -> None:
    """A version that was released is immutable: refuse before anything is built."""
    path = artifacts.file("releases", version, "manifest.json")
    if not path.is_file():
        return
    released = ReleaseManifest.load(path)
    changed = sorted(n for n, c in components.items()
                     if n not in released.components
                     or released.components[n].source_hash != c["hash"])
    changed += sorted(set(released.components) - set(components))
    if changed:
        raise ReleaseImmutableError(
            f"release {version} already exists ({path}) and the sources of "
            f"{', '.join(changed)} differ from it; a released version never changes: bump the "
            f"version in {config.version_source.path or 'the git tag'} to release these changes")
