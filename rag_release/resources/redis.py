"""Redis of an environment, reached by `docker exec` and redis-cli. A backup is the RDB file of a
BGSAVE this client started and saw finish, copied out of the container."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from rag_release.commands import backup as cmd
from rag_release.errors import BackupError, BackupIntegrityError, DatastoreUnavailableError
from rag_release.resources.datastores import Container, DataStack

RDB_MAGIC = b"REDIS"
ERROR_REPLIES = ("ERR", "NOAUTH", "WRONGPASS", "LOADING", "MISCONF", "NOPERM")


class RedisClient:
    def __init__(self, stack: DataStack):
        self.stack = stack

    def cli(self, container: str, args: list[str], what: str, auth: bool = True) -> str:
        """A redis-cli reply; redis-cli exits 0 on error replies, so the text is checked."""
        done = self.stack.run(cmd.redis_cli(container, args, auth=auth), what, check=False)
        reply = done.stdout.strip()
        if not done.ok or reply.startswith(ERROR_REPLIES) or "AUTH failed" in done.stderr:
            answer = (reply or done.stderr.strip() or f"exit {done.returncode}").splitlines()[0]
            raise DatastoreUnavailableError(f"{what}: Redis answered '{answer}'; check that "
                                            "REDIS_PASSWORD resolves to the server's password")
        return reply

    def info(self, container: str, what: str) -> dict[str, str]:
        return cmd.parse_info(self.cli(container, ["INFO", "persistence", "keyspace"], what))

    def save(self, out: Path) -> dict:
        """BGSAVE, wait until this save (not an earlier one) finished, copy the RDB to `out`.
        The key counts before and after bound what the RDB holds."""
        container = self.stack.running("redis", "Redis backup")
        image = self.stack.image_of(container)
        before = self._idle(container)
        reply = self.cli(container.id, ["BGSAVE"], f"BGSAVE in {container.name}")
        self.stack.log.info("Redis of %s: %s", self.stack.name, reply)
        after = self._saved(container, before)
        path = self._rdb_path(container.id)
        with open(out, "wb") as f:
            self.stack.run(cmd.read_file(container.id, path),
                           f"copying {path} out of {container.name}", stdout_file=f)
        require_rdb(out)
        return {"image": image, "rdb": path,
                "keyspace": keyspace_bounds(cmd.parse_keyspace(before),
                                            cmd.parse_keyspace(after))}

    def restore(self, rdb: Path) -> dict[str, dict[str, int]]:
        """Stop Redis, put the RDB in place of its dump file, start it, wait until loaded.
        Redis saves on shutdown, so the file is replaced only once it stopped."""
        container = self.stack.running("redis", "Redis restore")
        aof = self.cli(container.id, ["CONFIG", "GET", "appendonly"], "reading appendonly")
        if aof.splitlines()[-1:] == ["yes"]:
            raise BackupError(f"Redis of {self.stack.name} runs with appendonly yes and would "
                              "load its AOF instead of the RDB; turn appendonly off, restore, "
                              "then turn it on again")
        path = self._rdb_path(container.id)
        self.stack.run(cmd.lifecycle("stop", [container.id]), f"stopping {container.name}")
        self.stack.run(cmd.copy_into(rdb, container.id, path),
                       f"copying the RDB into {container.name}")
        self.stack.run(cmd.lifecycle("start", [container.id]), f"starting {container.name}")
        self._wait_loaded(container.id, container.name, auth=True)
        return cmd.parse_keyspace(self.info(container.id, "reading the keyspace"))

    def drill(self, rdb: Path, expected: dict, labels: dict[str, str]) -> dict:
        """Load the RDB into a throwaway Redis of the backup's image; returns its keyspace."""
        name = f"rag-drill-{self.stack.name}-redis-{secrets.token_hex(4)}"
        try:
            image = self.stack.drill_image(expected["image"], "redis")
            self.stack.run(cmd.create(name, image, labels),
                           f"creating drill container {name}")
            self.stack.run(cmd.copy_into(rdb, name, "/data/dump.rdb"),
                           f"copying the RDB into {name}")
            self.stack.run(cmd.lifecycle("start", [name]), f"starting {name}")
            try:
                self._wait_loaded(name, name, auth=False)
            except DatastoreUnavailableError as e:
                raise BackupIntegrityError(
                    f"redis.rdb did not load into a fresh Redis: {e}") from e
            reply = self.cli(name, ["INFO", "keyspace"], "reading the keyspace", auth=False)
            return cmd.parse_keyspace(cmd.parse_info(reply))
        finally:
            self.stack.remove([name])

    def _idle(self, container: Container) -> dict[str, str]:
        """INFO once no save runs: a BGSAVE asked for during another one would be refused."""
        return self._poll(container, "an earlier save to finish",
                          lambda info: info.get("rdb_bgsave_in_progress") == "0")

    def _saved(self, container: Container, before: dict[str, str]) -> dict[str, str]:
        def done(info: dict[str, str]) -> bool:
            if info.get("rdb_bgsave_in_progress") != "0":
                return False
            if "rdb_saves" in info:
                return int(info["rdb_saves"]) > int(before.get("rdb_saves", 0))
            return info.get("rdb_last_save_time") != before.get("rdb_last_save_time")

        info = self._poll(container, "BGSAVE to finish", done)
        if info.get("rdb_last_bgsave_status") != "ok":
            raise BackupError(f"BGSAVE in {container.name} failed (rdb_last_bgsave_status "
                              f"{info.get('rdb_last_bgsave_status')}); the Redis log says why, "
                              "often a full disk under its data volume")
        return info

    def _poll(self, container: Container, what: str, ready) -> dict[str, str]:
        deadline = time.monotonic() + self.stack.config.save_timeout_seconds
        while True:
            info = self.info(container.id, f"waiting for {what} in {container.name}")
            if ready(info):
                return info
            if time.monotonic() > deadline:
                raise BackupError(f"Redis in {container.name}: gave up waiting for {what} "
                                  f"after {self.stack.config.save_timeout_seconds} seconds")
            time.sleep(0.2)

    def _rdb_path(self, container: str) -> str:
        reply = self.cli(container, ["CONFIG", "GET", "dir", "dbfilename"],
                         "reading where the RDB file is").splitlines()
        settings = dict(zip(reply[::2], reply[1::2], strict=False))
        return f"{settings.get('dir', '/data')}/{settings.get('dbfilename', 'dump.rdb')}"

    def _wait_loaded(self, container: str, label: str, auth: bool) -> None:
        def pong() -> bool:
            done = self.stack.run(cmd.redis_cli(container, ["PING"], auth=auth),
                                  f"probing {label}", check=False)
            return done.ok and done.stdout.strip() == "PONG"

        self.stack.wait_until(pong, f"Redis in {label}", container)


def keyspace_bounds(before: dict, after: dict) -> dict[str, dict[str, int]]:
    """Per database, the fewest and most keys seen around the save: writes during the fork
    move the count, and the RDB holds a number between the two."""
    bounds = {}
    for db in sorted(set(before) | set(after)):
        low = before.get(db, {"keys": 0, "expires": 0})
        high = after.get(db, {"keys": 0, "expires": 0})
        bounds[db] = {"keys_min": min(low["keys"], high["keys"]),
                      "keys_max": max(low["keys"], high["keys"]),
                      "expires": max(low["expires"], high["expires"])}
    return bounds


def require_rdb(path: Path) -> None:
    with open(path, "rb") as f:
        head = f.read(len(RDB_MAGIC))
    if head != RDB_MAGIC:
        raise BackupIntegrityError(f"{path.name} is not a Redis RDB file ({len(head)} bytes of "
                                   "header read); the copy was cut short, look at the errors above")
