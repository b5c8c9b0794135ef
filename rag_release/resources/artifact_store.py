"""The artifact store: a folder holding tarballs, image archives, release manifests and the
caches that let unchanged work be skipped. Writes are atomic: a file appears whole or not."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from rag_release.commands.hashing import sha256_file
from rag_release.errors import ReleaseImmutableError


class ArtifactStore(dg.ConfigurableResource):
    root: str

    @property
    def path(self) -> Path:
        return Path(self.root)

    def file(self, *parts: str) -> Path:
        return self.path.joinpath(*parts)

    @contextmanager
    def staging(self, *parts: str):
        """A temporary path beside the final one; renamed into place only if the block ends
        without an error, so nothing half-written is ever visible under the final name."""
        final = self.file(*parts)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", dir=final.parent)
        os.close(fd)
        try:
            yield Path(tmp)
            os.replace(tmp, final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def put_immutable(self, parts: tuple[str, ...], write: Callable[[Path], None],
                      what: str, fix: str) -> tuple[Path, str, bool]:
        """Write an artifact once. Returns (path, sha256, written). If the artifact exists with
        the same bytes nothing is written; with other bytes, ReleaseImmutableError."""
        final = self.file(*parts)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", dir=final.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            write(tmp)
            sha = sha256_file(tmp)
            if final.exists():
                existing = sha256_file(final)
                if existing != sha:
                    raise ReleaseImmutableError(
                        f"{what} already exists as {final} with sha256 {existing[:12]}, and this "
                        f"build gives {sha[:12]}; a released version never changes: {fix}")
                return final, sha, False
            os.replace(tmp, final)
            return final, sha, True
        finally:
            tmp.unlink(missing_ok=True)

    def read_json(self, *parts: str, default=None):
        path = self.file(*parts)
        if not path.is_file():
            return default
        return json.loads(path.read_text())

    def write_json(self, parts: tuple[str, ...], data) -> Path:
        with self.staging(*parts) as tmp:
            tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return self.file(*parts)

    def replace_tree(self, parts: tuple[str, ...], source: Path) -> Path:
        """Copy a folder into the store under `parts`, replacing what was there atomically."""
        final = self.file(*parts)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
        try:
            shutil.copytree(source, tmp, symlinks=True, dirs_exist_ok=True)
            old = final.with_name(f".old-{final.name}")
            if final.exists():
                os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return final
