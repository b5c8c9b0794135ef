"""Judging each service of the live release from the edge's answers and the engine's view."""

from pathlib import Path

from rag_release.defs.health.probes import Container, containers_argv, look, parse_containers
from rag_release.model.environment import Environment
from rag_release.resources.prober import Probe

ENV = Environment("dev", Path("envs/dev.env"), {"EDGE_HTTPS_PORT": "18443"}, {}, {})
LIVE = {"version": "1.0.0", "color": "blue",
        "images": {s: f"r/{s}" for s in ("backend", "nlp", "frontend", "postgres", "redis",
                                         "edge")}}
HEALTHY = {"status": "ok", "version": "1.0.0", "color": "blue",
           "checks": {"postgres": "ok", "redis": "ok", "nlp": "ok"}}


def containers(**states: str) -> list[Container]:
    """Every container of the stack healthy, except those named in `states`."""
    out = []
    for project, service in (("rag-dev-blue", "backend"), ("rag-dev-blue", "nlp"),
                             ("rag-dev-blue", "frontend"), ("rag-dev-edge", "edge"),
                             ("rag-dev-data", "postgres"), ("rag-dev-data", "redis"),
                             ("rag-dev-green", "backend"), ("rag-other-blue", "backend")):
        health = states.get(service, "healthy") if project == "rag-dev-blue" else "healthy"
        out.append(Container(f"id-{project}-{service}", f"{project}-{service}-1", project,
                             service, "exited" if health == "exited" else "running",
                             "" if health == "exited" else health))
    return out


class Edge:
    def __init__(self, api: Probe | None = None, page: Probe | None = None):
        self.answers = {"/api/health": api or Probe("", True, 200, HEALTHY),
                        "/": page or Probe("", True, 200, "<html>")}
        self.asked = []

    def get(self, url: str) -> Probe:
        self.asked.append(url)
        return self.answers[url.split("18443", 1)[1]]


def test_a_healthy_release_probes_through_the_edge_on_loopback():
    edge = Edge()
    report = look(ENV, LIVE, edge, containers())
    assert report.healthy and report.describe() == "healthy"
    assert sorted(report.services) == ["backend", "edge", "frontend", "nlp", "postgres", "redis"]
    assert edge.asked == ["https://127.0.0.1:18443/api/health", "https://127.0.0.1:18443/"]
    assert {c.project for c in report.containers} == {"rag-dev-blue", "rag-dev-edge",
                                                      "rag-dev-data"}


def test_a_forced_unhealthy_backend_is_the_one_to_replace():
    body = dict(HEALTHY, status="fail", forced=True)
    report = look(ENV, LIVE, Edge(api=Probe("", False, 503, body)), containers())
    assert report.failing() == ["backend"]
    assert report.services["backend"].detail == "/api/health answers HTTP 503 (forced unhealthy)"
    assert report.heal_targets() == ["rag-dev-blue-backend-1"]


def test_an_unhealthy_container_is_replaced_even_when_the_probes_pass():
    report = look(ENV, LIVE, Edge(), containers(nlp="unhealthy"))
    assert report.failing() == ["nlp"]
    assert report.heal_targets() == ["rag-dev-blue-nlp-1"]


def test_nlp_failing_behind_the_backend_points_at_nlp():
    body = dict(HEALTHY, status="fail", checks={"postgres": "ok", "redis": "ok", "nlp": "fail"})
    report = look(ENV, LIVE, Edge(api=Probe("", False, 503, body)), containers())
    assert report.failing() == ["nlp"]
    assert report.heal_targets() == ["rag-dev-blue-nlp-1"]


def test_a_data_service_failing_is_reported_and_not_healed():
    body = dict(HEALTHY, status="fail", checks={"postgres": "fail", "redis": "ok", "nlp": "ok"})
    report = look(ENV, LIVE, Edge(api=Probe("", False, 503, body)), containers())
    assert report.data_failing() == ["postgres"]
    assert report.heal_targets() == []


def test_an_edge_that_does_not_answer_is_the_edge_to_replace():
    down = Probe("", False, None, None, error="ConnectError")
    report = look(ENV, LIVE, Edge(api=down, page=down), containers())
    assert report.failing() == ["edge"]
    assert report.services["edge"].detail == "does not answer (ConnectError)"
    assert report.heal_targets() == ["rag-dev-edge-edge-1"]


def test_a_backend_the_edge_cannot_reach_and_an_exited_frontend():
    report = look(ENV, LIVE, Edge(api=Probe("", False, 502, "<html>bad gateway</html>"),
                                  page=Probe("", False, 502, "<html>")),
                  containers(frontend="exited"))
    assert report.failing() == ["backend", "frontend"]
    assert report.services["frontend"].detail == ("unreachable behind the edge (HTTP 502); "
                                                  "rag-dev-blue-frontend-1 exited")
    assert report.heal_targets() == ["rag-dev-blue-backend-1", "rag-dev-blue-frontend-1"]


def test_an_edge_serving_another_release_is_failing_but_not_replaced():
    body = dict(HEALTHY, version="0.9.0", color="green")
    report = look(ENV, LIVE, Edge(api=Probe("", True, 200, body)), containers())
    assert report.services["edge"].detail == "serves release 0.9.0 on green, expected 1.0.0 on blue"
    assert report.heal_targets() == []


def test_a_missing_container_and_one_just_replaced():
    stack = [c for c in containers(backend="starting") if c.service != "frontend"]
    report = look(ENV, LIVE, Edge(), stack)
    assert report.failing() == ["frontend"]
    assert report.services["frontend"].detail == "no container in rag-dev-blue"


def test_the_engine_listing_is_parsed_from_docker_ps():
    argv = containers_argv()
    assert argv[:4] == ["docker", "ps", "--all", "--no-trunc"]
    assert "label=com.docker.compose.project" in argv
    text = ("abc\trag-dev-blue-backend-1\trag-dev-blue\tbackend\trunning\tUp 3 minutes "
            "(unhealthy)\n"
            "def\trag-dev-blue-nlp-1\trag-dev-blue\tnlp\trunning\tUp 2 seconds (health: "
            "starting)\n"
            "ghi\trag-dev-edge-edge-1\trag-dev-edge\tedge\texited\tExited (1) 3 seconds ago\n"
            "not a container line\n")
    parsed = parse_containers(text)
    assert [(c.name, c.state, c.health, c.failing) for c in parsed] == [
        ("rag-dev-blue-backend-1", "running", "unhealthy", True),
        ("rag-dev-blue-nlp-1", "running", "starting", False),
        ("rag-dev-edge-edge-1", "exited", "", True)]


def test_a_backend_that_does_not_report_its_color_is_judged_by_its_version():
    body = {"status": "ok", "version": "1.0.0", "checks": {}}
    assert look(ENV, LIVE, Edge(api=Probe("", True, 200, body)), containers()).healthy
