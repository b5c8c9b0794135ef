"""Reproducible tarballs: the same files give the same bytes, whenever and wherever written."""

from __future__ import annotations

import gzip
import os
import tarfile
from pathlib import Path

from rag_release.commands.hashing import Ignore, walk

FIXED_MTIME = 0


def write_reproducible_tarball(root: Path, members: list[str], prefix: str, out,
                               ignore: Ignore | None = None) -> int:
    """Write `members` (paths under root, files or folders) as a gzipped tar to the binary file
    `out`, under `prefix/`, with fixed owners, times and modes and sorted entries. Returns the
    number of files written."""
    entries: dict[str, Path] = {}
    for member in members:
        path = root / member
        if path.is_dir() and not path.is_symlink():
            for rel, file in walk(path, ignore):
                entries[(Path(member) / rel).as_posix()] = file
        elif path.exists() or path.is_symlink():
            entries[Path(member).as_posix()] = path
        else:
            raise FileNotFoundError(path)

    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=FIXED_MTIME) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for rel in sorted(entries):
                _add(tar, entries[rel], f"{prefix}/{rel}".replace("/./", "/"))
    return len(entries)


def _add(tar: tarfile.TarFile, path: Path, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if path.is_symlink():
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
        info.mode = 0o777
        tar.addfile(info)
        return
    info.size = path.stat().st_size
    info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
    with open(path, "rb") as f:
        tar.addfile(info, f)
