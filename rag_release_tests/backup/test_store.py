"""The backup store: retention over a simulated month of partitions, sealing and failing
drafts, verification, the room check and the lock. Backups here are plain files."""

import datetime as dt
import json
import logging
import os
import time

import pytest

from rag_release.errors import (BackupIntegrityError, BackupLockedError, BackupStoreFullError,
                                RestoreRefusedError)
from rag_release.resources.backup_store import BackupStore, plan_retention

ENV = "prod"
TODAY = dt.date(2026, 11, 30)
LOG = logging.getLogger("test-backup-store")


def fake_backup(store: BackupStore, day: dt.date, *, status: str = "good", kind: str = "daily",
                hour: int = 2, drill: dict | None = None, env: str = ENV) -> str:
    """A backup folder as the store lays it out, with a file whose recorded sha256 is zeros."""
    started = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(hour, 0),
                                  dt.timezone.utc)
    backup_id = f"{day}-{started:%Y%m%dT%H%M%SZ}" if kind == "daily" else \
        f"{kind}-{started:%Y%m%dT%H%M%SZ}"
    folder = store.env_dir(env) / backup_id
    folder.mkdir()
    files = []
    if status == "good":
        (folder / "postgres.dump").write_bytes(b"PGDMP" + day.isoformat().encode())
        files = [{"name": "postgres.dump", "kind": "postgres", "size": 15,
                  "sha256": "0" * 64}]
    (folder / "manifest.json").write_text(json.dumps({
        "env": env, "id": backup_id, "partition": day.isoformat(), "status": status,
        "kind": kind, "started_at": started.isoformat(), "files": files, "drill": drill}))
    return backup_id


@pytest.fixture()
def store(tmp_path) -> BackupStore:
    return BackupStore(root=str(tmp_path / "backups"), keep_daily=7, keep_weekly=4)


def test_a_month_of_nightly_backups_keeps_seven_days_and_four_weeks(store):
    ids = {}
    for offset in range(30, 0, -1):
        day = TODAY - dt.timedelta(days=offset)
        ids[day] = fake_backup(store, day)
    rerun = fake_backup(store, TODAY - dt.timedelta(days=2), hour=9)
    failed_recent = fake_backup(store, TODAY - dt.timedelta(days=1), status="failed", hour=3)
    failed_old = fake_backup(store, TODAY - dt.timedelta(days=20), status="failed", hour=3)
    safety = fake_backup(store, TODAY - dt.timedelta(days=3), kind="safety", hour=11)
    old_safety = fake_backup(store, TODAY - dt.timedelta(days=25), kind="safety", hour=11)

    plan = store.apply_retention(ENV, TODAY, LOG)

    days = [TODAY - dt.timedelta(days=n) for n in range(1, 8)]
    dailies = {ids[d] for d in days if d != TODAY - dt.timedelta(days=2)} | {rerun}
    # the newest of each ISO week: Sundays 2026-11-29 (kept daily), 11-22, 11-15, 11-08
    weeklies = {ids[dt.date(2026, 11, 22)], ids[dt.date(2026, 11, 15)],
                ids[dt.date(2026, 11, 8)]}
    assert set(plan.keep) == dailies | weeklies | {failed_recent, safety}
    assert plan.keep[rerun] == "daily backup of 2026-11-28"
    assert plan.keep[ids[dt.date(2026, 11, 29)]] == "newest good backup"
    assert plan.keep[ids[dt.date(2026, 11, 15)]] == "weekly backup of 2026-W46"
    assert ids[TODAY - dt.timedelta(days=2)] in plan.delete
    assert {failed_old, old_safety, ids[dt.date(2026, 11, 1)]} <= set(plan.delete)
    on_disk = {p.name for p in store.env_dir(ENV).iterdir() if not p.name.startswith(".")}
    assert on_disk == set(plan.keep)
    assert len(on_disk) == 12


def test_retention_never_deletes_the_newest_good_backup(store):
    old_good = fake_backup(store, TODAY - dt.timedelta(days=15))
    for offset in range(10, 0, -1):
        fake_backup(store, TODAY - dt.timedelta(days=offset), status="failed")

    plan = plan_retention(store.records(ENV), keep_daily=0, keep_weekly=0, today=TODAY)

    assert plan.keep == {old_good: "newest good backup"}
    assert len(plan.delete) == 10


def test_retention_keeps_the_newest_backup_a_drill_proved(store):
    proven = fake_backup(store, TODAY - dt.timedelta(days=3),
                         drill={"passed": True, "at": "x", "details": ""})
    fake_backup(store, TODAY - dt.timedelta(days=2))
    newest = fake_backup(store, TODAY - dt.timedelta(days=1),
                         drill={"passed": False, "at": "x", "details": "rows differ"})

    plan = plan_retention(store.records(ENV), keep_daily=1, keep_weekly=0, today=TODAY)

    assert plan.keep == {newest: "newest good backup",
                         proven: "newest backup a drill restored"}


def test_abandoned_partial_folders_are_removed_after_a_day(store):
    fake_backup(store, TODAY - dt.timedelta(days=1))
    stale = store.env_dir(ENV) / ".partial-2026-11-01-x"
    fresh = store.env_dir(ENV) / ".partial-2026-11-29-y"
    stale.mkdir()
    fresh.mkdir()
    os.utime(stale, (time.time() - 2 * 86400,) * 2)

    store.apply_retention(ENV, TODAY, LOG)

    assert not stale.exists() and fresh.exists()


def test_a_sealed_draft_is_good_and_a_failed_one_keeps_no_data(store):
    draft = store.draft(ENV, "2026-11-29-a")
    draft.file("postgres.dump").write_bytes(b"PGDMP-data")
    draft.add("postgres.dump", "postgres")
    assert not draft.final.exists()
    record = draft.seal({"partition": "2026-11-29", "started_at": "2026-11-30T02:00:00Z"})
    assert record.good and record.path.name == "2026-11-29-a"
    assert store.verify(record) == []

    failing = store.draft(ENV, "2026-11-29-b")
    failing.file("redis.rdb").write_bytes(b"REDIS0010")
    failing.add("redis.rdb", "redis")
    failed = failing.fail({"partition": "2026-11-29", "started_at": "2026-11-30T03:00:00Z"},
                          "BackupError: boom")
    assert failed.status == "failed" and failed.manifest["error"] == "BackupError: boom"
    assert [p.name for p in failed.path.iterdir()] == ["manifest.json"]
    assert store.newest_good(ENV).id == "2026-11-29-a"


def test_seal_refuses_a_file_that_changed_after_it_was_hashed(store):
    draft = store.draft(ENV, "2026-11-29-c")
    draft.file("postgres.dump").write_bytes(b"PGDMP-data")
    draft.add("postgres.dump", "postgres")
    draft.file("postgres.dump").write_bytes(b"PGDMP-DATA")

    with pytest.raises(BackupIntegrityError, match="postgres.dump has sha256"):
        draft.seal({"partition": "2026-11-29", "started_at": "2026-11-30T02:00:00Z"})
    assert not draft.final.exists()


def test_verify_lists_missing_truncated_and_unknown_files(store):
    draft = store.draft(ENV, "2026-11-29-d")
    draft.file("postgres.dump").write_bytes(b"PGDMP-data")
    draft.add("postgres.dump", "postgres")
    draft.file("redis.rdb").write_bytes(b"REDIS0010")
    draft.add("redis.rdb", "redis")
    record = draft.seal({"partition": "2026-11-29", "started_at": "2026-11-30T02:00:00Z"})
    (record.path / "postgres.dump").write_bytes(b"PGDMP")
    (record.path / "redis.rdb").unlink()
    (record.path / "extra.bin").write_bytes(b"?")

    assert store.verify(record) == [
        "postgres.dump has 5 bytes, the manifest says 10 (truncated or replaced)",
        "redis.rdb is missing", "extra.bin is not in the manifest"]
    with pytest.raises(BackupIntegrityError, match="cannot be trusted"):
        store.require_intact(record)


def test_a_backup_that_cannot_fit_is_refused_before_it_starts(tmp_path):
    store = BackupStore(root=str(tmp_path), min_free_mb=1 << 40)
    with pytest.raises(BackupStoreFullError, match="MB free and a backup of prod needs"):
        store.ensure_room(ENV)


def test_only_good_backups_can_be_chosen(store):
    good = fake_backup(store, TODAY - dt.timedelta(days=2))
    failed = fake_backup(store, TODAY - dt.timedelta(days=1), status="failed")
    assert store.get(ENV, "latest").id == good
    with pytest.raises(RestoreRefusedError, match="has status failed"):
        store.get(ENV, failed)
    with pytest.raises(RestoreRefusedError, match="has no backup nope"):
        store.get(ENV, "nope")


def test_one_backup_or_restore_at_a_time(store):
    with store.lock(ENV, "run first"):
        with pytest.raises(BackupLockedError, match="run first, since"):
            with store.lock(ENV, "run second"):
                pass
    with store.lock(ENV, "run third"):
        pass
