"""`rag-release build`: materialize every build asset and print the release manifest."""

from __future__ import annotations

import sys
from pathlib import Path

from rag_release.cli.runs import RunFailedError, execute, failure_message, materialized_metadata


def register(sub) -> None:
    parser = sub.add_parser("build", help="build every artifact and pin them in a release")
    parser.set_defaults(run=run)


def run(args) -> int:
    with execute("build_job") as result:
        if not result.success:
            raise RunFailedError(f"build run {result.run_id} failed: {failure_message(result)}")
        path = materialized_metadata(result, "release_manifest")["manifest"].value
    sys.stdout.write(Path(path).read_text())
    print(f"build run {result.run_id} succeeded", file=sys.stderr)
    return 0
