"""The alert sink against a local webhook receiver: what is posted, and that a webhook that is
missing, down or refusing never raises."""

import logging
import socket

import dagster as dg

from rag_release.resources.alerts import AlertSink, alert_sink
from rag_release_tests.monitoring.receiver import AlertReceiver


def test_an_alert_is_posted_as_json_and_logged(caplog):
    caplog.set_level(logging.WARNING)
    with AlertReceiver() as receiver:
        sent = AlertSink(webhook_url=receiver.url).send(
            "rollback_launched", "prod", "release 2.0.0 failed 3 probes", run_id="r1",
            details={"version": "2.0.0"})
    assert sent is True
    [alert] = receiver.received
    assert {k: alert[k] for k in ("source", "kind", "env", "run_id", "message", "details")} == {
        "source": "rag_release", "kind": "rollback_launched", "env": "prod", "run_id": "r1",
        "message": "release 2.0.0 failed 3 probes", "details": {"version": "2.0.0"}}
    assert alert["text"] == "[rag_release] prod rollback_launched: release 2.0.0 failed 3 probes"
    assert alert["at"].endswith("+00:00")
    assert "Alert rollback_launched for prod: release 2.0.0 failed 3 probes" in caplog.text


def test_without_a_webhook_the_alert_is_only_logged(caplog):
    caplog.set_level(logging.WARNING)
    assert AlertSink().send("run_failed", "dev", "run r2 of deploy_dev_job failed") is False
    assert "Alert run_failed for dev: run r2 of deploy_dev_job failed" in caplog.text


def test_a_webhook_that_refuses_or_is_down_does_not_raise(caplog):
    caplog.set_level(logging.WARNING)
    with AlertReceiver(status=500) as receiver:
        assert AlertSink(webhook_url=receiver.url).send("backup_failed", "dev", "x") is False
    assert "The webhook refused the backup_failed alert of dev with HTTP 500" in caplog.text

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/hook?token=secret-token"
    assert AlertSink(webhook_url=closed, timeout_seconds=1).send("unhealthy", "dev", "y") is False
    assert "did not reach the webhook (ConnectError)" in caplog.text
    assert "secret-token" not in caplog.text


def test_the_installation_sink_reads_the_webhook_through_an_env_var(monkeypatch):
    alert_sink.cache_clear()
    monkeypatch.delenv("RAG_RELEASE_ALERT_WEBHOOK", raising=False)
    assert alert_sink().webhook_url == ""
    alert_sink.cache_clear()
    monkeypatch.setenv("RAG_RELEASE_ALERT_WEBHOOK", "http://127.0.0.1:9/hook")
    sink = alert_sink()
    assert sink is alert_sink()
    assert isinstance(sink.webhook_url, dg.EnvVar)
    alert_sink.cache_clear()
