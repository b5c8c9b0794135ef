"""A code location holding one test environment, named by RAG_RELEASE_FIXTURE_ENV, with its own
compose projects and ports: its deployment asset, deploy and rollback jobs, its health sensor
and heal job, and the monitoring sensors. The end-to-end test and the recovery benchmark run
dagster-daemon on it, so they never touch dev, staging or prod."""

import os
from dataclasses import dataclass

import dagster as dg

from rag_release.defs.deploy.assets import deployment_asset
from rag_release.defs.deploy.jobs import rollback_job
from rag_release.defs.health.definitions import health_definitions
from rag_release.defs.monitoring.definitions import monitoring_definitions
from rag_release.resources.defaults import default_resources


@dataclass(frozen=True)
class FixtureEnv:
    """Stands in for EnvName: an environment with none before it, deployed like dev."""

    value: str
    previous: None = None


def fixture_definitions(target: FixtureEnv) -> dg.Definitions:
    deploy = dg.Definitions(
        assets=[deployment_asset(target)],
        jobs=[dg.define_asset_job(f"deploy_{target.value}_job",
                                  selection=dg.AssetSelection.assets(f"{target.value}_deployment"),
                                  executor_def=dg.in_process_executor),
              rollback_job(target)],
    )
    return dg.Definitions.merge(
        deploy,
        health_definitions(deploy, [target.value]),
        monitoring_definitions(),
        dg.Definitions(resources=default_resources()),
    )


defs = fixture_definitions(FixtureEnv(os.environ["RAG_RELEASE_FIXTURE_ENV"]))
