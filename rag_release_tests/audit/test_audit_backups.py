import datetime as dt
import json
from pathlib import Path

from rag_release.audit.rules.backups import findings

NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.timezone.utc)


def backup(store: Path, backup_id: str, hours_ago: float, status: str = "good",
           drill: dict | None = None) -> Path:
    folder = store / backup_id
    folder.mkdir(parents=True)
    finished = NOW - dt.timedelta(hours=hours_ago)
    manifest = {"env": "prod", "id": backup_id, "status": status,
                "started_at": (finished - dt.timedelta(minutes=3)).isoformat(),
                "finished_at": finished.isoformat().replace("+00:00", "Z"), "files": [],
                "drill": drill}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder / "manifest.json"


PASSED = {"passed": True, "at": "2025-03-10T03:00:00Z", "details": "3 tables, 120 rows"}


def test_a_fresh_drilled_backup_passes(tmp_path):
    backup(tmp_path, "older", 30, drill=PASSED)
    manifest = backup(tmp_path, "newest", 5, drill=PASSED)

    found = findings(tmp_path, NOW)

    assert [f.severity.value for f in found] == ["info"]
    assert found[0].file == str(manifest)
    assert "backup newest finished 5.0 h ago" in found[0].message


def test_a_stale_backup_fails(tmp_path):
    backup(tmp_path, "stale", 30, drill=PASSED)

    found = findings(tmp_path, NOW)

    assert [(f.severity.value, f.key) for f in found] == [("error", "finished_at")]
    assert "is 30.0 h old, older than 26 h" in found[0].message
    assert findings(tmp_path, NOW, max_age_hours=48)[0].severity.value == "info"


def test_the_newest_good_backup_must_have_passed_its_drill(tmp_path):
    backup(tmp_path, "drilled", 20, drill=PASSED)
    backup(tmp_path, "undrilled", 2)
    backup(tmp_path, "broken", 1, status="failed")

    found = findings(tmp_path, NOW)

    assert [(f.severity.value, f.key) for f in found] == [("error", "drill")]
    assert "has not run on backup undrilled" in found[0].message


def test_a_failed_drill_fails(tmp_path):
    backup(tmp_path, "bad", 2, drill={"passed": False, "at": "x", "details": "rows differ"})

    found = findings(tmp_path, NOW)

    assert [(f.severity.value, f.key) for f in found] == [("error", "drill.passed")]
    assert "(rows differ)" in found[0].message


def test_no_good_backup_fails_and_unreadable_manifests_are_warned(tmp_path):
    backup(tmp_path, "failed", 1, status="failed")
    (tmp_path / "garbled").mkdir()
    (tmp_path / "garbled" / "manifest.json").write_text("{not json")

    found = findings(tmp_path, NOW)

    assert [f.severity.value for f in found] == ["warning", "error"]
    assert found[1].text() == (f"{tmp_path}: holds no backup with status good; run the backup "
                               "job, then its restore drill")
    assert findings(tmp_path / "absent", NOW)[0].severity.value == "error"


def test_a_safety_backup_before_a_restore_does_not_stand_for_the_nightly_one(tmp_path):
    backup(tmp_path, "nightly", 5, drill=PASSED)
    safety = backup(tmp_path, "safety", 1)
    data = json.loads(safety.read_text())
    safety.write_text(json.dumps(dict(data, kind="safety")))

    found = findings(tmp_path, NOW)

    assert [f.severity.value for f in found] == ["info"]
    assert "backup nightly finished 5.0 h ago" in found[0].message
