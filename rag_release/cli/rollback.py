"""`rag-release rollback ENV`: put the previous release of an environment back."""

from rag_release.cli.promote import report
from rag_release.model.environment import EnvName


def register(sub) -> None:
    parser = sub.add_parser("rollback", help="put the previous release back")
    parser.add_argument("env", choices=[e.value for e in EnvName])
    parser.add_argument("--reason", default="rollback requested from the command line")
    parser.set_defaults(run=run)


def run(args) -> int:
    target = EnvName(args.env)
    config = {"ops": {f"{target.value}_deployment": {"config": {"action": "rollback",
                                                                "reason": args.reason}}}}
    return report(f"rollback_{target.value}_job", config, target)
