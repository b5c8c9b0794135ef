"""argv builders for the docker CLI. Nothing here runs anything."""

from __future__ import annotations

import re
from pathlib import Path

FROM_LINE = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.I | re.M)
ARG_LINE = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?", re.I | re.M)


def server_version() -> list[str]:
    return ["docker", "version", "--format", "{{.Server.Version}}"]


def build(tag: str, dockerfile: Path, context: Path, build_args: dict[str, str],
          labels: dict[str, str], iidfile: Path) -> list[str]:
    argv = ["docker", "build", "-t", tag, "-f", str(dockerfile), "--iidfile", str(iidfile)]
    for key, value in sorted(build_args.items()):
        argv += ["--build-arg", f"{key}={value}"]
    for key, value in sorted(labels.items()):
        argv += ["--label", f"{key}={value}"]
    return argv + [str(context)]


def image_inspect(ref: str, fmt: str = "{{json .}}") -> list[str]:
    return ["docker", "image", "inspect", "--format", fmt, ref]


def tag(source: str, target: str) -> list[str]:
    return ["docker", "tag", source, target]


def push(ref: str) -> list[str]:
    return ["docker", "push", "-q", ref]


def pull(ref: str) -> list[str]:
    return ["docker", "pull", "-q", ref]


def save_to_stdout(ref: str) -> list[str]:
    return ["docker", "save", ref]


def load(archive: Path) -> list[str]:
    return ["docker", "load", "-q", "-i", str(archive)]


def import_rootfs(tag: str) -> list[str]:
    """`docker import` reading a rootfs tar on stdin."""
    return ["docker", "import", "-", tag]


def dockerfile_bases(text: str, build_args: dict[str, str] | None = None) -> list[str]:
    """External images a Dockerfile builds FROM, in order, skipping its own stages and scratch.
    Default ARG values and build args are substituted, as docker does before the first FROM."""
    args = {m.group(1): m.group(2) or "" for m in ARG_LINE.finditer(text)}
    args.update(build_args or {})
    stages: set[str] = set()
    bases: list[str] = []
    for match in FROM_LINE.finditer(text):
        image = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?",
                       lambda m: args.get(m.group(1), m.group(0)), match.group(1))
        if image.lower() not in stages and image != "scratch" and image not in bases:
            bases.append(image)
        if match.group(2):
            stages.add(match.group(2).lower())
    return bases
