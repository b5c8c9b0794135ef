import dagster as dg

from rag_release.config.release_config import ReleaseConfig
from rag_release.defs.release.assets import release_manifest_asset

# The components build side by side in processes forked from a server that has the code
# location loaded; a run with nothing to rebuild is cheaper in one process (see cli/build.py).
PARALLEL = {"multiprocess": {
    "max_concurrent": 3,
    "start_method": {"forkserver": {"preload_modules": ["rag_release.definitions"]}},
}}
IN_PROCESS = {"in_process": {}}

build_job = dg.define_asset_job(
    "build_job",
    selection=dg.AssetSelection.groups("build", "release"),
    executor_def=dg.multi_or_in_process_executor,
    config={"execution": {"config": PARALLEL}},
    description="Build every artifact of the release and pin them in the release manifest.",
)


def release_definitions(config: ReleaseConfig) -> dg.Definitions:
    return dg.Definitions(assets=[release_manifest_asset(config)], jobs=[build_job])
