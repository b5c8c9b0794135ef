"""Restoring a backup into a live environment, then checking that the environment holds what the
backup's manifest says. The restore job takes a safety backup before calling this."""

from __future__ import annotations

import time

from rag_release.commands import backup as cmd
from rag_release.defs.backup.drill import compare_keyspace, compare_tables, compare_volume
from rag_release.errors import BackupError
from rag_release.resources.backup_store import BackupRecord, BackupStore
from rag_release.resources.datastores import DataStack, Datastores
from rag_release.resources.postgres import PostgresClient
from rag_release.resources.qdrant import qdrant_for
from rag_release.resources.redis import RedisClient
from rag_release.resources.volumes import VolumeClient


def restore_backup(datastores: Datastores, store: BackupStore, record: BackupRecord,
                   safety_id: str, log) -> dict:
    """Restore volumes, Redis, Qdrant and PostgreSQL, in that order, PostgreSQL in a single
    transaction. Returns what was restored; raises when the result differs from the manifest."""
    store.require_intact(record)
    stack = datastores.bind(record.env, log)
    expected = record.manifest.get("expected", {})
    started = time.monotonic()
    differences: list[str] = []
    restored: dict[str, str] = {}

    for key, volume in sorted(expected.get("volumes", {}).items()):
        name = _volume(stack, key)
        found = VolumeClient(stack).restore(name, record.path / volume["file"])
        differences += compare_volume(key, volume, found)
        restored[f"volumes/{key}"] = f"{found['files']} files into {name}"
        log.info("Restored volume %s of %s: %d files", name, record.env, found["files"])

    if "redis" in expected:
        found = RedisClient(stack).restore(record.path / "redis.rdb")
        differences += compare_keyspace(expected["redis"]["keyspace"], found)
        restored["redis"] = f"{sum(db['keys'] for db in found.values())} keys"
        log.info("Restored Redis of %s: %s", record.env, restored["redis"])

    if expected.get("qdrant", {}).get("collections"):
        differences += _qdrant(stack, record, expected["qdrant"]["collections"], restored, log)

    if "postgres" in expected:
        found = PostgresClient(stack).restore(record.path / "postgres.dump")
        differences += compare_tables(expected["postgres"]["tables"], found, extra_allowed=True)
        restored["postgres"] = f"{len(found)} tables, {sum(found.values())} rows"
        log.info("Restored PostgreSQL of %s: %s", record.env, restored["postgres"])

    if differences:
        raise BackupError(
            f"restored backup {record.id} into {record.env}, but the result differs from its "
            f"manifest: {'; '.join(differences)}. If the application wrote meanwhile this is "
            f"expected; otherwise restore the safety backup {safety_id} or another backup")
    return {"backup_id": record.id, "safety_backup_id": safety_id, "restored": restored,
            "duration_s": round(time.monotonic() - started, 3)}


def _volume(stack: DataStack, key: str) -> str:
    """The volume to restore into; created with the compose labels when its service never ran,
    so compose adopts it later."""
    client = VolumeClient(stack)
    name = client.find(key)
    if name is None:
        name = f"{stack.project}_{key}"
        labels = {cmd.PROJECT_LABEL: stack.project, cmd.VOLUME_LABEL: key}
        stack.run(cmd.create_volume(name, labels), f"creating volume {name}")
        stack.log.info("Created volume %s of %s to restore into", name, stack.name)
    return name


def _qdrant(stack: DataStack, record: BackupRecord, collections: dict, restored: dict,
            log) -> list[str]:
    client = qdrant_for(stack)
    if client is None:
        raise BackupError(f"backup {record.id} holds Qdrant snapshots but {stack.env.source} "
                          "sets no QDRANT_URL; set it to restore them")
    differences = []
    try:
        for collection, snapshot in sorted(collections.items()):
            points = client.restore(collection, record.path / snapshot["file"])
            if not snapshot["points_min"] <= points <= snapshot["points_max"]:
                differences.append(f"qdrant: {collection} has {points} points after the "
                                   f"restore, the manifest says {snapshot['points_max']}")
            restored[f"qdrant/{collection}"] = f"{points} points"
            log.info("Restored Qdrant collection %s of %s: %d points", collection, record.env,
                     points)
    finally:
        client.close()
    return differences
