"""The Prometheus exporter on a prepared home folder: exact values from deploy histories, backup
manifests and the health sensor's status, and from probes answered by a mock transport; then the
real process, scraped over HTTP."""

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from rag_release.defs.health.probes import Container
from rag_release.metrics import build_registry
from rag_release.metrics.live import EdgeClient, LiveProbes

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC).timestamp()
INF = float("inf")


def iso(seconds_ago: float) -> str:
    return dt.datetime.fromtimestamp(NOW - seconds_ago, dt.UTC).isoformat()


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    live = {"version": "1.1.0", "color": "green", "deployed_at": iso(600),
            "images": {"backend": "r/b", "frontend": "r/f", "nlp": "r/n"}}
    history = [
        {"action": "deploy", "result": "success", "version": "1.0.0", "finished_at": iso(9000),
         "durations": {"prepare": 2.0, "health": 4.0}, "launched_by": "ci"},
        {"action": "deploy", "result": "success", "version": "1.1.0", "finished_at": iso(8000),
         "durations": {"prepare": 1.0, "health": 6.0}, "launched_by": "ci"},
        {"action": "deploy", "result": "failed", "version": "1.2.0", "finished_at": iso(7000),
         "durations": {"prepare": 1.5, "health": 90.0}, "launched_by": "ci"},
        {"action": "heal", "result": "success", "version": "1.1.0", "finished_at": iso(3000),
         "durations": {"replace": 1.2, "reload": 0.6}, "launched_by": "sensor dev_health_sensor"},
        {"action": "rollback", "result": "success", "version": "1.0.0", "finished_at": iso(2000),
         "durations": {"switch": 0.5, "verify": 0.1}, "launched_by": "sensor dev_health_sensor"},
        {"action": "rollback", "result": "success", "version": "1.1.0", "finished_at": iso(1000),
         "durations": {"switch": 0.7, "verify": 0.1}, "launched_by": "alice"},
    ]
    write(home / "deploy" / "dev" / "state.json", {"live": live, "previous": None,
                                                   "history": history})
    for backup_id, status, age in (("a", "good", 7200), ("b", "good", 3600), ("c", "failed", 60)):
        write(home / "backups" / "dev" / backup_id / "manifest.json",
              {"env": "dev", "id": backup_id, "status": status, "finished_at": iso(age)})
    write(home / "backups" / "staging" / "x" / "manifest.json",
          {"env": "staging", "id": "x", "status": "failed", "finished_at": iso(10)})
    (home / "backups" / "staging" / ".partial-y").mkdir()
    write(home / "health" / "dev" / "status.json",
          {"env": "dev", "checked_at": iso(12), "healthy": False, "consecutive_failures": 2,
           "heals": 1})
    return home


@pytest.fixture
def envs(tmp_path) -> Path:
    folder = tmp_path / "envs"
    folder.mkdir()
    (folder / "dev.env").write_text("ENV_NAME=dev\nEDGE_HTTPS_PORT=18443\n")
    (folder / "staging.env").write_text("ENV_NAME=staging\nEDGE_HTTPS_PORT=28443\n")
    return folder


def edge(request: httpx.Request) -> httpx.Response:
    assert request.url.host == "127.0.0.1" and request.url.port == 18443
    if request.url.path == "/api/health":
        return httpx.Response(503, json={"status": "fail", "version": "1.1.0", "color": "green",
                                         "checks": {"nlp": "fail"}})
    if request.url.path == "/api/metrics":
        return httpx.Response(200, text=(
            "# TYPE http_requests_total counter\n"
            'http_requests_total{method="GET",route="/api/health",status="200"} 40\n'
            'http_requests_total{method="POST",route="/api/query",status="200"} 2\n'
            'http_requests_total{method="GET",route="/api/health",status="503"} 3\n'
            "# TYPE rag_queries_total counter\nrag_queries_total 2\n"
            "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 8e7\n"))
    return httpx.Response(200, text="ok\n")


def engine() -> list[Container]:
    return [Container(f"id{i}", f"rag-dev-{p}-{s}-1", f"rag-dev-{p}", s, "running", "healthy")
            for i, (p, s) in enumerate([("green", "backend"), ("green", "nlp"),
                                        ("green", "frontend"), ("edge", "edge")])]


def samples(registry) -> dict:
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_values_from_records_and_probes(home, envs):
    probes = LiveProbes(home, envs, engine, EdgeClient(transport=httpx.MockTransport(edge)))
    probes.refresh()
    got = samples(build_registry(home, envs, probes, now=lambda: NOW))

    def value(name: str, **labels):
        return got[(name, tuple(sorted(labels.items())))]

    assert value("rag_release_deploys_total", env="dev", result="success") == 2
    assert value("rag_release_deploys_total", env="dev", result="failed") == 1
    assert value("rag_release_rollbacks_total", env="dev", result="success", trigger="sensor") == 1
    assert value("rag_release_rollbacks_total", env="dev", result="success", trigger="manual") == 1
    assert value("rag_release_heals_total", env="dev", result="success") == 1
    health = {"env": "dev", "action": "deploy", "phase": "health"}
    assert value("rag_release_deploy_phase_seconds_count", **health) == 3
    assert value("rag_release_deploy_phase_seconds_sum", **health) == 100.0
    assert value("rag_release_deploy_phase_seconds_bucket", le="5.0", **health) == 1
    assert value("rag_release_deploy_phase_seconds_bucket", le="60.0", **health) == 2
    assert value("rag_release_deploy_phase_seconds_bucket", le="+Inf", **health) == 3
    assert value("rag_release_deploy_phase_seconds_sum", env="dev", action="rollback",
                 phase="switch") == 1.2
    assert value("rag_release_last_action_timestamp_seconds", env="dev", action="rollback",
                 result="success") == NOW - 1000

    assert value("rag_release_live_release_info", env="dev", version="1.1.0", color="green") == 1
    assert value("rag_release_live_since_timestamp_seconds", env="dev") == NOW - 600
    assert value("rag_release_last_good_backup_age_seconds", env="dev") == 3600
    assert value("rag_release_last_good_backup_age_seconds", env="staging") == INF
    assert value("rag_release_backups", env="dev", status="good") == 2
    assert value("rag_release_backups", env="staging", status="failed") == 1
    assert value("rag_release_health_consecutive_failures", env="dev") == 2
    assert value("rag_release_health_heal_attempts", env="dev") == 1
    assert value("rag_release_health_sensor_age_seconds", env="dev") == 12

    assert value("rag_release_service_up", env="dev", service="backend") == 1
    assert value("rag_release_service_up", env="dev", service="nlp") == 0
    assert value("rag_release_environment_up", env="dev") == 0
    assert value("rag_release_backend_http_requests_total", env="dev", status="200") == 42
    assert value("rag_release_backend_http_requests_total", env="dev", status="503") == 3
    assert value("rag_release_backend_queries_total", env="dev") == 2
    assert value("rag_release_backend_resident_memory_bytes", env="dev") == 8e7
    assert not [k for k in got if k[0] == "rag_release_service_up" and ("env", "staging") in k[1]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_exporter_process_serves_on_loopback_and_refuses_a_taken_port(home, envs):
    port = free_port()
    env = dict(os.environ, RAG_RELEASE_HOME=str(home), RAG_RELEASE_ENVS=str(envs),
               RAG_RELEASE_METRICS_PORT=str(port))
    exporter = subprocess.Popen([sys.executable, "-m", "rag_release.metrics"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, text = time.monotonic() + 20, ""
        while time.monotonic() < deadline and "rag_release_deploys_total" not in text:
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.HTTPError:
                time.sleep(0.2)
        assert 'rag_release_deploys_total{env="dev",result="success"} 2.0' in text

        second = subprocess.run([sys.executable, "-m", "rag_release.metrics"], env=env,
                                capture_output=True, text=True, timeout=30, check=False)
        assert second.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
        assert "set RAG_RELEASE_METRICS_PORT to a free port" in second.stderr
    finally:
        exporter.send_signal(signal.SIGTERM)
        output, _ = exporter.communicate(timeout=20)
    assert exporter.returncode == 0, output
    assert "Stopped serving metrics" in output
