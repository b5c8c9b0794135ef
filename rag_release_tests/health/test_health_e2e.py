"""End to end, with dagster-daemon running the real sensors against real containers: a live
release whose backend keeps failing its health check is healed first, then rolled back, and the
previous release serves again through the edge. Needs Docker, the registry on 127.0.0.1:5000
and the sample release the session builds."""

import json

import pytest

from rag_release.model.manifest import ReleaseManifest
from rag_release_tests.health.health_episode import Episode, port_free
from rag_release_tests.monitoring.receiver import AlertReceiver

ENV = "hx"
PORTS = (48080, 48443, 48081)
SENSOR = f"{ENV}_health_sensor"

pytestmark = [pytest.mark.docker, pytest.mark.timeout(480)]


@pytest.fixture
def episode(tmp_path, sample_release):
    base = ReleaseManifest.load(sample_release)
    with AlertReceiver() as receiver:
        episode = Episode(tmp_path, ENV, PORTS, interval=3, webhook=receiver.url,
                          values={"HEALTH_FAILURE_THRESHOLD": "2", "HEAL_MAX_ATTEMPTS": "1",
                                  "HEALTH_VERIFY_SECONDS": "0"})
        episode.receiver = receiver
        episode.cleanup()
        taken = [port for port in PORTS if not port_free(port)]
        if taken:
            pytest.fail(f"ports {taken} are taken on 127.0.0.1 by something other than this "
                        "test's own rag-hx-* containers; free them and run again")
        try:
            episode.prepare(base)
            yield episode
        finally:
            episode.cleanup()


def last(episode: Episode, action: str) -> dict | None:
    found = [e for e in episode.state()["history"] if e["action"] == action]
    return found[-1] if found else None


def test_a_release_that_keeps_failing_is_healed_then_rolled_back(episode):
    first, second = episode.versions
    episode.deploy(first)
    episode.deploy(second)
    assert episode.served() == (second, "green")

    episode.start_daemon()
    episode.wait_for("the health sensor to find the live release healthy",
                     lambda: episode.health().get("healthy")
                     and episode.health().get("version") == second, 120)

    with episode.breaking("green") as broken:
        heal = episode.wait_for("a heal of the green backend", lambda: last(episode, "heal"), 90)
        rollback = episode.wait_for("the rollback", lambda: last(episode, "rollback"), 120)

    assert heal["result"] == "success"
    assert heal["launched_by"] == f"sensor {SENSOR}"
    assert heal["services"] == ["backend"] and heal["version"] == second
    assert len(broken) >= 2, "the replacement backend should have been started and broken too"

    assert rollback["result"] == "success"
    assert rollback["launched_by"] == f"sensor {SENSOR}"
    assert (rollback["version"], rollback["previous_version"]) == (first, second)
    assert rollback["reason"].startswith(f"health sensor: release {second} failed 2 "
                                         "consecutive probes after 1 heal")
    assert episode.state()["live"]["version"] == first
    assert episode.served() == (first, "blue")
    assert len(episode.run_records(f"rollback_{ENV}_job")) == 1
    assert [r.dagster_run.status.value for r in episode.run_records(f"heal_{ENV}_job")] == \
        ["SUCCESS"]

    episode.wait_for("the health sensor to find the restored release healthy",
                     lambda: episode.health().get("healthy")
                     and episode.health().get("version") == first, 60)
    observed = episode.observations()
    assert any(o["healthy"] is False and o["consecutive_failures"] >= 1 for o in observed)
    assert observed[-1]["version"] == first and observed[-1]["healthy"] is True

    launched = episode.receiver.wait_for("rollback_launched")
    assert launched["env"] == ENV and second in launched["message"]
    done = episode.receiver.wait_for("rollback", timeout=40)
    assert done["run_id"] == episode.run_records(f"rollback_{ENV}_job")[0].dagster_run.run_id
    sent = json.dumps(episode.receiver.received)
    assert not [name for name, value in episode.secret_values.items() if value in sent]
