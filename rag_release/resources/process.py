"""Running external programs: the one place processes are started, with output captured."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Completed:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 15) -> str:
        text = (self.stdout + "\n" + self.stderr).strip().splitlines()
        return "\n".join(text[-lines:])


def run(argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
        stdin: bytes | None = None, stdin_file=None, stdout_file=None,
        log_file: Path | None = None, timeout: float | None = None) -> Completed:
    """Run argv without a shell. `env` entries are added to this process's environment, which
    is how secrets reach a child: never through argv. With `log_file`, stdout and stderr are
    written there and the last part of it is returned as stdout."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    argv = [str(a) for a in argv]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "wb") as log:
            proc = subprocess.run(argv, cwd=cwd, env=full_env, stdin=stdin_file,
                                  stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
        data = log_file.read_bytes()[-20000:].decode(errors="replace")
        return Completed(argv, proc.returncode, data, "")
    if stdout_file is not None:
        proc = subprocess.run(argv, cwd=cwd, env=full_env, input=stdin, stdout=stdout_file,
                              stderr=subprocess.PIPE, timeout=timeout)
        return Completed(argv, proc.returncode, "", proc.stderr.decode(errors="replace"))
    proc = subprocess.run(argv, cwd=cwd, env=full_env, input=stdin,
                          stdin=stdin_file if stdin is None else None,
                          capture_output=True, timeout=timeout)
    return Completed(argv, proc.returncode, proc.stdout.decode(errors="replace"),
                     proc.stderr.decode(errors="replace"))


def run_to_file(argv: Sequence[str], out: Path, *, env: Mapping[str, str] | None = None,
                timeout: float | None = None) -> tuple[Completed, str]:
    """Run argv with its stdout written to `out` and hashed on the way: (outcome, sha256)."""
    import hashlib

    full_env = dict(os.environ)
    full_env.update(env or {})
    digest = hashlib.sha256()
    with open(out, "wb") as f, subprocess.Popen([str(a) for a in argv], env=full_env,
                                                stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE) as proc:
        while chunk := proc.stdout.read(1 << 20):
            digest.update(chunk)
            f.write(chunk)
        stderr = proc.stderr.read().decode(errors="replace")
        proc.wait(timeout=timeout)
    return Completed([str(a) for a in argv], proc.returncode, "", stderr), digest.hexdigest()
