import dagster as dg

from rag_release import settings
from rag_release.config.release_config import load_release_config
from rag_release.defs.backup.definitions import backup_definitions, backup_resources
from rag_release.defs.build.definitions import build_definitions
from rag_release.defs.deploy.definitions import deploy_definitions
from rag_release.defs.health.definitions import health_definitions
from rag_release.defs.monitoring.definitions import monitoring_definitions
from rag_release.defs.release.definitions import release_definitions
from rag_release.model.environment import EnvName
from rag_release.resources.defaults import default_resources


def build_defs(config_path=None) -> dg.Definitions:
    """The code location for one release config (by default the one the settings name)."""
    config = load_release_config(config_path or settings.release_config_path())
    deploy = deploy_definitions()
    return dg.Definitions.merge(
        build_definitions(config),
        release_definitions(config),
        deploy,
        health_definitions(deploy),
        monitoring_definitions(),
        backup_definitions([e.value for e in EnvName]),
        dg.Definitions(resources=default_resources() | backup_resources()),
    )


defs = build_defs()


def job_def(name: str) -> dg.JobDefinition:
    """A job of this code location by name, for runs launched from the command line."""
    return defs.resolve_job_def(name)
