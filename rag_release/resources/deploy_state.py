"""What runs where: per environment, the live and previous slots, the deploy history and the
lock that keeps deploys of one environment from interleaving."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from rag_release.errors import LockError

HISTORY_KEPT = 200


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class DeployStateStore(dg.ConfigurableResource):
    """`lock_wait_seconds`: how long a deploy waits for another one of the same environment to
    finish before it gives up."""

    state_dir: str
    lock_wait_seconds: int = 900

    def folder(self, env: str) -> Path:
        path = Path(self.state_dir) / env
        path.mkdir(parents=True, exist_ok=True)
        return path

    def read(self, env: str) -> dict:
        path = self.folder(env) / "state.json"
        if not path.is_file():
            return {"live": None, "previous": None, "history": []}
        return json.loads(path.read_text())

    def write(self, env: str, state: dict) -> None:
        state["history"] = state.get("history", [])[-HISTORY_KEPT:]
        path = self.folder(env) / "state.json"
        tmp = path.with_name(".state.json.new")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)

    def live(self, env: str) -> dict | None:
        return self.read(env).get("live")

    def record(self, env: str, entry: dict) -> None:
        state = self.read(env)
        state.setdefault("history", []).append(entry)
        self.write(env, state)

    @contextmanager
    def lock(self, env: str, holder: str, log=None):
        """Hold the environment's deploy lock; wait for it up to `lock_wait_seconds`."""
        path = self.folder(env) / "deploy.lock"
        with open(path, "a+") as f:
            deadline = time.monotonic() + self.lock_wait_seconds
            waited = False
            while True:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not waited and log is not None:
                        f.seek(0)
                        log.info("Waiting for the deploy lock of %s, held by %s", env,
                                 f.read().strip() or "another deploy")
                    waited = True
                    if time.monotonic() > deadline:
                        f.seek(0)
                        raise LockError(
                            f"another deploy of {env} ({f.read().strip() or 'unknown'}) held the "
                            f"lock for more than {self.lock_wait_seconds} s; wait for it to "
                            "finish, then launch again")
                    time.sleep(0.5)
            f.seek(0)
            f.truncate()
            f.write(f"{holder} since {now_iso()}\n")
            f.flush()
            if log is not None:
                log.info("Acquired the deploy lock of %s", env)
            try:
                yield
            finally:
                f.seek(0)
                f.truncate()
                fcntl.flock(f, fcntl.LOCK_UN)

    def candidate(self, env: str) -> dict | None:
        path = self.folder(env) / "candidate.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def write_candidate(self, env: str, candidate: dict) -> None:
        path = self.folder(env) / "candidate.json"
        tmp = path.with_name(".candidate.json.new")
        tmp.write_text(json.dumps(candidate, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)
