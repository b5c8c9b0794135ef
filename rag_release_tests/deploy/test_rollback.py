"""Rollback: instant while the previous color still runs, a redeploy once it is retired."""

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
