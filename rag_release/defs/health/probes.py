"""One look at the live release of an environment: its endpoints through the edge on 127.0.0.1
(`/api/health` of the backend, which reports its dependencies, and `/` of the frontend), and the
engine's own view of the containers. Cheap enough for every sensor tick: two HTTP requests and
one `docker ps`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from rag_release.model.environment import Environment
from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.prober import Probe

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
COLOR_SERVICES = ("backend", "nlp", "frontend")
DATA_SERVICES = ("postgres", "redis")
HEALABLE = ("edge",) + COLOR_SERVICES
UNREACHABLE = (502, 504)


class Getter(Protocol):
    def get(self, url: str) -> Probe: ...


@dataclass(frozen=True)
class Container:
    id: str
    name: str
    project: str
    service: str
    state: str
    health: str

    @property
    def failing(self) -> bool:
        return self.state != "running" or self.health == "unhealthy"

    def describe(self) -> str:
        return f"{self.name} {self.health or self.state}" if self.state == "running" else \
            f"{self.name} {self.state}"


@dataclass(frozen=True)
class ServiceHealth:
    healthy: bool
    detail: str


@dataclass(frozen=True)
class HealthReport:
    env: str
    version: str
    color: str
    services: dict[str, ServiceHealth]
    containers: tuple[Container, ...] = ()
    implicated: frozenset[str] = frozenset()
    checked_at: float = field(default_factory=time.time)

    @property
    def healthy(self) -> bool:
        return all(s.healthy for s in self.services.values())

    def failing(self) -> list[str]:
        return [name for name, s in self.services.items() if not s.healthy]

    def data_failing(self) -> list[str]:
        return [name for name in self.failing() if name in DATA_SERVICES]

    def describe(self) -> str:
        return "; ".join(f"{n}: {self.services[n].detail}" for n in self.failing()) or "healthy"

    def heal_targets(self) -> list[str]:
        """Containers worth replacing: those the engine reports failing in a failing service,
        else every container of a service a probe points at."""
        targets = []
        for service in self.failing():
            if service not in HEALABLE:
                continue
            mine = [c for c in self.containers if c.service == service]
            failing = [c.name for c in mine if c.failing]
            targets += failing or ([c.name for c in mine] if service in self.implicated else [])
        return targets


def containers_argv() -> list[str]:
    """Every compose container of the engine, one tab-separated line each."""
    fields = ["{{.ID}}", "{{.Names}}", f'{{{{.Label "{PROJECT_LABEL}"}}}}',
              f'{{{{.Label "{SERVICE_LABEL}"}}}}', "{{.State}}", "{{.Status}}"]
    return ["docker", "ps", "--all", "--no-trunc", "--filter", f"label={PROJECT_LABEL}",
            "--format", "\t".join(fields)]


def parse_containers(text: str) -> list[Container]:
    found = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 6:
            continue
        cid, name, project, service, state, status = parts
        found.append(Container(cid, name, project, service, state, _health(status)))
    return found


def list_containers(docker: DockerEngine, env: Environment) -> list[Container]:
    done = docker.run(containers_argv(), what="listing the containers of the engine",
                      timeout=20)
    return [c for c in parse_containers(done.stdout) if c.project.startswith(env.project + "-")]


def edge_url(env: Environment) -> str:
    return f"https://127.0.0.1:{env.int('EDGE_HTTPS_PORT')}"


def look(env: Environment, live: dict, http: Getter, containers: list[Container]) -> HealthReport:
    """Judge each service of the live release from the probes and the containers."""
    images = live.get("images", {})
    watched = ["edge"] + [s for s in COLOR_SERVICES + DATA_SERVICES if s in images]
    problems: dict[str, list[str]] = {name: [] for name in watched}
    implicated: set[str] = set()

    base = edge_url(env)
    _judge_api(http.get(base + "/api/health"), live, problems, implicated)
    _judge_page(http.get(base + "/"), problems, implicated)
    projects = {"edge": f"{env.project}-edge", "data": f"{env.project}-data",
                "color": f"{env.project}-{live['color']}"}
    relevant = [c for c in containers if c.project in projects.values()]
    for service in watched:
        project = projects["edge" if service == "edge" else
                           "data" if service in DATA_SERVICES else "color"]
        mine = [c for c in relevant if c.project == project and c.service == service]
        if not mine:
            problems[service].append(f"no container in {project}")
        problems[service] += [c.describe() for c in mine if c.failing]

    services = {name: ServiceHealth(not found, "; ".join(found) or "ok")
                for name, found in problems.items()}
    return HealthReport(env.name, live["version"], live["color"], services, tuple(relevant),
                        frozenset(implicated))


def _judge_api(probe: Probe, live: dict, problems: dict, implicated: set) -> None:
    if probe.status is None:
        problems["edge"].append(f"does not answer ({probe.error})")
        implicated.add("edge")
        return
    if probe.status in UNREACHABLE:
        _add(problems, "backend", f"unreachable behind the edge (HTTP {probe.status})")
        implicated.add("backend")
        return
    if not isinstance(probe.body, dict):
        if probe.status == 503:
            problems["edge"].append("answers 503 with no release behind it")
        elif not probe.ok:
            _add(problems, "backend", f"/api/health answers HTTP {probe.status}")
            implicated.add("backend")
        return

    body = probe.body
    color = body.get("color", live["color"])
    if (body.get("version"), color) != (live["version"], live["color"]):
        problems["edge"].append(f"serves release {body.get('version')} on {color}, expected "
                                f"{live['version']} on {live['color']}")
    checks = body.get("checks") or {}
    for name, result in sorted(checks.items()):
        if result != "ok" and name in problems:
            problems[name].append(f"the backend reports {name} {result}")
            implicated.add(name)
    if body.get("forced") or (not probe.ok and all(v == "ok" for v in checks.values())):
        why = " (forced unhealthy)" if body.get("forced") else ""
        _add(problems, "backend", f"/api/health answers HTTP {probe.status}{why}")
        implicated.add("backend")


def _judge_page(probe: Probe, problems: dict, implicated: set) -> None:
    if probe.status is None:
        if not problems["edge"]:
            problems["edge"].append(f"does not answer ({probe.error})")
        implicated.add("edge")
    elif probe.status in UNREACHABLE:
        _add(problems, "frontend", f"unreachable behind the edge (HTTP {probe.status})")
        implicated.add("frontend")
    elif not probe.ok:
        _add(problems, "frontend", f"/ answers HTTP {probe.status}")
        implicated.add("frontend")


def _add(problems: dict, service: str, text: str) -> None:
    problems.setdefault(service, []).append(text)


def _health(status: str) -> str:
    if "(unhealthy)" in status:
        return "unhealthy"
    if "(healthy)" in status:
        return "healthy"
    if "health: starting" in status:
        return "starting"
    return ""
