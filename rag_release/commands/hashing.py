"""Content hashes of files and trees; the keys that decide whether work can be skipped."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_text(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class Ignore:
    """Exclusion patterns in the spirit of .dockerignore: globs on the relative path or on any
    leading part of it, with `!pattern` re-including what an earlier pattern excluded."""

    def __init__(self, patterns: Iterable[str]):
        self.rules: list[tuple[bool, str]] = []
        for raw in patterns:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            keep = line.startswith("!")
            pattern = line[1:] if keep else line
            self.rules.append((keep, pattern.strip("/").removeprefix("./")))

    @classmethod
    def from_dockerignore(cls, context: Path, extra: Iterable[str] = ()) -> Ignore:
        file = context / ".dockerignore"
        lines = file.read_text().splitlines() if file.is_file() else []
        return cls(list(extra) + lines)

    def excluded(self, rel: str) -> bool:
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        result = False
        for keep, pattern in self.rules:
            hit = any(fnmatch.fnmatchcase(p, pattern) for p in prefixes)
            if not hit and "/" not in pattern:
                hit = any(fnmatch.fnmatchcase(part, pattern) for part in parts)
            if hit:
                result = not keep
        return result


def walk(root: Path, ignore: Ignore | None = None) -> Iterator[tuple[str, Path]]:
    """Yield (relative posix path, path) of every file and symlink under root, sorted."""
    ignore = ignore or Ignore(())
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        rel_dir = base.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if not ignore.excluded(rel_dir + d))
        for name in sorted(filenames):
            rel = rel_dir + name
            if not ignore.excluded(rel):
                yield rel, base / name
        for d in dirnames:
            if (base / d).is_symlink():
                yield rel_dir + d, base / d


def tree_hash(root: Path, ignore: Ignore | None = None) -> tuple[str, int, int]:
    """sha256 over the names, modes and contents of a tree: (hex, file count, total bytes)."""
    digest = hashlib.sha256()
    files = size = 0
    for rel, path in sorted(walk(root, ignore)):
        if path.is_symlink():
            digest.update(f"L {rel} {os.readlink(path)}\0".encode())
            continue
        executable = os.access(path, os.X_OK)
        digest.update(f"F {rel} {int(executable)} {sha256_file(path)}\0".encode())
        files += 1
        size += path.stat().st_size
    return digest.hexdigest(), files, size
