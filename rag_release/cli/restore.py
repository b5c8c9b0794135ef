"""`rag-release restore ENV --backup-id ID --confirm ENV`: put a backup back into an environment,
after a safety backup, through `restore_job`; prints a JSON summary. `--list` lists backups."""

from rag_release.cli.backup import listing, print_json
from rag_release.cli.runs import RunFailedError, execute, failure_message
from rag_release.model.environment import EnvName


def register(sub) -> None:
    parser = sub.add_parser("restore", help="restore a backup into an environment")
    parser.add_argument("env", choices=[e.value for e in EnvName])
    parser.add_argument("--backup-id", default="latest",
                        help="a backup folder name, or latest for the newest good backup")
    parser.add_argument("--confirm", default="",
                        help="the environment's name again; the restore refuses without it")
    parser.add_argument("--list", action="store_true", help="list the backups instead")
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.list:
        return print_json(listing(args.env))
    config = {"ops": {"check_restore_request": {"config": {
        "env": args.env, "backup_id": args.backup_id, "confirm": args.confirm}}}}
    with execute("restore_job", config, tags={"rag_release/env": args.env}) as result:
        summary = {"run_id": result.run_id, "env": args.env, "success": result.success}
        if result.success:
            summary |= result.output_for_node("restore_from_backup")
        else:
            summary["error"] = failure_message(result)
    print_json(summary)
    if not result.success:
        raise RunFailedError(f"restore_job run {result.run_id} failed: {summary['error']}")
    return 0
