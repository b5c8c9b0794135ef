"""Probes of the running environments, refreshed in the background so that a scrape only reads
the last results: the health of each service of the live release (the same look the health
sensor takes), and a few numbers from the backend's own /api/metrics, through the edge."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from rag_release.defs.health.probes import Container, HealthReport, edge_url, look
from rag_release.errors import RagReleaseError
from rag_release.metrics import records
from rag_release.model.environment import parse_env_file
from rag_release.resources.prober import Probe

log = logging.getLogger("rag_release.metrics")


class EdgeClient:
    """GETs through an environment's edge on 127.0.0.1. Certificates are not verified: the
    probe is about the services answering (the TLS rule of the checklist checks the edge)."""

    def __init__(self, timeout_seconds: float = 3.0, transport: httpx.BaseTransport | None = None):
        self._client = httpx.Client(timeout=timeout_seconds, verify=False, transport=transport)

    def get(self, url: str) -> Probe:
        try:
            response = self._client.get(url)
        except httpx.HTTPError as e:
            return Probe(url, False, None, None, error=type(e).__name__)
        try:
            body = response.json()
        except ValueError:
            body = response.text[:200]
        return Probe(url, response.is_success, response.status_code, body)

    def text(self, url: str) -> str | None:
        try:
            response = self._client.get(url)
        except httpx.HTTPError:
            return None
        return response.text if response.is_success else None


@dataclass(frozen=True)
class BackendNumbers:
    requests_by_status: dict[str, float] = field(default_factory=dict)
    queries: float | None = None
    resident_memory_bytes: float | None = None


@dataclass(frozen=True)
class Sample:
    report: HealthReport
    backend: BackendNumbers | None
    at: float


def backend_numbers(text: str) -> BackendNumbers:
    by_status: dict[str, float] = {}
    queries = memory = None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "http_requests_total":
                status = sample.labels.get("status", "unknown")
                by_status[status] = by_status.get(status, 0.0) + sample.value
            elif sample.name == "rag_queries_total":
                queries = sample.value
            elif sample.name == "process_resident_memory_bytes":
                memory = sample.value
    return BackendNumbers(by_status, queries, memory)


class LiveProbes:
    """`containers` lists the engine's compose containers; `client` reaches the edges."""

    def __init__(self, home: Path, envs_dir: Path, containers: Callable[[], list[Container]],
                 client: EdgeClient, interval_seconds: float = 15.0):
        self.home, self.envs_dir = home, envs_dir
        self.containers, self.client = containers, client
        self.interval_seconds = interval_seconds
        self._samples: dict[str, Sample] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def samples(self) -> dict[str, Sample]:
        with self._lock:
            return dict(self._samples)

    def refresh(self) -> None:
        try:
            engine = self.containers()
        except RagReleaseError as e:
            log.warning("Cannot list containers (%s); judging from the probes alone", e)
            engine = []
        fresh = {}
        for env_name in records.environments(self.home, self.envs_dir):
            sample = self._probe(env_name, engine)
            if sample is not None:
                fresh[env_name] = sample
        with self._lock:
            self._samples = fresh

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="metrics-probes", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.refresh()
            except Exception:
                log.exception("Probing the environments failed; the next round tries again")
            self._stop.wait(max(1.0, self.interval_seconds - (time.monotonic() - started)))

    def _probe(self, env_name: str, engine: list[Container]) -> Sample | None:
        live = records.deploy_state(self.home, env_name).get("live")
        env_file = self.envs_dir / f"{env_name}.env"
        if not live or not env_file.is_file():
            return None
        try:
            env = parse_env_file(env_file, env_name)
            base = edge_url(env)
        except RagReleaseError as e:
            log.warning("Not probing %s: %s", env_name, e)
            return None
        mine = [c for c in engine if c.project.startswith(env.project + "-")]
        report = look(env, live, self.client, mine)
        text = self.client.text(base + "/api/metrics")
        try:
            numbers = backend_numbers(text) if text else None
        except ValueError as e:
            log.warning("The backend metrics of %s are not Prometheus text: %s", env_name, e)
            numbers = None
        return Sample(report, numbers, time.time())
