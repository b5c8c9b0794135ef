"""Base images for hosts that cannot pull: a local image is used as it is; a missing one is made
from the offline catalog (debootstrap, a Dockerfile, or a saved tarball) or pulled."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from rag_release.commands import docker as cmd
from rag_release.config.reader import Section, load_yaml
from rag_release.errors import BaseImageError
from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.process import run


@dataclass(frozen=True)
class BaseImage:
    ref: str
    image_id: str
    provided_by: str


class BaseImageProvider(dg.ConfigurableResource):
    catalog: str
    work_dir: str = "/var/tmp/rag-release-base"

    def recipes(self) -> dict[str, Section]:
        path = Path(self.catalog)
        if not path.is_file():
            return {}
        return {str(k): Section(str(path), str(k), v) for k, v in load_yaml(path).items()}

    def ensure(self, ref: str, docker: DockerEngine, log, wanted_by: str) -> BaseImage:
        """Make `ref` available locally and return its content-addressed image ID."""
        image_id = docker.image_id(ref)
        if image_id:
            return BaseImage(ref, image_id, "local")

        recipe = self.recipes().get(ref)
        if recipe is not None:
            log.info("Making base image %s from the offline catalog %s", ref, self.catalog)
            self._make(ref, recipe, docker, log)
            return BaseImage(ref, docker.image_id(ref), f"catalog:{self.catalog}")

        log.info("Pulling base image %s, which is neither local nor in the catalog", ref)
        if docker.pull(ref):
            return BaseImage(ref, docker.image_id(ref), "pulled")
        raise BaseImageError(
            f"{wanted_by}: FROM {ref} is not a local image, cannot be pulled, and "
            f"{self.catalog} has no recipe for it; add one there, or `docker load` a saved "
            "copy of the image")

    def _make(self, ref: str, recipe: Section, docker: DockerEngine, log) -> None:
        recipe.only("debootstrap", "dockerfile", "tarball")
        if recipe.has("debootstrap"):
            self._debootstrap(ref, recipe.section("debootstrap"), docker)
        elif recipe.has("dockerfile"):
            folder = Path(self.catalog).parent / recipe.str("dockerfile")
            dockerfile = folder / "Dockerfile"
            if not dockerfile.is_file():
                raise recipe.error("dockerfile", f"{dockerfile} not found")
            for base in cmd.dockerfile_bases(dockerfile.read_text()):
                self.ensure(base, docker, log, str(dockerfile))
            with tempfile.TemporaryDirectory() as tmp:
                done = docker.build_image(ref, dockerfile, folder, {}, {}, Path(tmp) / "log")
            if not done.ok:
                raise BaseImageError(f"building base image {ref} from {dockerfile} failed:\n"
                                     f"{done.tail()}")
        elif recipe.has("tarball"):
            archive = Path(self.catalog).parent / recipe.str("tarball")
            if not archive.is_file():
                raise recipe.error("tarball", f"{archive} not found")
            docker.load(archive)
        else:
            raise recipe.error(None, "give one of debootstrap, dockerfile or tarball")
        if not docker.image_id(ref):
            raise BaseImageError(f"the recipe for {ref} ran but no image {ref} exists; "
                                 f"check that it tags the image as {ref}")

    def _debootstrap(self, ref: str, spec: Section, docker: DockerEngine) -> None:
        spec.only("suite", "variant", "mirror")
        if shutil.which("debootstrap") is None:
            raise BaseImageError(f"making {ref} needs debootstrap; apt-get install debootstrap")
        work = Path(self.work_dir)
        work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            rootfs, archive = Path(tmp) / "rootfs", Path(tmp) / "rootfs.tar"
            argv = ["debootstrap", f"--variant={spec.str('variant', 'minbase')}",
                    spec.str("suite"), str(rootfs)]
            if spec.has("mirror"):
                argv.append(spec.str("mirror"))
            done = run(argv, timeout=900)
            if not done.ok:
                raise BaseImageError(f"debootstrap for {ref} failed: {done.tail(5)}")
            with open(archive, "wb") as out:
                packed = run(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."],
                             stdout_file=out)
            if not packed.ok:
                raise BaseImageError(f"packing the rootfs of {ref} failed: {packed.tail(3)}")
            docker.import_rootfs(archive, ref)
