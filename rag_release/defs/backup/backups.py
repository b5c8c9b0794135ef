"""Taking a backup of an environment: every store into one draft folder, each file hashed as it
is finished and again before the folder is sealed as good. Any failure leaves a record with
status failed and no data, never a folder that looks good."""

from __future__ import annotations

import re
import time

import dagster as dg

from rag_release.errors import BackupError, BackupStoreFullError, RagReleaseError
from rag_release.resources.backup_store import (MB, BackupDraft, BackupRecord, BackupStore, iso,
                                                utc_now)
from rag_release.resources.datastores import DataStack, Datastores
from rag_release.resources.postgres import PostgresClient
from rag_release.resources.qdrant import qdrant_for
from rag_release.resources.redis import RedisClient
from rag_release.resources.volumes import VolumeClient

DEFAULT_VOLUMES = "n8n_data"


def volume_keys(stack: DataStack) -> list[str]:
    """The compose volumes to archive: BACKUP_VOLUMES, comma-separated, n8n_data by default.
    The PostgreSQL and Redis volumes are covered by their own consistent backups."""
    raw = stack.env.values.get("BACKUP_VOLUMES", DEFAULT_VOLUMES)
    return [key.strip() for key in raw.split(",") if key.strip()]


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def launched_by(tags: dict[str, str]) -> str:
    """Who asked for a run: the command line's user, a schedule, a backfill, or someone in
    the UI (which records no user in open-source Dagster)."""
    if "rag_release/launched_by" in tags:
        return tags["rag_release/launched_by"]
    if "dagster/schedule_name" in tags:
        return f"schedule {tags['dagster/schedule_name']}"
    if "dagster/backfill" in tags:
        return f"backfill {tags['dagster/backfill']}"
    return "manual launch"


def take_backup(datastores: Datastores, store: BackupStore, env: str, *, partition: str,
                kind: str, run: dg.DagsterRun, log) -> BackupRecord:
    stack = datastores.bind(env, log)
    started = utc_now()
    clock = time.monotonic()
    stem = f"{partition}-{started:%Y%m%dT%H%M%SZ}" if kind == "daily" else \
        f"{kind}-{started:%Y%m%dT%H%M%SZ}"
    draft = store.draft(env, store.unique_id(env, stem))
    manifest = {"partition": partition, "kind": kind, "started_at": iso(started),
                "release": datastores.live_release(env), "run_id": run.run_id,
                "launched_by": launched_by(run.tags), "expected": {},
                "skipped": {}, "durations": {}, "drill": None}
    log.info("Backing up %s into %s (partition %s, %s, release %s)", env, draft.final,
             partition, kind, manifest["release"] or "unknown")

    try:
        store.ensure_room(env)
        _postgres(stack, draft, manifest)
        _redis(stack, draft, manifest)
        _qdrant(stack, draft, manifest)
        _volumes(stack, draft, manifest)
        manifest["finished_at"] = iso(utc_now())
        manifest["duration_s"] = round(time.monotonic() - clock, 3)
        record = draft.seal(manifest)
    except BaseException as e:
        full = store.is_full(env, e)
        manifest["finished_at"] = iso(utc_now())
        manifest["duration_s"] = round(time.monotonic() - clock, 3)
        failed = draft.fail(manifest, f"{type(e).__name__}: {e}")
        log.error("Backup %s of %s failed and is %s", draft.id, env,
                  "kept with status failed" if failed else "removed")
        raise _explain(e, full, store, env, draft.id) from e

    log.info("Backup %s of %s is good: %d files, %.1f MB, %.1f s", record.id, env,
             len(record.manifest["files"]), record.size / MB, manifest["duration_s"])
    return record


def _explain(error: BaseException, full: bool, store: BackupStore, env: str,
             backup_id: str) -> BaseException:
    """The error to raise for a failed backup: a full disk said plainly, ours as they are."""
    if not isinstance(error, Exception):
        return error
    if full:
        return BackupStoreFullError(
            f"backup {backup_id} of {env} failed: the backup store {store.env_dir(env)} is "
            f"full ({error}); free space there or lower the retention, then run again")
    if isinstance(error, RagReleaseError):
        return error
    return BackupError(f"backup {backup_id} of {env} failed: {type(error).__name__}: {error}; "
                       "it is not marked good")


def _timed(manifest: dict, store: str, started: float) -> float:
    seconds = round(time.monotonic() - started, 3)
    manifest["durations"][store] = seconds
    return seconds


def _postgres(stack: DataStack, draft: BackupDraft, manifest: dict) -> None:
    started = time.monotonic()
    expected = PostgresClient(stack).dump(draft.file("postgres.dump"))
    entry = draft.add("postgres.dump", "postgres")
    manifest["expected"]["postgres"] = expected
    stack.log.info("Dumped PostgreSQL database %s of %s: %d tables, %d rows, %.1f MB in %.1f s",
                   expected["database"], stack.name, len(expected["tables"]),
                   sum(expected["tables"].values()), entry["size"] / MB,
                   _timed(manifest, "postgres", started))


def _redis(stack: DataStack, draft: BackupDraft, manifest: dict) -> None:
    started = time.monotonic()
    expected = RedisClient(stack).save(draft.file("redis.rdb"))
    entry = draft.add("redis.rdb", "redis")
    manifest["expected"]["redis"] = expected
    keys = sum(db["keys_max"] for db in expected["keyspace"].values())
    stack.log.info("Saved Redis of %s after BGSAVE: %d keys, %.1f MB in %.1f s", stack.name,
                   keys, entry["size"] / MB, _timed(manifest, "redis", started))


def _qdrant(stack: DataStack, draft: BackupDraft, manifest: dict) -> None:
    client = qdrant_for(stack)
    if client is None:
        manifest["skipped"]["qdrant"] = f"Qdrant is not part of {stack.project}"
        stack.log.info("Skipped Qdrant of %s: no QDRANT_URL and no qdrant container",
                       stack.name)
        return
    started = time.monotonic()
    collections = {}
    try:
        for collection in client.collections():
            name = f"qdrant/{safe_name(collection)}.snapshot"
            collections[collection] = client.snapshot(collection, draft.file(name)) | {
                "file": name}
            draft.add(name, "qdrant")
    finally:
        client.close()
    manifest["expected"]["qdrant"] = {"collections": collections}
    stack.log.info("Snapshotted %d Qdrant collections of %s in %.1f s", len(collections),
                   stack.name, _timed(manifest, "qdrant", started))


def _volumes(stack: DataStack, draft: BackupDraft, manifest: dict) -> None:
    client = VolumeClient(stack)
    archived = {}
    started = time.monotonic()
    for key in volume_keys(stack):
        volume = client.find(key)
        if volume is None:
            manifest["skipped"][f"volumes/{key}"] = f"no volume {key} exists in {stack.project}"
            stack.log.info("Skipped volume %s of %s: it does not exist (its service never ran)",
                           key, stack.name)
            continue
        name = f"volumes/{safe_name(key)}.tar"
        archived[key] = client.archive(volume, draft.file(name)) | {"file": name}
        draft.add(name, "volume")
        stack.log.info("Archived volume %s of %s: %d files, %.1f MB", volume, stack.name,
                       archived[key]["files"], archived[key]["bytes"] / MB)
    manifest["expected"]["volumes"] = archived
    _timed(manifest, "volumes", started)
