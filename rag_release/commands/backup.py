"""argv builders for backups, restores and drills, and parsers of what those commands print.

A command that needs a secret names the variable only (`docker exec -e PGPASSWORD ...`); the
resource that runs it puts the value in the docker CLI's environment, so no value ever reaches
an argv list, a process listing or a log line."""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO
from rag_release.commands.hashing import CHUNK

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
VOLUME_LABEL = "com.docker.compose.volume"
DRILL_LABEL = "rag-release.drill"
VOLUME_MOUNT = "/volume"

ROW_COUNTS_SQL = """SELECT coalesce(json_object_agg(t.name, t.n ORDER BY t.name), '{}')
FROM (
  SELECT format('%I.%I', n.nspname, c.relname) AS name,
         (xpath('/row/n/text()', query_to_xml(
             format('SELECT count(*) AS n FROM ONLY %I.%I', n.nspname, c.relname),
             false, true, '')))[1]::text::bigint AS n
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_%'
) t;"""

SNAPSHOT_SQL = ("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\n"
                "SELECT pg_export_snapshot();\n")


def containers(project: str, service: str) -> list[str]:
    """Containers of one compose service, running or not, one JSON object a line."""
    return ["docker", "ps", "--all", "--no-trunc",
            "--filter", f"label={PROJECT_LABEL}={project}",
            "--filter", f"label={SERVICE_LABEL}={service}",
            "--format", "{{json .}}"]


def volumes(project: str, volume: str) -> list[str]:
    return ["docker", "volume", "ls", "--quiet",
            "--filter", f"label={PROJECT_LABEL}={project}",
            "--filter", f"label={VOLUME_LABEL}={volume}"]


def volume_users(volume: str) -> list[str]:
    """Running containers that mount a volume."""
    return ["docker", "ps", "--quiet", "--no-trunc", "--filter", f"volume={volume}"]


def container_image(container: str) -> list[str]:
    return ["docker", "inspect", "--format", "{{.Image}}", container]


def image_id(ref: str) -> list[str]:
    return ["docker", "image", "inspect", "--format", "{{.Id}}", ref]


def container_state(container: str) -> list[str]:
    return ["docker", "inspect", "--format", "{{.State.Status}}", container]


def logs(container: str, lines: int = 20) -> list[str]:
    return ["docker", "logs", "--tail", str(lines), container]


def execute(container: str, argv: Sequence[str], env_names: Iterable[str] = (),
            stdin: bool = False, settings: dict[str, str] | None = None) -> list[str]:
    """`docker exec`; each name in env_names is passed by name, its value taken by the docker
    CLI from its own environment. `settings` are variables that are not secret, given whole."""
    command = ["docker", "exec"] + (["--interactive"] if stdin else [])
    for name in env_names:
        command += ["--env", name]
    for name, value in sorted((settings or {}).items()):
        command += ["--env", f"{name}={value}"]
    return command + [container] + list(argv)


def read_file(container: str, path: str) -> list[str]:
    return execute(container, ["cat", "--", path])


def copy_into(source: Path, container: str, dest: str) -> list[str]:
    return ["docker", "cp", str(source), f"{container}:{dest}"]


def lifecycle(verb: str, containers: Sequence[str]) -> list[str]:
    """`docker stop|start|pause|unpause` of some containers."""
    if verb not in ("stop", "start", "pause", "unpause"):
        raise ValueError(f"unknown container verb {verb}")
    timeout = ["--time", "30"] if verb == "stop" else []
    return ["docker", verb] + timeout + list(containers)


def create(name: str, image: str, labels: dict[str, str], env_names: Iterable[str] = (),
           command: Sequence[str] = ()) -> list[str]:
    """A throwaway container, cut off from every network: only `docker exec` reaches it."""
    argv = ["docker", "create", "--name", name, "--network", "none"]
    for key, value in sorted(labels.items()):
        argv += ["--label", f"{key}={value}"]
    for env_name in env_names:
        argv += ["--env", env_name]
    return argv + [image] + list(command)


def remove(containers: Sequence[str]) -> list[str]:
    """Remove containers and their anonymous volumes (the postgres image declares one)."""
    return ["docker", "rm", "--force", "--volumes"] + list(containers)


def labelled_containers(label: str, value: str) -> list[str]:
    return ["docker", "ps", "--all", "--quiet", "--filter", f"label={label}={value}"]


def labelled_volumes(label: str, value: str) -> list[str]:
    return ["docker", "volume", "ls", "--quiet", "--filter", f"label={label}={value}"]


def create_volume(name: str, labels: dict[str, str]) -> list[str]:
    argv = ["docker", "volume", "create"]
    for key, value in sorted(labels.items()):
        argv += ["--label", f"{key}={value}"]
    return argv + [name]


def remove_volumes(names: Sequence[str]) -> list[str]:
    return ["docker", "volume", "rm", "--force"] + list(names)


def pg_dump(container: str, user: str, database: str, snapshot: str,
            lock_wait_seconds: int) -> list[str]:
    """A custom-format dump on stdout, taken in the snapshot a holding session exported, so it
    sees exactly the rows that session counted."""
    return execute(container, [
        "pg_dump", "--no-password", "--format=custom", f"--username={user}",
        f"--dbname={database}", f"--snapshot={snapshot}",
        f"--lock-wait-timeout={lock_wait_seconds}s"], ["PGPASSWORD"])


def psql(container: str, user: str, database: str) -> list[str]:
    """psql reading statements on stdin and printing bare values, one row a line."""
    return execute(container, [
        "psql", "--no-psqlrc", "--quiet", "--no-align", "--tuples-only", "--no-password",
        "--set=ON_ERROR_STOP=1", f"--username={user}", f"--dbname={database}"],
        ["PGPASSWORD"], stdin=True)


def pg_restore(container: str, user: str, database: str, *, replace: bool,
               lock_wait_seconds: int = 300) -> list[str]:
    """pg_restore of a custom-format dump read on stdin. `replace` drops and recreates the
    objects of the dump in one transaction (a live environment), giving up rather than waiting
    forever on a lock the application holds; without it the dump goes into an empty database,
    owners and grants left out (a throwaway drill database)."""
    argv = ["pg_restore", "--no-password", "--exit-on-error", f"--username={user}",
            f"--dbname={database}"]
    settings = {}
    if replace:
        argv += ["--clean", "--if-exists", "--single-transaction"]
        settings["PGOPTIONS"] = f"-c lock_timeout={lock_wait_seconds}s"
    else:
        argv += ["--no-owner", "--no-privileges"]
    return execute(container, argv, ["PGPASSWORD"], stdin=True, settings=settings)


def pg_isready(container: str, user: str, database: str) -> list[str]:
    """Readiness over TCP inside the container: the entrypoint's initialisation server listens
    on the socket only, so a TCP answer means the real server is up."""
    return execute(container, ["pg_isready", "--quiet", "--host=127.0.0.1",
                               f"--username={user}", f"--dbname={database}"])


def redis_cli(container: str, args: Sequence[str], *, auth: bool = True,
              stdin: bool = False) -> list[str]:
    """redis-cli; with `auth` the password comes from REDISCLI_AUTH, which redis-cli reads."""
    return execute(container, ["redis-cli", "--no-auth-warning"] + list(args),
                   ["REDISCLI_AUTH"] if auth else [], stdin=stdin)


def volume_archive(volume: str, helper_image: str) -> list[str]:
    """A tar of the whole volume on stdout, numeric owners kept, the volume mounted read-only."""
    return ["docker", "run", "--rm", "--network", "none", "--entrypoint", "tar",
            "--volume", f"{volume}:{VOLUME_MOUNT}:ro", helper_image,
            "--create", "--file=-", "--numeric-owner", f"--directory={VOLUME_MOUNT}", "."]


def volume_extract(volume: str, helper_image: str) -> list[str]:
    """Unpack a tar read on stdin into a volume, owners and modes as archived."""
    return ["docker", "run", "--rm", "--interactive", "--network", "none",
            "--entrypoint", "tar", "--volume", f"{volume}:{VOLUME_MOUNT}", helper_image,
            "--extract", "--file=-", "--numeric-owner", "--same-permissions",
            f"--directory={VOLUME_MOUNT}"]


def volume_clear(volume: str, helper_image: str) -> list[str]:
    return ["docker", "run", "--rm", "--network", "none", "--entrypoint", "find",
            "--volume", f"{volume}:{VOLUME_MOUNT}", helper_image,
            VOLUME_MOUNT, "-mindepth", "1", "-delete"]




def parse_info(text: str) -> dict[str, str]:
    """Fields of a Redis INFO reply."""
    fields = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value
    return fields


def parse_keyspace(info: dict[str, str]) -> dict[str, dict[str, int]]:
    """`db0:keys=3,expires=1,avg_ttl=0` as {"db0": {"keys": 3, "expires": 1}}."""
    spaces = {}
    for key, value in info.items():
        if key.startswith("db") and key[2:].isdigit():
            parts = dict(p.split("=", 1) for p in value.split(",") if "=" in p)
            spaces[key] = {"keys": int(parts.get("keys", 0)),
                           "expires": int(parts.get("expires", 0))}
    return dict(sorted(spaces.items()))


def tar_digest(stream: BinaryIO) -> dict:
    """A digest of what a tar holds, independent of member order and times: names, types,
    modes, numeric owners, link targets and contents. Two archives of the same tree agree."""
    entries = []
    files = size = 0
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            name = member.name.removeprefix("./") or "."
            content = ""
            if member.isfile():
                digest = hashlib.sha256()
                source = tar.extractfile(member)
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                content = digest.hexdigest()
                files += 1
                size += member.size
            entries.append(f"{name}\0{_kind(member)}\0{member.mode:o}\0{member.uid}\0"
                           f"{member.gid}\0{member.linkname}\0{content}")
    total = hashlib.sha256()
    for entry in sorted(entries):
        total.update(entry.encode() + b"\n")
    return {"files": files, "bytes": size, "entries": len(entries), "sha256": total.hexdigest()}


def _kind(member: tarfile.TarInfo) -> str:
    """One letter a member type, the same whichever tar variant wrote it."""
    for letter, test in (("f", member.isfile), ("d", member.isdir), ("l", member.issym),
                         ("h", member.islnk), ("c", member.ischr), ("b", member.isblk),
                         ("p", member.isfifo)):
        if test():
            return letter
    return "?"
