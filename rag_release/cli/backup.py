"""`rag-release backup ENV [--partition DAY]`: back an environment up now, as one partition of
`<env>_backup` with its restore drill, and print the backup's summary as JSON. `--list` prints
the backups in the store instead."""

import json
import sys

from rag_release import settings
from rag_release.cli.runs import RunFailedError, execute, failure_message
from rag_release.defs.backup.definitions import backup_resources
from rag_release.defs.backup.schedules import backup_timing
from rag_release.model.environment import EnvName, parse_env_file


def register(sub) -> None:
    parser = sub.add_parser("backup", help="back up an environment's data now")
    parser.add_argument("env", choices=[e.value for e in EnvName])
    parser.add_argument("--partition", default="", help="the day to back up, YYYY-MM-DD; "
                        "default: the last complete day, as the schedule would")
    parser.add_argument("--list", action="store_true", help="list the backups instead")
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.list:
        return print_json(listing(args.env))
    partition = args.partition or last_partition(args.env)
    job = f"{args.env}_backup_job"
    with execute(job, tags={"rag_release/env": args.env}, partition_key=partition) as result:
        summary = {"run_id": result.run_id, "env": args.env, "partition": partition,
                   "success": result.success}
        if result.success:
            summary |= run_record(result.run_id, args.env)
        else:
            summary["error"] = failure_message(result)
    print_json(summary)
    if not result.success:
        raise RunFailedError(f"{job} run {result.run_id} failed: {summary['error']}")
    drill = summary.get("drill") or {}
    return 0 if drill.get("passed", True) else 1


def last_partition(env: str) -> str:
    timing = backup_timing(parse_env_file(settings.envs_dir() / f"{env}.env", env))
    return timing.partitions().get_last_partition_key()


def listing(env: str) -> list[dict]:
    store = backup_resources()["backup_store"]
    return [summary_of(record.manifest) | {"path": str(record.path)}
            for record in store.records(env)]


def run_record(run_id: str, env: str) -> dict:
    """The backup a run wrote, as its manifest describes it."""
    store = backup_resources()["backup_store"]
    for record in reversed(store.records(env)):
        if record.manifest.get("run_id") == run_id:
            return summary_of(record.manifest) | {"path": str(record.path)}
    return {}


def summary_of(manifest: dict) -> dict:
    keys = ("id", "status", "kind", "partition", "started_at", "duration_s", "release",
            "skipped", "drill", "error")
    summary = {key: manifest.get(key) for key in keys if key in manifest}
    summary["size"] = sum(f["size"] for f in manifest.get("files", []))
    summary["files"] = {f["name"]: f["sha256"] for f in manifest.get("files", [])}
    return summary


def print_json(data) -> int:
    json.dump(data, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0
