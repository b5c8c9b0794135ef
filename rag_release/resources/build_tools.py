"""Runs a component's install and build commands on the build host."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import dagster as dg

from rag_release.errors import BuildFailedError
from rag_release.resources.process import run


class BuildTools(dg.ConfigurableResource):
    """`timeout_seconds` bounds each command; the full log of each goes to `log_dir`."""

    log_dir: str
    timeout_seconds: int = 1800

    def run_step(self, component: str, step: str, argv: tuple[str, ...], cwd: Path) -> Path:
        if shutil.which(argv[0]) is None and not (cwd / argv[0]).exists():
            raise BuildFailedError(
                f"{component}: the {step} command '{argv[0]}' is not installed on the build "
                "host; install it or fix the command in the release config")
        log_file = Path(self.log_dir) / f"{component}-{step}.log"
        try:
            done = run(argv, cwd=cwd, log_file=log_file, timeout=self.timeout_seconds,
                       env={"CI": "true", "NO_UPDATE_NOTIFIER": "1"})
        except subprocess.TimeoutExpired:
            raise BuildFailedError(f"{component}: `{' '.join(argv)}` ran past "
                                   f"{self.timeout_seconds} s; see {log_file}")
        if not done.ok:
            raise BuildFailedError(
                f"{component}: `{' '.join(argv)}` exited {done.returncode} in {cwd}; full log "
                f"in {log_file}; last lines:\n{done.tail(20)}")
        return log_file
