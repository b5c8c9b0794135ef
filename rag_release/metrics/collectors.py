"""Prometheus collectors. The record collector reads the home folder at each scrape (a few small
JSON files); the live collector reads the last background probes, so a scrape never waits for
the network."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from rag_release.metrics import records
from rag_release.metrics.live import LiveProbes

PHASE_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
INF = float("inf")


class RecordCollector(Collector):
    def __init__(self, home: Path, envs_dir: Path, now: Callable[[], float] = time.time):
        self.home, self.envs_dir, self.now = home, envs_dir, now

    def collect(self) -> Iterator[Metric]:
        envs = records.environments(self.home, self.envs_dir)
        states = {env: records.deploy_state(self.home, env) for env in envs}
        yield from self._history(states)
        yield from self._live(states)
        yield from self._backups(envs)
        yield from self._health(envs)

    def _history(self, states: dict[str, dict]) -> Iterator[Metric]:
        deploys = CounterMetricFamily("rag_release_deploys", "Deploys recorded in the history, "
                                      "by environment and result", labels=["env", "result"])
        rollbacks = CounterMetricFamily("rag_release_rollbacks", "Rollbacks recorded, by "
                                        "environment, result and what launched them (sensor or "
                                        "manual)", labels=["env", "result", "trigger"])
        heals = CounterMetricFamily("rag_release_heals", "Container replacements by the health "
                                    "sensor's heal runs, by environment and result",
                                    labels=["env", "result"])
        phases = HistogramMetricFamily("rag_release_deploy_phase_seconds", "Duration of each "
                                       "phase of deploys and rollbacks",
                                       labels=["env", "action", "phase"])
        last = GaugeMetricFamily("rag_release_last_action_timestamp_seconds", "When the last "
                                 "deploy, rollback or heal of an environment finished",
                                 labels=["env", "action", "result"])
        for env, state in states.items():
            history = state.get("history", [])
            counted = Counter((e.get("action"), e.get("result", "unknown"), _trigger(e))
                              for e in history)
            for (action, result, trigger), n in sorted(counted.items(), key=str):
                if action == "deploy":
                    deploys.add_metric([env, result], n)
                elif action == "rollback":
                    rollbacks.add_metric([env, result, trigger], n)
                elif action == "heal":
                    heals.add_metric([env, result], n)
            durations: dict[tuple[str, str], list[float]] = {}
            finished: dict[str, tuple[float, str]] = {}
            for entry in history:
                action = entry.get("action", "unknown")
                for phase, seconds in (entry.get("durations") or {}).items():
                    if action in ("deploy", "rollback"):
                        durations.setdefault((action, phase), []).append(float(seconds))
                moment = records.timestamp(entry.get("finished_at"))
                if moment is not None:
                    finished[action] = (moment, entry.get("result", "unknown"))
            for (action, phase), values in sorted(durations.items()):
                phases.add_metric([env, action, phase], _buckets(values), sum(values))
            for action, (moment, result) in sorted(finished.items()):
                last.add_metric([env, action, result], moment)
        yield from (deploys, rollbacks, heals, phases, last)

    def _live(self, states: dict[str, dict]) -> Iterator[Metric]:
        info = GaugeMetricFamily("rag_release_live_release_info", "The release live in each "
                                 "environment, and its color", labels=["env", "version", "color"])
        since = GaugeMetricFamily("rag_release_live_since_timestamp_seconds", "When the live "
                                  "release went live", labels=["env"])
        for env, state in states.items():
            live = state.get("live")
            if not live:
                continue
            info.add_metric([env, live.get("version", ""), live.get("color", "")], 1)
            moment = records.timestamp(live.get("deployed_at"))
            if moment is not None:
                since.add_metric([env], moment)
        yield from (info, since)

    def _backups(self, envs: list[str]) -> Iterator[Metric]:
        count = GaugeMetricFamily("rag_release_backups", "Backups in the store, by status",
                                  labels=["env", "status"])
        newest = GaugeMetricFamily("rag_release_last_good_backup_timestamp_seconds", "When the "
                                   "newest good backup finished", labels=["env"])
        age = GaugeMetricFamily("rag_release_last_good_backup_age_seconds", "Age of the newest "
                                "good backup; +Inf when an environment has none",
                                labels=["env"])
        now = self.now()
        for env in envs:
            manifests = records.backup_manifests(self.home, env)
            for status, n in sorted(Counter(m.get("status", "unknown")
                                            for m in manifests).items()):
                count.add_metric([env, status], n)
            latest = max((t for t in (records.timestamp(m.get("finished_at")) for m in manifests
                                      if m.get("status") == "good") if t is not None),
                         default=None)
            if latest is not None:
                newest.add_metric([env], latest)
            age.add_metric([env], INF if latest is None else now - latest)
        yield from (count, newest, age)

    def _health(self, envs: list[str]) -> Iterator[Metric]:
        failures = GaugeMetricFamily("rag_release_health_consecutive_failures", "Consecutive "
                                     "failed probes of the live release, as the health sensor "
                                     "counts them", labels=["env"])
        heals = GaugeMetricFamily("rag_release_health_heal_attempts", "Heals the health sensor "
                                  "launched for the live release", labels=["env"])
        age = GaugeMetricFamily("rag_release_health_sensor_age_seconds", "Seconds since the "
                                "health sensor last looked; grows when the daemon is down",
                                labels=["env"])
        now = self.now()
        for env in envs:
            status = records.health_status(self.home, env)
            if status is None:
                continue
            failures.add_metric([env], status.get("consecutive_failures", 0))
            heals.add_metric([env], status.get("heals", 0))
            checked = records.timestamp(status.get("checked_at"))
            if checked is not None:
                age.add_metric([env], max(0.0, now - checked))
        yield from (failures, heals, age)


class LiveCollector(Collector):
    def __init__(self, probes: LiveProbes, now: Callable[[], float] = time.time):
        self.probes, self.now = probes, now

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("rag_release_service_up", "1 when a service of the live release "
                               "is healthy through the edge and in the engine",
                               labels=["env", "service"])
        env_up = GaugeMetricFamily("rag_release_environment_up", "1 when every service of the "
                                   "live release is healthy", labels=["env"])
        age = GaugeMetricFamily("rag_release_probe_age_seconds", "Seconds since the exporter "
                                "last probed the environment", labels=["env"])
        requests = CounterMetricFamily("rag_release_backend_http_requests", "HTTP requests the "
                                       "backend replica that answered has handled, by status",
                                       labels=["env", "status"])
        queries = CounterMetricFamily("rag_release_backend_queries", "Queries stored by the "
                                      "backend replica that answered", labels=["env"])
        memory = GaugeMetricFamily("rag_release_backend_resident_memory_bytes", "Resident "
                                   "memory of the backend replica that answered", labels=["env"])
        now = self.now()
        for env, sample in sorted(self.probes.samples().items()):
            for service, health in sorted(sample.report.services.items()):
                up.add_metric([env, service], 1 if health.healthy else 0)
            env_up.add_metric([env], 1 if sample.report.healthy else 0)
            age.add_metric([env], max(0.0, now - sample.at))
            numbers = sample.backend
            if numbers is None:
                continue
            for status, value in sorted(numbers.requests_by_status.items()):
                requests.add_metric([env, status], value)
            if numbers.queries is not None:
                queries.add_metric([env], numbers.queries)
            if numbers.resident_memory_bytes is not None:
                memory.add_metric([env], numbers.resident_memory_bytes)
        yield from (up, env_up, age, requests, queries, memory)


def _trigger(entry: dict) -> str:
    return "sensor" if str(entry.get("launched_by", "")).startswith("sensor") else "manual"


def _buckets(values: list[float]) -> list[tuple[str, float]]:
    buckets = [(str(bound), sum(1 for v in values if v <= bound)) for bound in PHASE_BUCKETS]
    return buckets + [("+Inf", len(values))]
