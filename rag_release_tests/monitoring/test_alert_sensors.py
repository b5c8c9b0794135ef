"""The run alert sensors, fed real run events from an instance of their own."""

import dagster as dg
import pytest

from rag_release.defs.monitoring.sensors import (
    env_of,
    failure_kind,
    rollback_alert_sensor,
    run_failure_alert_sensor,
)
from rag_release.errors import BackupError
from rag_release.resources.alerts import AlertSink
from rag_release_tests.monitoring.receiver import AlertReceiver


@dg.op
def dump_postgres():
    raise dg.Failure(description=str(BackupError("pg_dump of dev exited 1: disk full")))


@dg.job(name="dev_backup_job", tags={"dagster/partition": "2026-12-02"})
def failing_backup():
    dump_postgres()


@dg.op(config_schema={"action": str, "reason": str})
def prod_deployment():
    return None


@dg.job(name="rollback_prod_job")
def rollback_stand_in():
    prod_deployment()


def last_event(instance, run_id: str, event_type: dg.DagsterEventType) -> dg.DagsterEvent:
    records = instance.get_records_for_run(run_id, of_type=event_type).records
    return records[-1].event_log_entry.dagster_event


@pytest.fixture
def receiver():
    with AlertReceiver() as receiver:
        yield receiver


def test_a_failed_backup_run_posts_a_backup_alert_with_the_step_error(instance, receiver):
    result = failing_backup.execute_in_process(instance=instance, raise_on_error=False)
    run = instance.get_run_by_id(result.run_id)
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert_sensor", dagster_instance=instance, dagster_run=run,
        dagster_event=last_event(instance, run.run_id, dg.DagsterEventType.RUN_FAILURE),
        resources={"alerts": AlertSink(webhook_url=receiver.url)}).for_run_failure()
    run_failure_alert_sensor(context)

    [alert] = receiver.received
    assert (alert["kind"], alert["env"], alert["run_id"]) == ("backup_failed", "dev", run.run_id)
    assert alert["message"] == (f"run {run.run_id} of dev_backup_job failed: step dump_postgres: "
                                "pg_dump of dev exited 1: disk full")
    assert alert["details"]["partition"] == "2026-12-02"


def test_a_successful_rollback_posts_its_cause(instance, receiver):
    config = {"ops": {"prod_deployment": {"config": {
        "action": "rollback", "reason": "health sensor: release 2.0.0 failed 3 probes"}}}}
    result = rollback_stand_in.execute_in_process(
        instance=instance, run_config=config,
        tags={"dagster/sensor_name": "prod_health_sensor", "rag_release/env": "prod"})
    run = instance.get_run_by_id(result.run_id)
    context = dg.build_run_status_sensor_context(
        sensor_name="rollback_alert_sensor", dagster_instance=instance, dagster_run=run,
        dagster_event=last_event(instance, run.run_id, dg.DagsterEventType.RUN_SUCCESS),
        resources={"alerts": AlertSink(webhook_url=receiver.url)})
    rollback_alert_sensor(context)

    [alert] = receiver.received
    assert (alert["kind"], alert["env"]) == ("rollback", "prod")
    assert alert["message"] == (f"prod was rolled back by run {run.run_id}, launched by sensor "
                                "prod_health_sensor: health sensor: release 2.0.0 failed 3 "
                                "probes")


@pytest.mark.parametrize("job, tags, kind, env", [
    ("staging_backup_job", {}, "backup_failed", "staging"),
    ("rollback_prod_job", {}, "rollback_failed", "prod"),
    ("heal_dev_job", {}, "heal_failed", "dev"),
    ("promote_prod_job", {}, "deploy_failed", "prod"),
    ("deploy_dev_job", {}, "deploy_failed", "dev"),
    ("restore_job", {"rag_release/env": "staging"}, "run_failed", "staging"),
    ("__ASSET_JOB", {}, "run_failed", ""),
])
def test_kinds_and_environments_of_failed_runs(job, tags, kind, env):
    run = dg.DagsterRun(job_name=job, tags=tags)
    assert (failure_kind(run), env_of(run)) == (kind, env)
