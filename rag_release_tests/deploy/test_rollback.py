"""Rollback: instant while the previous color still runs, a redeploy once it is retired."""

import json
import subprocess

import dagster as dg

from rag_release.definitions import build_defs
from rag_release_tests.conftest import failure_text
from rag_release_tests.deploy.conftest import ensure_live, live_version, state


def rollback(stack, env, reason="tests"):
    return stack.run(f"rollback_{env}_job", {f"{env}_deployment": {"action": "rollback",
                                                                   "reason": reason}})


def test_instant_rollback_switches_to_the_previous_color(stack):
    ensure_live(stack, [("dev", "1.0.0"), ("staging", "1.0.0"), ("dev", "1.0.1"),
                        ("staging", "1.0.1")])
    before = state(stack, "staging")
    assert before["previous"]["version"] == "1.0.0" and not before["previous"].get("retired")

    result = rollback(stack, "staging", "probe failures")

    assert result.success, failure_text(result)
    after = state(stack, "staging")
    record = after["history"][-1]
    assert record["mode"] == "instant" and record["reason"] == "probe failures"
    assert record["durations"]["switch"] < 5
    assert live_version("staging") == {"version": "1.0.0", "color": before["previous"]["color"]}
    assert after["previous"]["version"] == "1.0.1"

    again = rollback(stack, "staging")
    assert again.success, failure_text(again)
    assert live_version("staging")["version"] == "1.0.1"


def test_rollback_redeploys_when_the_previous_color_is_retired(stack):
    ensure_live(stack, [("dev", "1.0.0"), ("dev", "1.0.1")])
    assert state(stack, "dev")["previous"]["retired"] is True

    result = rollback(stack, "dev")

    assert result.success, failure_text(result)
    record = state(stack, "dev")["history"][-1]
    assert record["action"] == "rollback" and "mode" not in record
    assert live_version("dev")["version"] == "1.0.0"


def test_previous_color_is_retired_once_its_window_has_passed(stack):
    ensure_live(stack, [("dev", "1.0.0"), ("staging", "1.0.0"), ("dev", "1.0.1"),
                        ("staging", "1.0.1")])
    path = stack.home / "deploy/staging/state.json"
    current = json.loads(path.read_text())
    previous = current["previous"]
    assert previous and not previous.get("retired")
    defs = stack.defs()
    sensor = defs.get_repository_def().get_sensor_def("previous_color_retirement_sensor")
    resources = {"deploy_state": defs.resources["deploy_state"]}

    waiting = sensor(dg.build_sensor_context(instance=stack.instance, resources=resources))
    assert isinstance(waiting, dg.SkipReason)
    current["previous"]["retire_after"] = 0
    path.write_text(json.dumps(current))
    due = sensor(dg.build_sensor_context(instance=stack.instance, resources=resources))
    assert [r.job_name for r in due] == ["retire_staging_job"]

    result = stack.run("retire_staging_job")

    assert result.success, failure_text(result)
    assert state(stack, "staging")["previous"]["retired"] is True
    left = subprocess.run(["docker", "ps", "-q", "--filter", "label=com.docker.compose.project="
                           f"ragtest-staging-{previous['color']}"], capture_output=True,
                          text=True).stdout.split()
    assert left == []
    assert live_version("staging")["version"] == "1.0.1"
