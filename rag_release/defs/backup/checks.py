"""The restore drill of an environment's backups, as an asset check on `<env>_backup`."""

import dagster as dg

from rag_release.defs.backup.drill import run_drill
from rag_release.resources.backup_store import BackupStore
from rag_release.resources.datastores import Datastores


def restore_drill_check(env: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=f"{env}_backup",
        name="restore_drill",
        pool=f"backup_{env}",
        description=f"Restore the newest good backup of {env} into throwaway containers and "
                    "compare tables and row counts, Redis keys and volume contents with its "
                    "manifest. The result is also written into the manifest's drill field.",
    )
    def _drill(context: dg.AssetCheckExecutionContext, datastores: Datastores,
               backup_store: BackupStore) -> dg.AssetCheckResult:
        report = run_drill(datastores, backup_store, env, context.log)
        record = report.record
        return dg.AssetCheckResult(
            passed=report.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=("The newest good backup restores as its manifest says." if report.passed
                         else "The drill found differences: " + "; ".join(report.differences)),
            metadata={
                "backup_id": record.id if record else "none",
                "partition": record.partition if record else "none",
                "differences": dg.MetadataValue.md(
                    "\n".join(f"- {d}" for d in report.differences) or "none"),
                "verified": dg.MetadataValue.md(
                    "\n".join(f"- {v}" for v in report.verified) or "nothing"),
                "duration_s": report.duration_s,
            },
        )

    return _drill
