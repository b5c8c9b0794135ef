"""The health domain: per environment a sensor that watches the live release and a job that
replaces its failing containers. Rollbacks run the deploy domain's rollback jobs."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from rag_release.defs.health.heal import heal_job
from rag_release.defs.health.sensors import health_sensor
from rag_release.errors import RagReleaseError
from rag_release.model.environment import EnvName
from rag_release.resources.alerts import alert_sink


def health_definitions(deploy: dg.Definitions,
                       envs: Sequence[str] | None = None) -> dg.Definitions:
    """`deploy` holds the rollback job of each environment. A sensor must target the very job
    object the code location holds, since Dagster refuses two jobs of one name."""
    rollbacks = {job.name: job for job in deploy.jobs or []}
    jobs, sensors = [], []
    for env in envs if envs is not None else [e.value for e in EnvName]:
        rollback = rollbacks.get(f"rollback_{env}_job")
        if rollback is None:
            raise RagReleaseError(f"the deploy definitions have no rollback_{env}_job, which the "
                                  f"health sensor of {env} launches; define {env}'s deployment "
                                  "first or leave the environment out")
        heal = heal_job(env)
        jobs.append(heal)
        sensors.append(health_sensor(env, heal, rollback))
    return dg.Definitions(jobs=jobs, sensors=sensors, resources={"alerts": alert_sink()})
