"""Alerts on what ran: every failed run (a failed backup, deploy, heal or rollback named as
such), and every rollback that put a previous release back."""

import re

import dagster as dg

from rag_release.resources.alerts import AlertSink
from rag_release.defs.deploy.stack import launched_by

ALERT_INTERVAL_SECONDS = 10
ENV_IN_JOB = re.compile(r"^(?:rollback|heal|promote|deploy)_(?P<a>\w+?)_job$|"
                        r"^(?P<b>\w+?)_backup_job$")


def env_of(run: dg.DagsterRun) -> str:
    if run.tags.get("rag_release/env"):
        return run.tags["rag_release/env"]
    match = ENV_IN_JOB.match(run.job_name)
    return (match.group("a") or match.group("b")) if match else ""


def failure_kind(run: dg.DagsterRun) -> str:
    job = run.job_name
    assets = [key.to_user_string() for key in run.asset_selection or ()]
    if job.endswith("_backup_job") or any(a.endswith("_backup") for a in assets):
        return "backup_failed"
    for prefix, kind in (("rollback_", "rollback_failed"), ("heal_", "heal_failed"),
                         ("promote_", "deploy_failed"), ("deploy_", "deploy_failed")):
        if job.startswith(prefix):
            return kind
    return "run_failed"


def failure_reason(context: dg.RunFailureSensorContext) -> str:
    """The innermost error of the first failed step, else the run's own failure message."""
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:
            error = error.cause
        if error is not None:
            head, _, rest = error.message.strip().partition(": ")
            named = bool(error.cls_name and head.endswith(error.cls_name) and rest)
            return f"step {event.step_key}: {rest if named else error.message.strip()}"
    return context.failure_event.message or "no reason recorded"


@dg.run_failure_sensor(name="run_failure_alert_sensor",
                       minimum_interval_seconds=ALERT_INTERVAL_SECONDS,
                       default_status=dg.DefaultSensorStatus.RUNNING,
                       description="Posts an alert for every failed run of this code location; "
                                   "backup runs are named as such.")
def run_failure_alert_sensor(context: dg.RunFailureSensorContext, alerts: AlertSink) -> None:
    run = context.dagster_run
    kind = failure_kind(run)
    message = f"run {run.run_id} of {run.job_name} failed: {failure_reason(context)}"
    alerts.send(kind, env_of(run), message, run_id=run.run_id,
                details={"job": run.job_name, "partition": run.tags.get("dagster/partition"),
                         "launched_by": launched_by(run.tags)}, log=context.log)


@dg.run_status_sensor(name="rollback_alert_sensor", run_status=dg.DagsterRunStatus.SUCCESS,
                      minimum_interval_seconds=ALERT_INTERVAL_SECONDS,
                      default_status=dg.DefaultSensorStatus.RUNNING,
                      description="Posts an alert when a rollback run has put the previous "
                                  "release back.")
def rollback_alert_sensor(context: dg.RunStatusSensorContext, alerts: AlertSink):
    run = context.dagster_run
    if not run.job_name.startswith("rollback_"):
        return dg.SkipReason(f"Run {run.run_id} of {run.job_name} is not a rollback.")
    env = env_of(run)
    config = (run.run_config.get("ops", {}).get(f"{env}_deployment", {}).get("config", {})
              if isinstance(run.run_config, dict) else {})
    reason = config.get("reason") or "no reason given"
    alerts.send("rollback", env, f"{env} was rolled back by run {run.run_id}, launched by "
                                 f"{launched_by(run.tags)}: {reason}",
                run_id=run.run_id, details={"job": run.job_name, "reason": reason},
                log=context.log)
    return None

