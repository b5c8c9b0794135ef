"""Retiring the previous color once its rollback window has passed: a sensor notices, a job
stops it under the environment's deploy lock."""

import time

import dagster as dg

from rag_release.defs.deploy.rollback import retire_expired
from rag_release.defs.deploy.stack import Tools, load_environment, load_manifest
from rag_release.model.environment import EnvName
from rag_release.resources.artifact_store import ArtifactStore
from rag_release.resources.deploy_state import DeployStateStore
from rag_release.resources.docker_engine import ComposeRunner, DockerEngine
from rag_release.resources.edge import EdgeProxy
from rag_release.resources.prober import HttpProber
from rag_release.resources.registry import ImageRegistry
from rag_release.resources.secrets import SecretsProvider


def retire_job(target: EnvName) -> dg.JobDefinition:
    @dg.op(name=f"retire_{target.value}", pool=f"deploy_{target.value}",
           description=f"Stop the previous color of {target.value} if its window has passed.")
    def _retire(context: dg.OpExecutionContext, docker: DockerEngine, compose: ComposeRunner,
                edge: EdgeProxy, deploy_state: DeployStateStore, secrets: SecretsProvider,
                registry: ImageRegistry, prober: HttpProber, artifacts: ArtifactStore):
        env = load_environment(target.value)
        tools = Tools(docker, compose, edge, deploy_state, secrets, registry, prober, context.log)
        with deploy_state.lock(env.name, f"retire run {context.run_id}", context.log):
            done = retire_expired(tools, env, lambda v: load_manifest(artifacts, v))
        context.log.info("%s", done or f"Nothing to retire in {env.name}: no previous color "
                                       "has outlived its rollback window")

    @dg.job(name=f"retire_{target.value}_job", executor_def=dg.in_process_executor,
            tags={"rag_release/env": target.value},
            description=f"Stop {target.value}'s previous color after its rollback window.")
    def _job():
        _retire()

    return _job


def retirement_sensor(jobs: dict[str, dg.JobDefinition]) -> dg.SensorDefinition:
    @dg.sensor(name="previous_color_retirement_sensor", jobs=list(jobs.values()),
               minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Launches the retire job of an environment whose previous color "
                           "has outlived ROLLBACK_WINDOW_SECONDS.")
    def _sensor(context: dg.SensorEvaluationContext, deploy_state: DeployStateStore):
        requests = []
        for env, job in jobs.items():
            previous = deploy_state.read(env).get("previous")
            if previous and not previous.get("retired") and \
                    time.time() >= previous.get("retire_after", 0):
                requests.append(dg.RunRequest(
                    job_name=job.name,
                    run_key=f"retire-{env}-{previous['version']}-{previous['deployed_at']}"))
        if not requests:
            return dg.SkipReason("No previous color has outlived its rollback window.")
        return requests

    return _sensor
