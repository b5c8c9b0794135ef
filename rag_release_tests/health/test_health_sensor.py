"""The health sensor of one environment, evaluated tick by tick against a fake edge and a fake
engine: what it skips and why, what it observes, which runs it launches."""

import fcntl
import json

import dagster as dg
import pytest

from rag_release.defs.deploy.definitions import deploy_definitions
from rag_release.defs.health.definitions import health_definitions
from rag_release.errors import RagReleaseError
from rag_release.resources.alerts import AlertSink
from rag_release.resources.defaults import default_resources
from rag_release.resources.deploy_state import DeployStateStore
from rag_release.resources.prober import Probe
from rag_release.resources.process import Completed
from rag_release_tests.monitoring.receiver import AlertReceiver

LIVE = {"version": "1.1.0", "color": "green", "deployed_at": "2026-01-01T00:00:00+00:00",
        "images": {"backend": "r/backend", "edge": "r/edge"}, "run_id": "r2"}
PREVIOUS = {"version": "1.0.0", "color": "blue", "images": {}, "run_id": "r1"}
HEALTHY = {"status": "ok", "version": "1.1.0", "color": "green", "checks": {}}


class FakeEdge:
    def __init__(self):
        self.healthy = True

    def get(self, url: str) -> Probe:
        if url.endswith("/api/health") and not self.healthy:
            return Probe(url, False, 503, dict(HEALTHY, status="fail", forced=True))
        return Probe(url, True, 200, HEALTHY if url.endswith("/api/health") else "ok")


class FakeEngine:
    def run(self, argv, what, timeout=None, **kwargs) -> Completed:
        lines = ["b1\trag-dev-green-backend-1\trag-dev-green\tbackend\trunning\tUp (healthy)",
                 "e1\trag-dev-edge-edge-1\trag-dev-edge\tedge\trunning\tUp (healthy)",
                 "x1\trag-prod-green-backend-1\trag-prod-green\tbackend\trunning\tUp"]
        return Completed(list(argv), 0, "\n".join(lines) + "\n", "")


@pytest.fixture
def world(tmp_path, monkeypatch, instance):
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "dev.env").write_text(
        "ENV_NAME=dev\nEDGE_HTTPS_PORT=18443\nHEALTH_FAILURE_THRESHOLD=2\n"
        "HEAL_MAX_ATTEMPTS=1\nHEALTH_VERIFY_SECONDS=0\n")
    monkeypatch.setenv("RAG_RELEASE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_RELEASE_ENVS", str(tmp_path / "envs"))
    deploy = deploy_definitions()
    defs = dg.Definitions.merge(deploy, health_definitions(deploy, ["dev"]),
                                dg.Definitions(resources=default_resources()))
    sensor = defs.resolve_sensor_def("dev_health_sensor")
    with AlertReceiver() as receiver:
        yield World(tmp_path, sensor, instance, receiver)


class World:
    def __init__(self, root, sensor, instance, receiver):
        self.root, self.sensor, self.instance, self.receiver = root, sensor, instance, receiver
        self.state = DeployStateStore(state_dir=str(root / "home" / "deploy"))
        self.edge, self.cursor = FakeEdge(), None

    def go_live(self, previous=PREVIOUS):
        self.state.write("dev", {"live": LIVE, "previous": previous, "history": []})

    def tick(self) -> dg.SensorResult:
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor,
            resources={"deploy_state": self.state, "prober": self.edge, "docker": FakeEngine(),
                       "alerts": AlertSink(webhook_url=self.receiver.url)})
        result = self.sensor(context)
        if result.cursor is not None:
            self.cursor = result.cursor
        return result

    def status(self) -> dict:
        return json.loads((self.root / "home" / "health" / "dev" / "status.json").read_text())


def test_nothing_live_is_a_skip_that_says_so(world):
    assert world.tick().skip_reason.skip_message == ("Nothing is live in dev, so there is "
                                                     "nothing to probe.")


def test_a_held_deploy_lock_is_a_skip_naming_its_holder(world):
    world.go_live()
    path = world.state.folder("dev") / "deploy.lock"
    with open(path, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("run abc since 2026-01-01T00:00:00+00:00\n")
        held.flush()
        result = world.tick()
    assert result.skip_reason.skip_message == (
        "A deploy of dev holds its lock (run abc since 2026-01-01T00:00:00+00:00); health is "
        "judged again once it is released.")
    path.write_text("stale text of a killed deploy\n")
    assert world.tick().skip_reason.skip_message.startswith("Release 1.1.0 on green of dev is "
                                                           "healthy")


def test_a_run_changing_the_environment_is_a_skip_a_backup_is_not(world):
    world.go_live()
    world.instance.add_run(dg.DagsterRun(job_name="dev_backup_job", run_id="backup-run",
                                         status=dg.DagsterRunStatus.STARTED,
                                         tags={"rag_release/env": "dev"}))
    assert "healthy" in world.tick().skip_reason.skip_message
    world.instance.add_run(dg.DagsterRun(job_name="heal_dev_job", run_id="busy-run",
                                         status=dg.DagsterRunStatus.STARTED,
                                         tags={"rag_release/env": "dev"}))
    assert world.tick().skip_reason.skip_message == (
        "Run busy-run of heal_dev_job is started in dev; health is judged again once it ends.")


def test_a_healthy_release_is_observed_once_then_only_when_it_changes(world):
    world.go_live()
    first, second = world.tick(), world.tick()
    assert first.skip_reason.skip_message == "Release 1.1.0 on green of dev is healthy; nothing " \
                                             "to do."
    assert [e.asset_key for e in first.asset_events] == [dg.AssetKey("dev_deployment")]
    metadata = first.asset_events[0].metadata
    assert metadata["healthy"].value is True and metadata["version"].value == "1.1.0"
    assert second.asset_events == []
    assert world.status()["healthy"] is True and world.status()["services"]["edge"] == {
        "healthy": True, "detail": "ok"}


def test_a_failing_release_is_healed_then_rolled_back_once(world):
    world.go_live()
    world.tick()
    world.edge.healthy = False

    counting, heal = world.tick(), world.tick()
    assert counting.run_requests == [] and "failed 1 of 2" in counting.skip_reason.skip_message
    assert counting.asset_events[0].metadata["consecutive_failures"].value == 1
    [request] = heal.run_requests
    assert request.job_name == "heal_dev_job"
    assert request.run_key == "heal-dev-1.1.0-2026-01-01T00:00:00+00:00-1"
    assert request.tags["rag_release/env"] == "dev"
    config = request.run_config["ops"]["heal_dev"]["config"]
    assert config["containers"] == ["rag-dev-green-backend-1"] and config["release"] == "1.1.0"

    world.tick()
    [rollback] = world.tick().run_requests
    assert rollback.job_name == "rollback_dev_job"
    assert rollback.run_key == "rollback-dev-1.1.0-2026-01-01T00:00:00+00:00"
    config = rollback.run_config["ops"]["dev_deployment"]["config"]
    assert config["action"] == "rollback"
    assert config["reason"].startswith("health sensor: release 1.1.0 failed 2 consecutive "
                                       "probes after 1 heal")
    assert world.tick().run_requests == []

    alert = world.receiver.wait_for("rollback_launched", timeout=5)
    assert alert["env"] == "dev" and alert["details"]["run_key"] == rollback.run_key
    assert world.status()["consecutive_failures"] == 3


def test_without_a_previous_release_it_heals_then_alerts_once(world):
    world.go_live(previous=None)
    world.edge.healthy = False
    results = [world.tick() for _ in range(8)]
    assert [r.job_name for result in results for r in result.run_requests] == ["heal_dev_job"]
    assert "no previous release to roll back to" in results[-1].skip_reason.skip_message
    assert world.receiver.kinds() == ["unhealthy"]


def test_the_definitions_refuse_an_environment_without_a_rollback_job():
    with pytest.raises(RagReleaseError, match="no rollback_qa_job"):
        health_definitions(deploy_definitions(), ["qa"])
