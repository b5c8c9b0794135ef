"""The last look of the health sensor at an environment, kept in `health/<env>/status.json` under
the home folder for the metrics exporter and the operator:

    {"env", "checked_at", "healthy", "version", "color", "consecutive_failures", "heals",
     "failing_since" (ISO time or null), "action", "decision" (a sentence),
     "services": {name: {"healthy", "detail"}}}
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from rag_release import settings
from rag_release.defs.health.decide import Verdict
from rag_release.defs.health.probes import HealthReport


def status_path(env: str, home: Path | None = None) -> Path:
    return (home or settings.home()) / "health" / env / "status.json"


def write_status(report: HealthReport, verdict: Verdict, home: Path | None = None) -> Path:
    cursor = verdict.cursor
    status = {
        "env": report.env,
        "checked_at": _iso(report.checked_at),
        "healthy": report.healthy,
        "version": report.version,
        "color": report.color,
        "consecutive_failures": cursor.failures,
        "heals": cursor.heals,
        "failing_since": _iso(cursor.failing_since) if cursor.failing_since else None,
        "action": verdict.action.value,
        "decision": verdict.sentence,
        "services": {name: {"healthy": s.healthy, "detail": s.detail}
                     for name, s in sorted(report.services.items())},
    }
    path = status_path(report.env, home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".status.json.new")
    tmp.write_text(json.dumps(status, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="milliseconds")
