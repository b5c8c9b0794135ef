"""`rag-release`: verbs for CI and scripts. Each verb that changes something launches a Dagster
run recorded in the instance at DAGSTER_HOME, the one the web UI reads."""

from __future__ import annotations

import argparse
import importlib
import sys

from rag_release.errors import RagReleaseError

VERBS = ("build", "promote", "rollback", "status", "audit", "backup", "restore", "base_images")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag-release", description=__doc__)
    sub = parser.add_subparsers(dest="verb", required=True)
    for verb in VERBS:
        try:
            module = importlib.import_module(f"rag_release.cli.{verb}")
        except ModuleNotFoundError as e:
            if e.name != f"rag_release.cli.{verb}":
                raise
            continue
        module.register(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except RagReleaseError as e:
        print(f"rag-release {args.verb}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
