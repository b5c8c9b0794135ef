from rag_release.audit.probes import probe_http
from rag_release.audit.rules.monitoring import metrics_findings, sensor_findings
from rag_release_tests.audit.conftest import handler, serving

METRICS = """\
# HELP rag_release_deploys_total Deploys.
# TYPE rag_release_deploys_total counter
rag_release_deploys_total{env="prod"} 3.0
rag_release_backup_age_seconds{env="prod"} 1200
"""


def probe(status: int, body: str):
    with serving(handler(status, {"Content-Type": "text/plain; version=0.0.4"}, body)) as port:
        return metrics_findings(probe_http(f"http://127.0.0.1:{port}/metrics"))


def test_prometheus_text_passes():
    found = probe(200, METRICS)

    assert [f.severity.value for f in found] == ["info"]
    assert "2 metric families, 2 samples" in found[0].message


def test_errors_empty_answers_and_other_text_fail():
    assert "answer 500, not 200" in probe(500, METRICS)[0].message
    assert "no sample" in probe(200, "# nothing here\n")[0].message
    assert "not Prometheus text" in probe(200, "<html><body>hi there</body></html>")[0].message


def test_nothing_listening_fails(unused_port):
    found = metrics_findings(probe_http(f"http://127.0.0.1:{unused_port}/metrics"))

    assert found[0].text().startswith(f"http://127.0.0.1:{unused_port}/metrics: metrics do "
                                      "not answer")


NAMES = ("prod_health_sensor", "health_sensor")


def test_health_sensors_must_run():
    running = sensor_findings(NAMES, {"prod_health_sensor": "RUNNING"}, {}, 10.0)
    by_default = sensor_findings(NAMES, {}, {"prod_health_sensor": "RUNNING"}, 10.0)
    declared = sensor_findings(NAMES, {"prod_health_sensor": "DECLARED_IN_CODE"},
                               {"prod_health_sensor": "RUNNING"}, 10.0)
    stopped = sensor_findings(NAMES, {"prod_health_sensor": "STOPPED"},
                              {"prod_health_sensor": "RUNNING"}, 10.0)
    never = sensor_findings(NAMES, {}, {"prod_health_sensor": "STOPPED"}, 10.0)
    missing = sensor_findings(NAMES, {}, {}, 10.0)

    assert [f.severity.value for f in running + by_default + declared] == ["info"] * 3
    assert stopped[0].text().startswith("dagster: sensor prod_health_sensor is stopped")
    assert never[0].severity.value == "error"
    assert "no sensor named prod_health_sensor or health_sensor" in missing[0].message


def test_a_silent_sensor_daemon_is_a_warning():
    found = sensor_findings(NAMES, {"health_sensor": "RUNNING"}, {}, None)

    assert [(f.severity.value, f.key) for f in found] == [("warning", "sensor daemon")]
    assert "has never reported" in found[0].message
