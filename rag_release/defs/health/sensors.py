"""The health sensor of each environment. Each tick probes the live release (two HTTP requests
through the edge and one `docker ps`), keeps the count of consecutive failures and heals in the
cursor, reports to the UI as an observation of the deployment asset, and launches the heal or
rollback run its verdict calls for. The heavy work happens in those runs, never in the tick."""

import fcntl
import time
from dataclasses import replace

import dagster as dg

from rag_release import settings
from rag_release.defs.health.decide import Action, Cursor, Verdict, judge
from rag_release.defs.health.policy import (
    HealthPolicy,
    minimum_interval,
    sensor_interval,
    sensor_status,
)
from rag_release.defs.health.probes import HealthReport, edge_url, list_containers, look
from rag_release.defs.health.status import write_status
from rag_release.model.environment import parse_env_file
from rag_release.resources.alerts import AlertSink
from rag_release.resources.deploy_state import DeployStateStore
from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.prober import HttpProber

IN_PROGRESS = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
               dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
OBSERVE_UNCHANGED_EVERY_SECONDS = 600
READ_ONLY_JOB_SUFFIXES = ("_backup_job",)


def health_sensor(env_name: str, heal: dg.JobDefinition, rollback) -> dg.SensorDefinition:
    """`rollback` is the deploy domain's rollback job of the environment, as defined there."""
    name = f"{env_name}_health_sensor"

    @dg.sensor(name=name, jobs=[heal, rollback],
               minimum_interval_seconds=minimum_interval(sensor_interval()),
               default_status=sensor_status(),
               description=f"Probes the release live in {env_name} through its edge; replaces "
                           "failing containers, then rolls back if it stays unhealthy.")
    def _sensor(context: dg.SensorEvaluationContext, deploy_state: DeployStateStore,
                prober: HttpProber, docker: DockerEngine, alerts: AlertSink) -> dg.SensorResult:
        state = deploy_state.read(env_name)
        live = state.get("live")
        if not live:
            return dg.SensorResult(skip_reason=f"Nothing is live in {env_name}, so there is "
                                               "nothing to probe.", cursor=Cursor().dump())
        holder = lock_holder(deploy_state, env_name)
        if holder:
            return dg.SensorResult(skip_reason=f"A deploy of {env_name} holds its lock "
                                               f"({holder}); health is judged again once it "
                                               "is released.")
        busy = [run for run in context.instance.get_runs(dg.RunsFilter(
            tags={"rag_release/env": env_name}, statuses=IN_PROGRESS), limit=20)
            if not run.job_name.endswith(READ_ONLY_JOB_SUFFIXES)]
        if busy:
            return dg.SensorResult(skip_reason=f"Run {busy[0].run_id} of {busy[0].job_name} is "
                                               f"{busy[0].status.value.lower()} in {env_name}; "
                                               "health is judged again once it ends.")

        env = parse_env_file(settings.envs_dir() / f"{env_name}.env", env_name)
        report = look(env, live, prober, list_containers(docker, env))
        verdict = judge(report, live, state.get("previous"), state.get("history", []),
                        Cursor.load(context.cursor), HealthPolicy.of(env), time.time())
        context.log.info("Health of %s: %s", env_name, verdict.sentence)
        write_status(report, verdict)
        events, cursor = _observe(report, verdict, env_url=edge_url(env))
        if verdict.alert:
            alerts.send("rollback_launched" if verdict.action == Action.rollback else
                        "unhealthy", env_name, verdict.sentence,
                        details={"version": report.version, "color": report.color,
                                 "failing": report.failing(), "run_key": verdict.run_key},
                        log=context.log)

        requests = _run_requests(env_name, verdict, heal.name, rollback.name, live)
        if requests:
            return dg.SensorResult(run_requests=requests, asset_events=events,
                                   cursor=cursor.dump())
        return dg.SensorResult(skip_reason=verdict.sentence, asset_events=events,
                               cursor=cursor.dump())

    return _sensor


def lock_holder(deploy_state: DeployStateStore, env: str) -> str:
    """Who holds the deploy lock of `env`, or an empty string when nobody does. The lock file's
    text alone could outlive a killed holder, so the lock itself is tried."""
    path = deploy_state.folder(env) / "deploy.lock"
    if not path.is_file():
        return ""
    with open(path) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return f.read().strip() or "a deploy"
        fcntl.flock(f, fcntl.LOCK_UN)
    return ""


def _observe(report: HealthReport, verdict: Verdict,
             env_url: str) -> tuple[list[dg.AssetObservation], Cursor]:
    """An observation of the deployment asset when health changed, or now and then."""
    cursor = verdict.cursor
    signature = "|".join(str(v) for v in (report.version, report.color, report.healthy,
                                          cursor.failures, cursor.heals, verdict.action.value))
    if signature == cursor.observed and \
            time.time() - cursor.observed_at < OBSERVE_UNCHANGED_EVERY_SECONDS:
        return [], cursor
    observation = dg.AssetObservation(
        asset_key=f"{report.env}_deployment",
        metadata={
            "healthy": report.healthy,
            "version": report.version,
            "color": report.color,
            "consecutive_failures": cursor.failures,
            "heals": cursor.heals,
            "action": verdict.action.value,
            "decision": verdict.sentence,
            "services": dg.MetadataValue.json({n: s.detail for n, s in
                                               sorted(report.services.items())}),
            "url": dg.MetadataValue.url(env_url),
        })
    return [observation], replace(cursor, observed=signature, observed_at=time.time())


def _run_requests(env: str, verdict: Verdict, heal_job: str, rollback_job: str,
                  live: dict) -> list[dg.RunRequest]:
    tags = {"rag_release/env": env}
    if verdict.action == Action.heal:
        config = {"containers": list(verdict.targets), "release": live["version"],
                  "reason": verdict.cause}
        return [dg.RunRequest(run_key=verdict.run_key, job_name=heal_job, tags=tags,
                              run_config={"ops": {f"heal_{env}": {"config": config}}})]
    if verdict.action == Action.rollback:
        config = {"action": "rollback", "reason": verdict.cause}
        return [dg.RunRequest(run_key=verdict.run_key, job_name=rollback_job, tags=tags,
                              run_config={"ops": {f"{env}_deployment": {"config": config}}})]
    return []
