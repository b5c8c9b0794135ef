"""The backup store: one folder per backup under `<root>/<env>/<backup_id>/`, holding the backup
files and a manifest (docs/CONTRACTS.md). A backup is built under a hidden temporary name and
renamed into place only after every file was hashed again and matched; the manifest says
`"status": "good"` only then. A failed attempt keeps its manifest, with the error, and no data."""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from rag_release.commands.hashing import sha256_file
from rag_release.errors import (BackupIntegrityError, BackupLockedError, BackupStoreFullError,
                                RestoreRefusedError)

MANIFEST = "manifest.json"
PARTIAL = ".partial-"
MB = 1 << 20


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class BackupRecord:
    """A backup folder as its manifest describes it."""

    env: str
    id: str
    path: Path
    manifest: dict

    @property
    def status(self) -> str:
        return self.manifest.get("status", "failed")

    @property
    def good(self) -> bool:
        return self.status == "good"

    @property
    def kind(self) -> str:
        return self.manifest.get("kind", "daily")

    @property
    def partition(self) -> str:
        return self.manifest.get("partition", "")

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.partition)

    @property
    def started_at(self) -> dt.datetime:
        return parse_iso(self.manifest["started_at"])

    @property
    def drill(self) -> dict | None:
        return self.manifest.get("drill")

    @property
    def size(self) -> int:
        return sum(f["size"] for f in self.manifest.get("files", []))


@dataclass
class RetentionPlan:
    keep: dict[str, str] = field(default_factory=dict)
    delete: dict[str, str] = field(default_factory=dict)


def plan_retention(records: list[BackupRecord], keep_daily: int, keep_weekly: int,
                   today: dt.date) -> RetentionPlan:
    """Which backups to keep and why. Of the good daily backups, the newest of each of the
    `keep_daily` most recent days and of each of the `keep_weekly` most recent ISO weeks stay.
    Safety backups and failed attempts stay for `keep_daily` days, failures to explain a gap.
    The newest good backup, and the newest one a drill proved, are never deleted."""
    plan = RetentionPlan()
    good = [r for r in records if r.good]
    dailies = sorted((r for r in good if r.kind != "safety"),
                     key=lambda r: (r.day, r.started_at), reverse=True)

    days: set[dt.date] = set()
    weeks: set[tuple[int, int]] = set()
    for record in dailies:
        if record.day not in days and len(days) < keep_daily:
            days.add(record.day)
            plan.keep[record.id] = f"daily backup of {record.day}"
        week = record.day.isocalendar()[:2]
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            plan.keep.setdefault(record.id, f"weekly backup of {week[0]}-W{week[1]:02d}")

    by_time = sorted(good, key=lambda r: r.started_at, reverse=True)
    if by_time:
        plan.keep[by_time[0].id] = "newest good backup"
    proven = [r for r in by_time if (r.drill or {}).get("passed")]
    if proven:
        plan.keep.setdefault(proven[0].id, "newest backup a drill restored")

    for record in records:
        if record.id in plan.keep:
            continue
        age = (today - record.started_at.date()).days
        if record.kind == "safety" and record.good and age < keep_daily:
            plan.keep[record.id] = "safety backup taken before a restore"
        elif not record.good and age < keep_daily:
            plan.keep[record.id] = "failed attempt, kept as a record"
        elif record.good:
            plan.delete[record.id] = (f"older than the {keep_daily} daily and {keep_weekly} "
                                      "weekly backups kept")
        else:
            plan.delete[record.id] = f"failed attempt older than {keep_daily} days"
    return plan


class BackupDraft:
    """A backup being written, in a hidden folder beside its final place."""

    def __init__(self, env_dir: Path, env: str, backup_id: str):
        self.env = env
        self.id = backup_id
        self.final = env_dir / backup_id
        self.path = env_dir / f"{PARTIAL}{backup_id}"
        self.files: list[dict] = []
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)

    def file(self, name: str) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def add(self, name: str, kind: str) -> dict:
        """Record a finished file: its size and sha256 go into the manifest."""
        path = self.path / name
        entry = {"name": name, "kind": kind, "size": path.stat().st_size,
                 "sha256": sha256_file(path)}
        self.files.append(entry)
        return entry

    def seal(self, manifest: dict) -> BackupRecord:
        """Hash every file again, and only if all match write the manifest as good and move
        the folder to its final name; a crash before the rename leaves a hidden partial."""
        differences = verify_files(self.path, self.files)
        if differences:
            raise BackupIntegrityError(
                f"backup {self.id} of {self.env} changed while it was written: "
                f"{'; '.join(differences)}; check the disk of the backup store and run again")
        for entry in self.files:
            _fsync(self.path / entry["name"])
        manifest = manifest | {"env": self.env, "id": self.id, "status": "good",
                               "files": self.files}
        _write_json(self.path / MANIFEST, manifest)
        os.replace(self.path, self.final)
        _fsync(self.final.parent)
        return BackupRecord(self.env, self.id, self.final, manifest)

    def fail(self, manifest: dict, error: str) -> BackupRecord | None:
        """Keep the attempt as a record with status failed and no data; if even that cannot
        be written (a full disk), remove the folder so nothing half-written remains."""
        manifest = manifest | {"env": self.env, "id": self.id, "status": "failed",
                               "files": [], "error": error}
        try:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path.mkdir(parents=True)
            _write_json(self.path / MANIFEST, manifest)
            os.replace(self.path, self.final)
            return BackupRecord(self.env, self.id, self.final, manifest)
        except OSError:
            shutil.rmtree(self.path, ignore_errors=True)
            return None


def verify_files(folder: Path, files: list[dict]) -> list[str]:
    """What differs between the files of a backup and their manifest entries."""
    differences = []
    for entry in files:
        path = folder / entry["name"]
        if not path.is_file():
            differences.append(f"{entry['name']} is missing")
            continue
        size = path.stat().st_size
        if size != entry["size"]:
            differences.append(f"{entry['name']} has {size} bytes, the manifest says "
                               f"{entry['size']} (truncated or replaced)")
            continue
        sha = sha256_file(path)
        if sha != entry["sha256"]:
            differences.append(f"{entry['name']} has sha256 {sha[:16]}, the manifest says "
                               f"{entry['sha256'][:16]} (altered)")
    return differences


class BackupStore(dg.ConfigurableResource):
    """Backups on a filesystem path: a local disk by default, or any mounted share (NFS, an
    object-store mount). Retention keeps `keep_daily` daily and `keep_weekly` weekly backups;
    a backup starts only with `min_free_mb` free, or the size of the last one if larger."""

    root: str
    keep_daily: int = 7
    keep_weekly: int = 4
    min_free_mb: int = 256

    def env_dir(self, env: str) -> Path:
        path = Path(self.root) / env
        path.mkdir(parents=True, exist_ok=True)
        return path

    def records(self, env: str) -> list[BackupRecord]:
        """Every backup folder of the environment, oldest first; unreadable ones as failed."""
        found = []
        for path in sorted(self.env_dir(env).iterdir()):
            if not path.is_dir() or path.name.startswith("."):
                continue
            try:
                manifest = json.loads((path / MANIFEST).read_text())
            except (OSError, ValueError) as e:
                manifest = {"status": "failed", "error": f"manifest unreadable: {e}",
                            "started_at": iso(dt.datetime.fromtimestamp(
                                path.stat().st_mtime, dt.timezone.utc)), "files": []}
            found.append(BackupRecord(env, path.name, path, manifest))
        return sorted(found, key=lambda r: r.started_at)

    def newest_good(self, env: str) -> BackupRecord | None:
        good = [r for r in self.records(env) if r.good]
        return good[-1] if good else None

    def get(self, env: str, backup_id: str) -> BackupRecord:
        """A good backup by id, `latest` for the newest good one."""
        if backup_id == "latest":
            record = self.newest_good(env)
            if record is None:
                raise RestoreRefusedError(f"{env} has no good backup in {self.env_dir(env)}; "
                                          "take one with `rag-release backup` first")
            return record
        for record in self.records(env):
            if record.id == backup_id:
                if not record.good:
                    raise RestoreRefusedError(
                        f"backup {backup_id} of {env} has status {record.status} "
                        f"({record.manifest.get('error', 'no error recorded')}); choose a good "
                        "one: `rag-release restore --list`")
                return record
        raise RestoreRefusedError(f"{env} has no backup {backup_id} in {self.env_dir(env)}; "
                                  "list them with `rag-release restore --env ENV --list`")

    def unique_id(self, env: str, stem: str) -> str:
        taken = {p.name.removeprefix(PARTIAL) for p in self.env_dir(env).iterdir()}
        backup_id, n = stem, 1
        while backup_id in taken:
            n += 1
            backup_id = f"{stem}-{n}"
        return backup_id

    def draft(self, env: str, backup_id: str) -> BackupDraft:
        return BackupDraft(self.env_dir(env), env, backup_id)

    def free_bytes(self, env: str) -> int:
        stats = os.statvfs(self.env_dir(env))
        return stats.f_bavail * stats.f_frsize

    def ensure_room(self, env: str) -> int:
        """Refuse to start a backup that cannot fit: returns the free bytes."""
        newest = self.newest_good(env)
        needed = max(self.min_free_mb * MB, int((newest.size if newest else 0) * 1.2))
        free = self.free_bytes(env)
        if free < needed:
            raise BackupStoreFullError(
                f"the backup store {self.env_dir(env)} has {free // MB} MB free and a backup "
                f"of {env} needs about {needed // MB} MB (the last one plus 20%, at least "
                f"min_free_mb); free space there or lower the retention")
        return free

    def is_full(self, env: str, error: BaseException | None = None) -> bool:
        """Whether an error came from, or the store is in, a full disk: the docker CLI reports
        one in words, Python as ENOSPC."""
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        if "no space left on device" in str(error).lower():
            return True
        try:
            return self.free_bytes(env) < MB
        except OSError:
            return False

    def verify(self, record: BackupRecord) -> list[str]:
        differences = verify_files(record.path, record.manifest.get("files", []))
        known = {f["name"] for f in record.manifest.get("files", [])} | {MANIFEST}
        for path in sorted(record.path.rglob("*")):
            rel = path.relative_to(record.path).as_posix()
            if path.is_file() and rel not in known:
                differences.append(f"{rel} is not in the manifest")
        return differences

    def require_intact(self, record: BackupRecord) -> None:
        differences = self.verify(record)
        if differences:
            raise BackupIntegrityError(
                f"backup {record.id} of {record.env} does not match its manifest: "
                f"{'; '.join(differences)}; it cannot be trusted, choose an older good backup")

    def record_drill(self, record: BackupRecord, drill: dict) -> BackupRecord:
        manifest = record.manifest | {"drill": drill}
        _write_json(record.path / MANIFEST, manifest)
        return BackupRecord(record.env, record.id, record.path, manifest)

    def apply_retention(self, env: str, today: dt.date, log) -> RetentionPlan:
        plan = plan_retention(self.records(env), self.keep_daily, self.keep_weekly, today)
        for backup_id, reason in sorted(plan.delete.items()):
            shutil.rmtree(self.env_dir(env) / backup_id)
            log.info("Deleted backup %s of %s: %s", backup_id, env, reason)
        for path in self.env_dir(env).glob(f"{PARTIAL}*"):
            if time.time() - path.stat().st_mtime > 86400:
                shutil.rmtree(path, ignore_errors=True)
                log.info("Deleted %s: a partial backup abandoned more than a day ago", path.name)
        return plan

    @contextmanager
    def lock(self, env: str, holder: str) -> Iterator[None]:
        """One backup or restore of an environment at a time, across processes."""
        path = self.env_dir(env) / ".lock"
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                raise BackupLockedError(
                    f"another backup or restore of {env} is running ({handle.read().strip()}); "
                    "wait for it to finish, then launch again") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{holder}, since {iso(utc_now())}\n")
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)
                fcntl.flock(handle, fcntl.LOCK_UN)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as out:
        out.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

