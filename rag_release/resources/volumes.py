"""Docker volumes of an environment (the n8n data and others) as tarballs. A helper container
mounts the volume and runs tar; containers using the volume are paused meanwhile, so the
tarball is one consistent state of the files."""

from __future__ import annotations

import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path

from rag_release.commands import backup as cmd
from rag_release.errors import BackupIntegrityError
from rag_release.resources.datastores import DataStack

PAST = {"pause": "Paused", "stop": "Stopped"}


class VolumeClient:
    def __init__(self, stack: DataStack):
        self.stack = stack

    @property
    def helper(self) -> str:
        return self.stack.config.helper_image

    def find(self, key: str) -> str | None:
        """The engine's name of the compose volume `key` (`n8n_data`) of the data project."""
        done = self.stack.run(cmd.volumes(self.stack.project, key),
                              f"looking up volume {key} of {self.stack.project}")
        names = done.stdout.split()
        return names[0] if names else None

    def users(self, volume: str) -> list[str]:
        done = self.stack.run(cmd.volume_users(volume), f"listing users of {volume}")
        return done.stdout.split()

    def archive(self, volume: str, out: Path) -> dict:
        """Tar the volume into `out` with its users paused; returns the content digest."""
        with self._quiet(volume, "pause", "unpause"):
            with open(out, "wb") as f:
                self.stack.run(cmd.volume_archive(volume, self.helper),
                               f"archiving volume {volume}", stdout_file=f)
        with open(out, "rb") as f:
            return {"volume": volume} | cmd.tar_digest(f)

    def restore(self, volume: str, tar: Path) -> dict:
        """Replace the volume's files with the tarball's, its users stopped meanwhile."""
        with self._quiet(volume, "stop", "start"):
            self.stack.run(cmd.volume_clear(volume, self.helper), f"emptying volume {volume}")
            self._extract(volume, tar)
        return self.digest(volume)

    def drill(self, tar: Path, labels: dict[str, str]) -> dict:
        """Unpack the tarball into a throwaway volume and digest what landed there."""
        name = f"rag-drill-{self.stack.name}-volume-{secrets.token_hex(4)}"
        try:
            self.stack.run(cmd.create_volume(name, labels), f"creating drill volume {name}")
            self._extract(name, tar)
            return self.digest(name)
        finally:
            self.stack.remove([], [name])

    def digest(self, volume: str) -> dict:
        with tempfile.TemporaryFile() as f:
            self.stack.run(cmd.volume_archive(volume, self.helper),
                           f"archiving volume {volume}", stdout_file=f)
            f.seek(0)
            return cmd.tar_digest(f)

    def _extract(self, volume: str, tar: Path) -> None:
        with open(tar, "rb") as f:
            done = self.stack.run(cmd.volume_extract(volume, self.helper),
                                  f"unpacking {tar.name} into {volume}", stdin_file=f,
                                  check=False)
        if not done.ok:
            raise BackupIntegrityError(f"{tar.name} does not unpack: {done.tail(3)}")

    @contextmanager
    def _quiet(self, volume: str, stop: str, resume: str):
        """Hold the containers using a volume still (paused or stopped) for the block."""
        users = self.users(volume)
        if users:
            self.stack.log.info("%s %d containers using %s while its files are read or "
                                "written", PAST[stop], len(users), volume)
            self.stack.run(cmd.lifecycle(stop, users), f"{stop} users of {volume}")
        try:
            yield
        finally:
            if users:
                self.stack.run(cmd.lifecycle(resume, users), f"{resume} users of {volume}")
