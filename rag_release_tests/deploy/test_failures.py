"""Failures leave the live release serving, and the next deploy works without cleanup."""

import subprocess
import threading
import time

import dagster as dg
import httpx

from rag_release_tests.conftest import failure_text
from rag_release_tests.deploy.conftest import (derived_release, deploy, ensure_live,
                                               live_version, state)


class Load:
    """Steady requests to an environment's live port while something happens."""

    def __init__(self, port: int):
        self.url = f"https://127.0.0.1:{port}/api/version"
        self.codes: list[int | str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        with httpx.Client(verify=False, timeout=5) as client:
            while not self.stop.is_set() and len(self.codes) < 20000:
                try:
                    self.codes.append(client.get(self.url).status_code)
                except httpx.HTTPError as e:
                    self.codes.append(type(e).__name__)
                time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)


def color_containers(stack_name: str, color: str) -> list[str]:
    return subprocess.run(["docker", "ps", "-aq", "--filter",
                           f"label=com.docker.compose.project={stack_name}-{color}"],
                          capture_output=True, text=True).stdout.split()


def test_unhealthy_release_leaves_the_live_one_serving(stack):
    ensure_live(stack, [("dev", "1.0.1")])
    live = state(stack, "dev")["live"]
    manifest = stack.home / "artifacts/releases/1.0.1/manifest.json"
    frontend_ref = __import__("json").loads(manifest.read_text())["components"]["frontend"][
        "image"]["ref"]
    derived_release(stack, "1.0.1", "9.9.9", backend=frontend_ref)

    with Load(51443) as load:
        result = deploy(stack, "dev", "9.9.9")

    assert not result.success
    text = failure_text(result)
    assert "failed in phase health" in text and "was not healthy after 25 s" in text
    assert "the live color keeps serving" in text
    assert load.codes and set(load.codes) == {200}, sorted(set(map(str, load.codes)))
    assert live_version("dev") == {"version": "1.0.1", "color": live["color"]}
    idle = "green" if live["color"] == "blue" else "blue"
    assert color_containers("ragtest-dev", idle) == []
    assert state(stack, "dev")["history"][-1]["result"] == "failed"
    observed = [e.dagster_event.event_specific_data.asset_observation.metadata
                for e in stack.instance.all_logs(
                    result.run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION)]
    assert observed and observed[-1]["failed_phase"].value == "health"

    retry = deploy(stack, "dev", "1.0.0")
    assert retry.success, failure_text(retry)
    assert live_version("dev") == {"version": "1.0.0", "color": idle}


def test_image_missing_from_registry_changes_nothing(stack):
    ensure_live(stack, [("dev", "1.0.0")])
    before = state(stack, "dev")["live"]
    derived_release(stack, "1.0.0", "9.9.8",
                    nlp="127.0.0.1:5000/rag/nlp@sha256:" + "ab" * 32)

    result = deploy(stack, "dev", "9.9.8")

    text = failure_text(result)
    assert "pins images the registry 127.0.0.1:5000 does not hold: nlp" in text
    assert state(stack, "dev")["live"] == before
    assert live_version("dev")["version"] == "1.0.0"


def test_missing_secret_is_named_and_changes_nothing(stack, monkeypatch):
    ensure_live(stack, [("dev", "1.0.0")])
    before = state(stack, "dev")["live"]
    monkeypatch.delenv("DEV_JWT_SECRET")

    result = deploy(stack, "dev", "1.0.1")

    text = failure_text(result)
    assert "cannot resolve JWT_SECRET (secret DEV_JWT_SECRET, " in text
    assert "dev.env" in text
    assert state(stack, "dev")["live"] == before


def test_unknown_release_lists_the_known_ones(stack):
    result = deploy(stack, "dev", "7.7.7")
    assert "release 7.7.7 does not exist" in failure_text(result)
    assert "1.0.0" in failure_text(result)
