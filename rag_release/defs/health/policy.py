"""When the health sensors act. Per environment, in its `envs/<env>.env` file:

    HEALTH_FAILURE_THRESHOLD=3   consecutive failed probes before a heal or a rollback
    HEAL_MAX_ATTEMPTS=2          container replacements allowed per live release
    HEALTH_VERIFY_SECONDS=300    after a release goes live, failures roll it back without healing

Process-wide, read when the code location loads: `RAG_RELEASE_HEALTH_INTERVAL` (seconds between
probes, 30 by default; the daemon evaluates sensors every 5 s at most),
`RAG_RELEASE_HEALTH_SENSORS=stopped` to load the sensors stopped, and
`RAG_RELEASE_HEALTH_FAILURES` to override every environment's threshold.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import dagster as dg

from rag_release.errors import ConfigError
from rag_release.model.environment import Environment

DEFAULT_INTERVAL_SECONDS = 30


@dataclass(frozen=True)
class HealthPolicy:
    failure_threshold: int = 3
    max_heals: int = 2
    verify_seconds: int = 300

    @classmethod
    def of(cls, env: Environment) -> HealthPolicy:
        override = os.environ.get("RAG_RELEASE_HEALTH_FAILURES", "")
        threshold = _whole("RAG_RELEASE_HEALTH_FAILURES", override) if override else \
            env.int("HEALTH_FAILURE_THRESHOLD", cls.failure_threshold)
        if threshold < 1:
            raise ConfigError(env.where("HEALTH_FAILURE_THRESHOLD"), "HEALTH_FAILURE_THRESHOLD",
                              "must be 1 or more; one failed probe is the least evidence")
        return cls(failure_threshold=threshold,
                   max_heals=env.int("HEAL_MAX_ATTEMPTS", cls.max_heals),
                   verify_seconds=env.int("HEALTH_VERIFY_SECONDS", cls.verify_seconds))


def sensor_interval() -> int:
    """The wanted interval. See `minimum_interval` for what the sensor declares."""
    raw = os.environ.get("RAG_RELEASE_HEALTH_INTERVAL", "")
    return max(1, _whole("RAG_RELEASE_HEALTH_INTERVAL", raw)) if raw else \
        DEFAULT_INTERVAL_SECONDS


def minimum_interval(wanted: int) -> int:
    """The daemon wakes every 5 s and stamps ticks with some jitter, so declaring exactly the
    wanted interval skips every other wake-up when a tick came a little late; a second of slack
    keeps the wanted cadence."""
    return max(1, wanted - 1)


def sensor_status() -> dg.DefaultSensorStatus:
    raw = os.environ.get("RAG_RELEASE_HEALTH_SENSORS", "running").strip().lower()
    if raw not in ("running", "stopped"):
        raise ConfigError("environment variable RAG_RELEASE_HEALTH_SENSORS", None,
                          f"expected running or stopped, got '{raw}'")
    return dg.DefaultSensorStatus.STOPPED if raw == "stopped" else \
        dg.DefaultSensorStatus.RUNNING


def _whole(name: str, raw: str) -> int:
    if not raw.strip().isdigit():
        raise ConfigError(f"environment variable {name}", None,
                          f"expected a whole number, got '{raw}'")
    return int(raw)
