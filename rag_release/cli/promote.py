"""`rag-release promote ENV [--release VERSION]`: deploy dev, or promote to staging or prod
through the gate of the environment before it."""

import json
import sys

from rag_release.cli.runs import RunFailedError, execute, failure_message, materialized_metadata
from rag_release.model.environment import EnvName


def register(sub) -> None:
    parser = sub.add_parser("promote", help="deploy a release to an environment")
    parser.add_argument("env", choices=[e.value for e in EnvName])
    parser.add_argument("--release", default="", help="version; default: what the previous "
                        "environment runs (the newest build for dev)")
    parser.add_argument("--reason", default="")
    parser.set_defaults(run=run)


def run(args) -> int:
    target = EnvName(args.env)
    ops = {f"{target.value}_deployment": {"config": {"release": args.release,
                                                     "reason": args.reason}}}
    if target.previous is not None:
        ops[f"{target.value}_gate"] = {"config": {"release": args.release}}
    job = "deploy_dev_job" if target.previous is None else f"promote_{target.value}_job"
    return report(job, {"ops": ops}, target)


def report(job: str, run_config: dict, target: EnvName) -> int:
    with execute(job, run_config, tags={"rag_release/env": target.value}) as result:
        if not result.success:
            raise RunFailedError(f"{job} run {result.run_id} failed: {failure_message(result)}")
        metadata = materialized_metadata(result, f"{target.value}_deployment")
    summary = {key: getattr(value, "value", value) for key, value in metadata.items()}
    json.dump(summary, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0
