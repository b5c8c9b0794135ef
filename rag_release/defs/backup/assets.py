"""Per environment, `<env>_backup`: a daily-partitioned asset whose materialization is one good
backup of every store of the environment, followed by retention. A night without a good backup
is a missing partition, visible in the UI and backfillable from it."""

import datetime as dt

import dagster as dg

from rag_release.defs.backup.backups import take_backup
from rag_release.errors import RagReleaseError
from rag_release.resources.backup_store import MB, BackupStore
from rag_release.resources.datastores import Datastores


def backup_asset(env: str, partitions_def: dg.DailyPartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{env}_backup",
        group_name="backup",
        partitions_def=partitions_def,
        pool=f"backup_{env}",
        kinds={"postgres", "redis", "qdrant"},
        description=f"Backup of {env}'s PostgreSQL (pg_dump), Redis (RDB after BGSAVE), Qdrant "
                    "(snapshots) and volumes (tarballs), with a checksummed manifest.",
    )
    def _backup(context: dg.AssetExecutionContext, datastores: Datastores,
                backup_store: BackupStore) -> dg.MaterializeResult:
        try:
            with backup_store.lock(env, f"run {context.run.run_id}"):
                record = take_backup(datastores, backup_store, env,
                                     partition=context.partition_key, kind="daily",
                                     run=context.run, log=context.log)
                retention = _retention(context, backup_store, env)
        except RagReleaseError as e:
            raise dg.Failure(description=str(e)) from e

        manifest = record.manifest
        postgres = manifest["expected"].get("postgres", {})
        redis = manifest["expected"].get("redis", {})
        return dg.MaterializeResult(metadata={
            "backup_id": record.id,
            "path": dg.MetadataValue.path(str(record.path)),
            "release": manifest["release"] or "unknown",
            "launched_by": manifest["launched_by"],
            "size_mb": round(record.size / MB, 2),
            "duration_s": manifest["duration_s"],
            "durations": dg.MetadataValue.json(manifest["durations"]),
            "files": dg.MetadataValue.json(
                {f["name"]: {"size": f["size"], "sha256": f["sha256"]} for f in manifest["files"]}),
            "postgres_tables": len(postgres.get("tables", {})),
            "postgres_rows": sum(postgres.get("tables", {}).values()),
            "redis_keys": sum(db["keys_max"] for db in redis.get("keyspace", {}).values()),
            "skipped": dg.MetadataValue.json(manifest["skipped"]),
            "retention": dg.MetadataValue.json(retention),
        })

    return _backup


def _retention(context: dg.AssetExecutionContext, store: BackupStore, env: str) -> dict:
    """Apply retention; a failure to delete is reported, not allowed to undo a good backup."""
    try:
        plan = store.apply_retention(env, dt.datetime.now(dt.timezone.utc).date(), context.log)
    except OSError as e:
        context.log.warning("Retention of %s failed, nothing more was deleted: %s", env, e)
        return {"error": str(e)}
    context.log.info("Retention of %s keeps %d backups (%d daily, %d weekly at most) and "
                     "deleted %d", env, len(plan.keep), store.keep_daily, store.keep_weekly,
                     len(plan.delete))
    return {"kept": plan.keep, "deleted": plan.delete}
