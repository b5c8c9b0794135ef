"""The health sensor's decisions: thresholds, bounded heals, one rollback per live release, no
storm when a probe flaps, no rollback to a release that was rolled back from."""

import datetime as dt

from rag_release.defs.health.decide import Action, Cursor, judge
from rag_release.defs.health.policy import HealthPolicy
from rag_release.defs.health.probes import Container, HealthReport, ServiceHealth

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC).timestamp()
LIVE = {"version": "1.1.0", "color": "green", "deployed_at": "2026-12-03T10:00:00+00:00",
        "images": {}}
PREVIOUS = {"version": "1.0.0", "color": "blue"}
POLICY = HealthPolicy(failure_threshold=3, max_heals=2, verify_seconds=300)
BACKEND = Container("c1", "rag-dev-green-backend-1", "rag-dev-green", "backend", "running",
                    "unhealthy")


def report(healthy: bool = True, failing: str = "backend", data: bool = False) -> HealthReport:
    services = {name: ServiceHealth(True, "ok") for name in ("edge", "backend", "nlp",
                                                              "postgres")}
    if not healthy:
        services[failing] = ServiceHealth(False, "answers HTTP 503")
    if data:
        services["postgres"] = ServiceHealth(False, "the backend reports postgres fail")
    return HealthReport("dev", LIVE["version"], LIVE["color"], services, (BACKEND,),
                        frozenset({failing}))


def run(sequence: list[bool], cursor: Cursor | None = None, live: dict = LIVE,
        previous: dict | None = PREVIOUS, history: list | None = None,
        policy: HealthPolicy = POLICY) -> list:
    verdicts, cursor = [], cursor or Cursor()
    for healthy in sequence:
        verdict = judge(report(healthy), live, previous, history or [], cursor, policy, NOW)
        verdicts.append(verdict)
        cursor = verdict.cursor
    return verdicts


def test_failures_below_the_threshold_only_count():
    verdicts = run([False, False])
    assert [v.action for v in verdicts] == [Action.none, Action.none]
    assert verdicts[-1].cursor.failures == 2
    assert "failed 2 of 3 consecutive probes" in verdicts[-1].sentence
    assert verdicts[0].cursor.failing_since == NOW


def test_a_flapping_probe_never_acts():
    verdicts = run([False, False, True] * 10)
    assert {v.action for v in verdicts} == {Action.none}
    assert verdicts[-1].cursor.failures == 0
    assert "healthy again after 2 failed probes" in verdicts[-1].sentence


def test_heals_come_first_and_are_bounded_then_one_rollback():
    verdicts = run([False] * 12)
    acted = [(i, v.action) for i, v in enumerate(verdicts) if v.action != Action.none]
    assert acted[:3] == [(2, Action.heal), (5, Action.heal), (8, Action.rollback)]
    assert all(a == Action.hold for _, a in acted[3:])

    heal = verdicts[2]
    assert heal.targets == ("rag-dev-green-backend-1",)
    assert heal.run_key == "heal-dev-1.1.0-2026-12-03T10:00:00+00:00-1"
    assert heal.cursor.failures == 0 and heal.cursor.heals == 1
    rollback = verdicts[8]
    assert rollback.run_key == "rollback-dev-1.1.0-2026-12-03T10:00:00+00:00"
    assert rollback.cause == ("health sensor: release 1.1.0 failed 3 consecutive probes after "
                              "2 heals: backend: answers HTTP 503")
    assert rollback.alert
    assert "launched already" in verdicts[9].sentence and not verdicts[9].alert


def test_a_release_failing_right_after_going_live_is_rolled_back_without_healing():
    fresh = dict(LIVE, deployed_at="2026-12-03T11:58:00+00:00")
    verdicts = run([False] * 3, live=fresh)
    assert verdicts[-1].action == Action.rollback
    assert "within 300 s of going live" in verdicts[-1].sentence


def test_healing_turned_off_rolls_back_at_the_threshold():
    verdicts = run([False] * 3, policy=HealthPolicy(3, 0, 0))
    assert verdicts[-1].action == Action.rollback
    assert "with healing turned off" in verdicts[-1].cause


def test_nothing_to_roll_back_to_holds_and_alerts_once():
    verdicts = run([False] * 10, previous=None, policy=HealthPolicy(3, 0, 0))
    holds = [v for v in verdicts if v.action == Action.hold]
    assert len(holds) == 8
    assert "has no previous release to roll back to" in holds[0].sentence
    assert [v.alert for v in holds] == [True] + [False] * 7


def test_no_rollback_to_a_release_that_was_rolled_back_from():
    history = [{"action": "rollback", "result": "success", "version": "1.1.0",
                "previous_version": "1.0.0"}]
    verdicts = run([False] * 3, history=history, policy=HealthPolicy(3, 0, 0))
    assert verdicts[-1].action == Action.hold
    assert "1.0.0 was itself rolled back from" in verdicts[-1].sentence


def test_failing_data_services_hold_rather_than_roll_back():
    cursor = Cursor(release="1.1.0@2026-12-03T10:00:00+00:00", failures=2)
    verdict = judge(report(False, data=True), LIVE, PREVIOUS, [], cursor, POLICY, NOW)
    assert verdict.action == Action.hold
    assert verdict.sentence.startswith("The data services of dev are failing")


def test_a_new_live_release_starts_from_a_clean_count():
    cursor = Cursor(release="1.0.0@earlier", failures=2, heals=2, rollback_key="old")
    verdict = judge(report(False), LIVE, PREVIOUS, [], cursor, POLICY, NOW)
    assert (verdict.cursor.failures, verdict.cursor.heals, verdict.cursor.rollback_key) == \
        (1, 0, "")


def test_the_cursor_survives_a_round_trip_and_garbage():
    cursor = Cursor(release="r", failures=2, heals=1, failing_since=NOW, rollback_key="k")
    assert Cursor.load(cursor.dump()) == cursor
    assert Cursor.load("not json") == Cursor()
    assert Cursor.load('{"failures": 1, "unknown": 3}') == Cursor(failures=1)
