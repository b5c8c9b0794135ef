"""What the health sensor does about one look at an environment, as a pure function of what it
saw and what its cursor remembers.

A single healthy probe resets the count of failures, so a flapping service is never acted on.
At the threshold, a release that went live recently is rolled back at once (its post-switch
verification failed); an older one gets its failing containers replaced, a bounded number of
times, and the count starts again after each replacement. Then it is rolled back, once per
live release, and never back to a release that was itself rolled back from."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import asdict, dataclass, fields, replace

from rag_release.defs.health.policy import HealthPolicy
from rag_release.defs.health.probes import HealthReport


class Action(str, enum.Enum):
    none = "none"
    heal = "heal"
    rollback = "rollback"
    hold = "hold"


@dataclass(frozen=True)
class Cursor:
    release: str = ""
    failures: int = 0
    heals: int = 0
    failing_since: float | None = None
    rollback_key: str = ""
    alerted: bool = False
    observed: str = ""
    observed_at: float = 0.0

    @classmethod
    def load(cls, text: str | None) -> Cursor:
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def dump(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class Verdict:
    action: Action
    sentence: str
    cursor: Cursor
    targets: tuple[str, ...] = ()
    run_key: str = ""
    cause: str = ""
    alert: bool = False


def release_key(live: dict) -> str:
    return f"{live['version']}@{live.get('deployed_at', '')}"


def rolled_back_from(history: list[dict]) -> set[str]:
    return {e["previous_version"] for e in history if e.get("action") == "rollback"
            and e.get("result") == "success" and e.get("previous_version")}


def judge(report: HealthReport, live: dict, previous: dict | None, history: list[dict],
          cursor: Cursor, policy: HealthPolicy, now: float) -> Verdict:
    env, version = report.env, report.version
    if cursor.release != release_key(live):
        cursor = Cursor(release=release_key(live), observed=cursor.observed,
                        observed_at=cursor.observed_at)

    if report.healthy:
        again = f" again after {cursor.failures} failed probes" if cursor.failures else ""
        return Verdict(Action.none, f"Release {version} on {report.color} of {env} is "
                                    f"healthy{again}; nothing to do.",
                       replace(cursor, failures=0, failing_since=None, alerted=False))

    failures = cursor.failures + 1
    cursor = replace(cursor, failures=failures, failing_since=cursor.failing_since or now)
    detail = report.describe()
    threshold = policy.failure_threshold
    if failures < threshold:
        return Verdict(Action.none, f"Release {version} of {env} failed {failures} of "
                                    f"{threshold} consecutive probes ({detail}); it is acted "
                                    f"on at {threshold}.", cursor)

    if report.data_failing():
        return _hold(cursor, f"The data services of {env} are failing ({detail}); replacing "
                             "containers of the release or rolling it back would not help, so "
                             "nothing is launched.")

    fresh = _age(live, now) < policy.verify_seconds
    targets = report.heal_targets()
    if not fresh and targets and cursor.heals < policy.max_heals:
        heals = cursor.heals + 1
        return Verdict(
            Action.heal, f"Release {version} of {env} failed {failures} consecutive probes "
                         f"({detail}); replacing {', '.join(targets)} (heal {heals} of "
                         f"{policy.max_heals}).",
            replace(cursor, failures=0, heals=heals), tuple(targets),
            run_key=f"heal-{env}-{version}-{live.get('deployed_at', '')}-{heals}",
            cause=f"failed {failures} consecutive health probes: {detail}")

    why = _why(cursor, policy, fresh)
    if previous is None:
        return _hold(cursor, f"Release {version} of {env} failed {failures} consecutive probes "
                             f"{why} ({detail}), and {env} has no previous release to roll "
                             "back to; nothing is launched.")
    if previous["version"] in rolled_back_from(history):
        return _hold(cursor, f"Release {version} of {env} failed {failures} consecutive probes "
                             f"{why} ({detail}), but the previous release "
                             f"{previous['version']} was itself rolled back from; not rolling "
                             "back to it.")
    key = f"rollback-{env}-{version}-{live.get('deployed_at', '')}"
    if cursor.rollback_key == key:
        return Verdict(Action.hold, f"The rollback of {env} from release {version} was "
                                    f"launched already ({key}); waiting for it.", cursor)
    return Verdict(
        Action.rollback, f"Release {version} of {env} failed {failures} consecutive probes "
                         f"{why} ({detail}); rolling back to release {previous['version']}.",
        replace(cursor, rollback_key=key), run_key=key,
        cause=f"health sensor: release {version} failed {failures} consecutive probes {why}: "
              f"{detail}", alert=True)


def _hold(cursor: Cursor, sentence: str) -> Verdict:
    return Verdict(Action.hold, sentence, replace(cursor, alerted=True), alert=not cursor.alerted)


def _why(cursor: Cursor, policy: HealthPolicy, fresh: bool) -> str:
    if fresh:
        return f"within {policy.verify_seconds} s of going live"
    if cursor.heals:
        return f"after {cursor.heals} heal{'s' if cursor.heals > 1 else ''}"
    if policy.max_heals == 0:
        return "with healing turned off"
    return "with no container to replace"


def _age(live: dict, now: float) -> float:
    try:
        since = dt.datetime.fromisoformat(live["deployed_at"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return float("inf")
    return now - since
