"""The health policy of an environment, from its env file and the process-wide overrides."""

from pathlib import Path

import dagster as dg
import pytest

from rag_release.defs.health.policy import (
    HealthPolicy,
    minimum_interval,
    sensor_interval,
    sensor_status,
)
from rag_release.errors import ConfigError
from rag_release.model.environment import parse_env_file


def env_file(tmp_path: Path, text: str):
    path = tmp_path / "qa.env"
    path.write_text(text)
    return parse_env_file(path, "qa")


def test_defaults_and_env_file_values(tmp_path, monkeypatch):
    monkeypatch.delenv("RAG_RELEASE_HEALTH_FAILURES", raising=False)
    assert HealthPolicy.of(env_file(tmp_path, "ENV_NAME=qa\n")) == HealthPolicy(3, 2, 300)
    env = env_file(tmp_path, "HEALTH_FAILURE_THRESHOLD=5\nHEAL_MAX_ATTEMPTS=0\n"
                             "HEALTH_VERIFY_SECONDS=60\n")
    assert HealthPolicy.of(env) == HealthPolicy(5, 0, 60)
    monkeypatch.setenv("RAG_RELEASE_HEALTH_FAILURES", "2")
    assert HealthPolicy.of(env).failure_threshold == 2


def test_bad_values_name_the_file_line_and_key(tmp_path, monkeypatch):
    monkeypatch.delenv("RAG_RELEASE_HEALTH_FAILURES", raising=False)
    with pytest.raises(ConfigError, match=r"qa.env:2: expected a whole number, got 'two'"):
        HealthPolicy.of(env_file(tmp_path, "ENV_NAME=qa\nHEAL_MAX_ATTEMPTS=two\n"))
    with pytest.raises(ConfigError, match="HEALTH_FAILURE_THRESHOLD: must be 1 or more"):
        HealthPolicy.of(env_file(tmp_path, "HEALTH_FAILURE_THRESHOLD=0\n"))


def test_the_sensor_interval_and_status_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("RAG_RELEASE_HEALTH_INTERVAL", raising=False)
    monkeypatch.delenv("RAG_RELEASE_HEALTH_SENSORS", raising=False)
    assert sensor_interval() == 30
    assert sensor_status() == dg.DefaultSensorStatus.RUNNING
    monkeypatch.setenv("RAG_RELEASE_HEALTH_INTERVAL", "5")
    monkeypatch.setenv("RAG_RELEASE_HEALTH_SENSORS", "stopped")
    assert sensor_interval() == 5
    assert (minimum_interval(5), minimum_interval(30), minimum_interval(1)) == (4, 29, 1)
    assert sensor_status() == dg.DefaultSensorStatus.STOPPED
    monkeypatch.setenv("RAG_RELEASE_HEALTH_INTERVAL", "5s")
    with pytest.raises(ConfigError, match="environment variable RAG_RELEASE_HEALTH_INTERVAL: "
                                          "expected a whole number, got '5s'"):
        sensor_interval()
