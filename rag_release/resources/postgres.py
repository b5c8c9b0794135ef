"""PostgreSQL of an environment, reached by `docker exec`. A backup is a custom-format `pg_dump`
taken in a snapshot exported by a holding session, and the same session counts the rows of
every table, so the counts a drill checks are exactly the rows in the dump."""

from __future__ import annotations

import json
import os
import secrets
import select
import subprocess
import tempfile
import time
from pathlib import Path

from rag_release.commands import backup as cmd
from rag_release.errors import BackupError, BackupIntegrityError
from rag_release.resources.datastores import DataStack

DUMP_MAGIC = b"PGDMP"


class SnapshotSession:
    """A psql session keeping a REPEATABLE READ transaction open while pg_dump runs in the
    snapshot it exported. It is a long-lived child with a pipe on stdin, which the run-and-wait
    helper of resources/process.py cannot give, hence its own Popen."""

    def __init__(self, argv: list[str], env: dict[str, str], timeout: float, where: str):
        self.argv, self.env, self.timeout, self.where = argv, env, timeout, where
        self.snapshot = ""
        self._buffer = b""

    def __enter__(self) -> SnapshotSession:
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(self.argv, env=os.environ | self.env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self._stderr)
        try:
            self._send(f"SET lock_timeout = '{int(self.timeout)}s';\n" + cmd.SNAPSHOT_SQL)
            self.snapshot = self._line("exporting a snapshot")
        except BaseException:
            self.__exit__()
            raise
        return self

    def query(self, sql: str, what: str) -> str:
        self._send(sql + "\n")
        return self._line(what)

    def __exit__(self, *exc) -> None:
        try:
            self._send("COMMIT;\n")
            self._proc.stdin.close()
            self._proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            self._stderr.close()

    def _send(self, text: str) -> None:
        self._proc.stdin.write(text.encode())
        self._proc.stdin.flush()

    def _line(self, what: str) -> str:
        deadline = time.monotonic() + self.timeout
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BackupError(f"{what} in {self.where} took over {self.timeout:.0f} seconds; "
                                  "a long lock on a table may block it, look at pg_stat_activity")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self._proc.wait()
                    self._stderr.seek(0)
                    error = self._stderr.read().decode(errors="replace").strip()[-600:]
                    raise BackupError(f"{what} in {self.where} failed (psql exited "
                                      f"{self._proc.returncode}): {error}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode().strip()


class PostgresClient:
    def __init__(self, stack: DataStack):
        self.stack = stack
        self.user = stack.env.values.get("POSTGRES_USER", "rag")
        self.database = stack.env.values.get("POSTGRES_DB", "rag")

    def dump(self, out: Path) -> dict:
        """Dump the live database to `out`; returns what a drill must find after restoring."""
        container = self.stack.running("postgres", "PostgreSQL backup")
        image = self.stack.image_of(container)
        argv = cmd.psql(container.id, self.user, self.database)
        env = self.stack.docker.env() | {"PGPASSWORD": self.stack.secret("POSTGRES_PASSWORD")}
        timeout = self.stack.config.lock_wait_seconds
        with SnapshotSession(argv, env, timeout, container.name) as session:
            tables = json.loads(session.query(cmd.ROW_COUNTS_SQL, "counting rows"))
            with open(out, "wb") as f:
                self.stack.run(cmd.pg_dump(container.id, self.user, self.database,
                                           session.snapshot, timeout),
                               f"pg_dump of {self.database} in {container.name}", stdout_file=f)
        require_dump(out)
        return {"database": self.database, "user": self.user, "image": image,
                "tables": tables}

    def row_counts(self, container: str, env: dict[str, str] | None = None) -> dict[str, int]:
        done = self.stack.run(cmd.psql(container, self.user, self.database),
                              f"counting rows in {container}", env=env,
                              stdin=cmd.ROW_COUNTS_SQL.encode())
        return json.loads(done.stdout.strip() or "{}")

    def restore(self, dump: Path) -> dict[str, int]:
        """Replace the live database's objects with the dump's, in one transaction: it either
        all applies or nothing changes. Returns the row counts after."""
        container = self.stack.running("postgres", "PostgreSQL restore")
        with open(dump, "rb") as f:
            self.stack.run(cmd.pg_restore(container.id, self.user, self.database, replace=True,
                                          lock_wait_seconds=self.stack.config.lock_wait_seconds),
                           f"pg_restore into {self.database} in {container.name}", stdin_file=f)
        return self.row_counts(container.id)

    def drill(self, dump: Path, expected: dict, labels: dict[str, str]) -> dict[str, int]:
        """Restore the dump into a throwaway server of the image the backup was taken from;
        returns the row counts found there."""
        name = f"rag-drill-{self.stack.name}-postgres-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(18)
        env = {"POSTGRES_PASSWORD": password, "PGPASSWORD": password,
               "POSTGRES_USER": self.user, "POSTGRES_DB": self.database}
        try:
            image = self.stack.drill_image(expected["image"], "postgres")
            self.stack.run(cmd.create(name, image, labels, sorted(env)),
                           f"creating drill container {name}", env=env)
            self.stack.run(cmd.lifecycle("start", [name]), f"starting {name}")
            self.stack.wait_until(
                lambda: self.stack.run(cmd.pg_isready(name, self.user, self.database),
                                       f"probing {name}", check=False, env=env).ok,
                "the drill PostgreSQL", name)
            with open(dump, "rb") as f:
                done = self.stack.run(cmd.pg_restore(name, self.user, self.database,
                                                     replace=False),
                                      f"pg_restore into {name}", env=env, stdin_file=f,
                                      check=False)
            if not done.ok:
                raise BackupIntegrityError(f"pg_restore of postgres.dump into a fresh server "
                                           f"failed: {done.tail(4)}")
            return self.row_counts(name, env)
        finally:
            self.stack.remove([name])


def require_dump(path: Path) -> None:
    """A custom-format archive starts with PGDMP; anything else is not a pg_dump archive."""
    with open(path, "rb") as f:
        head = f.read(len(DUMP_MAGIC))
    if head != DUMP_MAGIC:
        raise BackupIntegrityError(
            f"{path.name} is not a pg_dump custom-format archive ({len(head)} bytes of header "
            f"read); the dump was cut short, look at the errors above")

