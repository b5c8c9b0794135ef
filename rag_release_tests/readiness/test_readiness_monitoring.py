"""The monitoring check run as Dagster runs it, from a code location, so the health sensor
defined there is seen."""

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository

from rag_release_tests.audit.conftest import handler, serving
from rag_release_tests.audit.test_audit_monitoring import METRICS
from rag_release_tests.conftest import write_test_envs
from rag_release_tests.readiness import location


def run_monitoring(instance) -> dg.AssetCheckEvaluation:
    repository = ReconstructableRepository.for_file(location.__file__, "defs")
    job = repository.get_reconstructable_job("__ASSET_JOB")
    with dg.execute_job(job, instance=instance, asset_selection=[]) as result:
        found = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return found["monitoring_up"]


def test_metrics_answering_and_the_sensor_running_leave_only_the_daemon_warning(
        tmp_path, monkeypatch, instance):
    with serving(handler(200, body=METRICS)) as port:
        envs = write_test_envs(tmp_path / "envs",
                               prod={"METRICS_URL": f"http://127.0.0.1:{port}/metrics"})
        monkeypatch.setenv("RAG_RELEASE_ENVS", str(envs))
        check = run_monitoring(instance)

    assert check.severity == dg.AssetCheckSeverity.WARN
    assert check.description == (
        "dagster: sensor daemon has never reported; sensors run only while "
        "`dagster-daemon run` is up")


def test_metrics_not_answering_fail(tmp_path, monkeypatch, instance, unused_port):
    envs = write_test_envs(tmp_path / "envs",
                           prod={"METRICS_URL": f"http://127.0.0.1:{unused_port}/metrics"})
    monkeypatch.setenv("RAG_RELEASE_ENVS", str(envs))

    check = run_monitoring(instance)

    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "metrics do not answer" in check.description
