"""The nightly backup job of each environment, and `restore_job`: put a chosen backup back into
an environment, only when the request names the environment twice and after a safety backup
of what is there now."""

import enum

import dagster as dg
from pydantic import Field

from rag_release.defs.backup.backups import take_backup
from rag_release.defs.backup.restore import restore_backup
from rag_release.errors import RagReleaseError, RestoreRefusedError
from rag_release.resources.backup_store import BackupStore, utc_now
from rag_release.resources.datastores import Datastores


def backup_job(env: str):
    return dg.define_asset_job(
        f"{env}_backup_job",
        selection=dg.AssetSelection.assets(f"{env}_backup"),
        executor_def=dg.in_process_executor,
        description=f"Back up {env} as one daily partition, apply retention, drill the newest "
                    "good backup.",
    )


def restore_job(envs: list[str]) -> dg.JobDefinition:
    # Dagster keys config types by name: the enum's name carries its members, so two code
    # locations with different environments in one process do not share one enum.
    environments = enum.Enum("Environment" + "".join(e.title() for e in envs),
                             {name: name for name in envs})

    class RestoreConfig(dg.Config):
        env: environments = Field(description="The environment to restore into.")
        backup_id: str = Field(
            default="latest",
            description="A folder name under backups/<env>/, or latest for the newest good one.")
        confirm: str = Field(
            description="Type the environment's name again. Anything else refuses the restore.")

    @dg.op(description="Refuse an unconfirmed request, a backup that is not good, or one whose "
                       "files differ from its manifest.")
    def check_restore_request(context: dg.OpExecutionContext, config: RestoreConfig,
                              backup_store: BackupStore) -> dict:
        env = config.env.value
        try:
            if config.confirm != env:
                raise RestoreRefusedError(
                    f"restore into {env} refused: confirm is '{config.confirm}', expected "
                    f"'{env}'; type the environment's name in confirm to go ahead")
            record = backup_store.get(env, config.backup_id)
            backup_store.require_intact(record)
        except RagReleaseError as e:
            raise dg.Failure(description=str(e)) from e
        context.log.info("Restore of %s from backup %s (partition %s) is confirmed; its %d files "
                         "match the manifest", env, record.id, record.partition,
                         len(record.manifest["files"]))
        return {"env": env, "backup_id": record.id}

    @dg.op(description="Back up the environment as it is now, before anything is replaced.")
    def take_safety_backup(context: dg.OpExecutionContext, request: dict,
                           datastores: Datastores, backup_store: BackupStore) -> dict:
        env = request["env"]
        try:
            with backup_store.lock(env, f"run {context.run.run_id}"):
                record = take_backup(datastores, backup_store, env,
                                     partition=utc_now().date().isoformat(), kind="safety",
                                     run=context.run, log=context.log)
        except RagReleaseError as e:
            raise dg.Failure(description=f"no restore: the safety backup failed: {e}") from e
        context.log.info("Safety backup %s of %s taken; restore it to undo this restore",
                         record.id, env)
        return request | {"safety_backup_id": record.id}

    @dg.op(description="Restore the backup and check the environment against its manifest.")
    def restore_from_backup(context: dg.OpExecutionContext, request: dict,
                            datastores: Datastores, backup_store: BackupStore) -> dict:
        env = request["env"]
        try:
            with backup_store.lock(env, f"run {context.run.run_id}"):
                record = backup_store.get(env, request["backup_id"])
                summary = restore_backup(datastores, backup_store, record,
                                         request["safety_backup_id"], context.log)
        except RagReleaseError as e:
            raise dg.Failure(description=str(e)) from e
        context.add_output_metadata({"backup_id": record.id,
                                     "safety_backup_id": request["safety_backup_id"],
                                     "restored": dg.MetadataValue.json(summary["restored"]),
                                     "duration_s": summary["duration_s"]})
        context.log.info("Restored backup %s into %s in %.1f s", record.id, env,
                         summary["duration_s"])
        return summary

    @dg.job(name="restore_job", executor_def=dg.in_process_executor,
            description="Restore a chosen backup into an environment, after a safety backup.")
    def _restore_job():
        restore_from_backup(take_safety_backup(check_restore_request()))

    return _restore_job
