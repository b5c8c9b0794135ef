"""`rag-release status`: what runs where, and the last deploys of each environment."""

import json
import sys

from rag_release import settings
from rag_release.model.environment import EnvName
from rag_release.resources.deploy_state import DeployStateStore


def register(sub) -> None:
    parser = sub.add_parser("status", help="print what runs in each environment")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--history", type=int, default=3, help="deploys shown per environment")
    parser.set_defaults(run=run)


def run(args) -> int:
    store = DeployStateStore(state_dir=str(settings.home() / "deploy"))
    report = {}
    for env in EnvName:
        state = store.read(env.value)
        report[env.value] = {"live": state.get("live"), "previous": state.get("previous"),
                             "history": state.get("history", [])[-args.history:]}
    if args.json:
        json.dump(report, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    for env, entry in report.items():
        live, previous = entry["live"], entry["previous"]
        line = f"{env:8} " + (f"{live['version']} on {live['color']} since {live['deployed_at']}"
                              if live else "nothing deployed")
        if previous and not previous.get("retired"):
            line += f"  (rollback ready: {previous['version']} on {previous['color']})"
        print(line)
        for h in entry["history"]:
            took = sum(h.get("durations", {}).values())
            print(f"         {h.get('finished_at', '?')} {h['action']:8} {h['version']:10} "
                  f"{h['result']:8} {took:6.1f}s by {h.get('launched_by', '?')}"
                  + (f": {h['error']}" if h.get("error") else ""))
    return 0
