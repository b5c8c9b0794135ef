"""`rag-release build`: materialize every build asset and print the release manifest."""

import sys
from pathlib import Path

import dagster as dg

from rag_release import settings
from rag_release.cli.runs import (RunFailedError, execute, failure_message, instance,
                                  materialized_metadata)
from rag_release.config.release_config import load_release_config
from rag_release.defs.build.source import hash_sources
from rag_release.defs.release.definitions import IN_PROCESS, PARALLEL


def register(sub) -> None:
    parser = sub.add_parser("build", help="build every artifact and pin them in a release")
    parser.set_defaults(run=run)


def run(args) -> int:
    with execute("build_job", run_config(instance())) as result:
        if not result.success:
            raise RunFailedError(f"build run {result.run_id} failed: {failure_message(result)}")
        path = materialized_metadata(result, "release_manifest")["manifest"].value
    sys.stdout.write(Path(path).read_text())
    print(f"build run {result.run_id} succeeded", file=sys.stderr)
    return 0


def run_config(dagster: dg.DagsterInstance) -> dict:
    """Build in parallel processes, unless the sources and the version are those of the last
    successful build: then every step will skip, and one process does that fastest."""
    config = load_release_config(settings.release_config_path())
    _, tree = hash_sources(config)
    snapshot = dagster.get_latest_materialization_event(dg.AssetKey("source_snapshot"))
    release = dagster.get_latest_materialization_event(dg.AssetKey("release_manifest"))
    unchanged = (
        snapshot is not None and release is not None
        and snapshot.asset_materialization.metadata["tree_hash"].value == tree
        and release.asset_materialization.metadata["version"].value == config.resolve_version()
        and release.timestamp >= snapshot.timestamp
    )
    return {"execution": {"config": IN_PROCESS if unchanged else PARALLEL}}
