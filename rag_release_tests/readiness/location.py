"""A code location for the readiness tests: a stand-in prod deployment with the readiness
checks and a health sensor, loaded the way Dagster loads a real one (so a check sees the
sensors defined in code). Locations come from RAG_RELEASE_* variables the test sets."""

import dagster as dg

from rag_release.defs.readiness.checks import readiness_checks
from rag_release.defs.readiness.resources import ReadinessSources
from rag_release.resources.secrets import SecretsProvider


@dg.asset(name="prod_deployment")
def prod_deployment() -> int:
    return 1


@dg.sensor(name="prod_health_sensor", target=[prod_deployment],
           default_status=dg.DefaultSensorStatus.RUNNING)
def prod_health_sensor():
    return dg.SkipReason("a stand-in: the readiness check only asks whether it runs")


defs = dg.Definitions(
    assets=[prod_deployment],
    asset_checks=readiness_checks("prod", "prod_deployment"),
    sensors=[prod_health_sensor],
    resources={"readiness": ReadinessSources(), "secrets": SecretsProvider()},
    executor=dg.in_process_executor,
)
