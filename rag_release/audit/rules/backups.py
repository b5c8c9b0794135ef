"""Checklist item 6: the newest good backup is fresh and proven to restore.

Reads the backup store as docs/CONTRACTS.md lays it out: one folder per backup with a
`manifest.json`; only `"status": "good"` makes a backup, and a safety backup taken before a
restore (`"kind": "safety"`) does not stand for the nightly one. The newest by `finished_at` must be
younger than the maximum age (`BACKUP_MAX_AGE_HOURS`, default 26: a daily backup plus slack)
and its restore drill must have passed."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from rag_release.audit.findings import Finding, Severity

RULE = "backups"
MAX_AGE_HOURS = 26.0


@dataclass(frozen=True)
class Backup:
    id: str
    manifest: Path
    finished_at: dt.datetime
    drill: dict | None


def read_backups(folder: Path) -> tuple[list[Backup], list[Finding]]:
    """Good backups, newest first, and a warning for each manifest that cannot be read."""
    backups, problems = [], []
    for manifest in sorted(folder.glob("*/manifest.json")) if folder.is_dir() else []:
        try:
            data = json.loads(manifest.read_text())
            if data.get("status") != "good" or data.get("kind") == "safety":
                continue
            finished = dt.datetime.fromisoformat(str(data["finished_at"]).replace("Z", "+00:00"))
        except (OSError, ValueError, KeyError, AttributeError) as e:
            problems.append(Finding(RULE, Severity.warning, f"cannot be read ({e}); it is not "
                                    "counted as a backup", file=str(manifest)))
            continue
        if finished.tzinfo is None:
            finished = finished.replace(tzinfo=dt.timezone.utc)
        backups.append(Backup(str(data.get("id") or manifest.parent.name), manifest, finished,
                              data.get("drill")))
    return sorted(backups, key=lambda b: b.finished_at, reverse=True), problems


def findings(folder: Path, now: dt.datetime, max_age_hours: float = MAX_AGE_HOURS
             ) -> list[Finding]:
    backups, out = read_backups(folder)
    if not backups:
        return out + [Finding(RULE, Severity.error, "holds no backup with status good; run the "
                              "backup job, then its restore drill", file=str(folder))]
    newest = backups[0]
    where = str(newest.manifest)
    age = (now - newest.finished_at).total_seconds() / 3600
    if age > max_age_hours:
        out.append(Finding(RULE, Severity.error, f"of backup {newest.id} is {age:.1f} h old, "
                           f"older than {max_age_hours:g} h: no backup has succeeded since "
                           f"{newest.finished_at:%Y-%m-%d %H:%M} UTC; run the backup job and "
                           "check its schedule", file=where, key="finished_at"))
    drill = newest.drill if isinstance(newest.drill, dict) else None
    if drill is None:
        out.append(Finding(RULE, Severity.error, f"has not run on backup {newest.id}, so "
                           "nothing proves it restores; run the restore drill", file=where,
                           key="drill"))
    elif drill.get("passed") is not True:
        details = str(drill.get("details") or "no details")
        out.append(Finding(RULE, Severity.error, f"is false for backup {newest.id} "
                           f"({details}); it did not restore: fix the cause and take a new "
                           "backup", file=where, key="drill.passed"))
    if not out:
        out.append(Finding(RULE, Severity.info, f"backup {newest.id} finished {age:.1f} h ago "
                           f"and its drill passed at {drill.get('at', 'an unknown time')}",
                           file=where))
    return out
