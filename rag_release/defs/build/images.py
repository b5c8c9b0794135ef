"""Images: the base images every Dockerfile needs, one image per built component pushed by
digest and saved as an archive, and the third-party service images mirrored into the registry."""


import time
from pathlib import Path

import dagster as dg

from rag_release.commands import docker as cmd
from rag_release.commands.hashing import Ignore, sha256_file, sha256_text, tree_hash
from rag_release.config.release_config import Component, ReleaseConfig
from rag_release.errors import BaseImageError, DockerCommandError
from rag_release.resources.artifact_store import ArtifactStore
from rag_release.resources.base_images import BaseImageProvider
from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.registry import ImageRegistry


def base_images_asset(config: ReleaseConfig) -> dg.AssetsDefinition:
    @dg.asset(
        group_name="build",
        code_version="1",
        kinds={"docker"},
        description="The FROM images of every Dockerfile, local or made offline, by image ID.",
    )
    def base_images(context: dg.AssetExecutionContext, source_snapshot: dict,
                    docker: DockerEngine, base_image_provider: BaseImageProvider):
        docker.ensure_available()
        found: dict[str, dict] = {}
        for component in config.images.values():
            spec = component.image
            for ref in cmd.dockerfile_bases(spec.dockerfile.read_text(), spec.build_args):
                if ref in found:
                    continue
                image = base_image_provider.ensure(ref, docker, context.log, str(spec.dockerfile))
                found[ref] = {"image_id": image.image_id, "provided_by": image.provided_by}
                context.log.info("Base image %s is %s (%s)", ref, image.image_id[:19],
                                 image.provided_by)
        key = sha256_text(*(f"{r}={v['image_id']}" for r, v in sorted(found.items())))
        return dg.Output(found, data_version=dg.DataVersion(key[:16]),
                         metadata={"images": dg.MetadataValue.json(found)})

    return base_images


def image_asset(component: Component) -> dg.AssetsDefinition:
    spec = component.image
    upstream = f"{component.name}_build" if component.has_build else "source_snapshot"

    @dg.asset(
        name=f"{component.name}_image",
        group_name="build",
        code_version="1",
        kinds={"docker"},
        ins={"upstream": dg.AssetIn(upstream), "source_snapshot": dg.AssetIn("source_snapshot"),
             "base_images": dg.AssetIn("base_images")},
        description=f"Image {spec.name}, built from {spec.dockerfile.name} and pushed by digest.",
    )
    def _image(context: dg.AssetExecutionContext, upstream: dict, source_snapshot: dict,
               base_images: dict, docker: DockerEngine, registry: ImageRegistry,
               artifacts: ArtifactStore):
        started = time.monotonic()
        version = source_snapshot["version"]
        bases = {ref: base_images[ref]["image_id"]
                 for ref in cmd.dockerfile_bases(spec.dockerfile.read_text(), spec.build_args)}
        context_hash = tree_hash(spec.context, Ignore.from_dockerignore(spec.context))[0]
        key = sha256_text(context_hash, sha256_file(spec.dockerfile), repr(sorted(
            spec.build_args.items())), repr(sorted(bases.items())), registry.address)

        record_key = ("cache", "images", f"{component.name}.json")
        record = artifacts.read_json(*record_key, default={})
        skipped = (record.get("key") == key and docker.image_id(record["image_id"]) is not None
                   and registry.has(record["ref"]))
        if skipped:
            context.log.info("Skipped docker build of %s: context, Dockerfile and base images "
                             "unchanged (%s); image %s", spec.name, key[:12], record["ref"])
            ref, image_id = record["ref"], record["image_id"]
        else:
            tag = registry.ref(spec.name, version)
            log_file = Path(artifacts.file("logs", f"{component.name}-image.log"))
            context.log.info("Building %s from %s", tag, spec.dockerfile)
            done = docker.build_image(tag, spec.dockerfile, spec.context, spec.build_args,
                                      {"org.opencontainers.image.version": version,
                                       "org.opencontainers.image.revision":
                                           source_snapshot["revision"]}, log_file)
            if not done.ok:
                raise DockerCommandError(
                    f"{component.name}: docker build of {spec.dockerfile} failed; full log in "
                    f"{log_file}; last lines:\n{done.tail(20)}")
            image_id = done.stdout
            ref = docker.push(tag)
            context.log.info("Pushed %s as %s", tag, ref)
            artifacts.write_json(record_key, {"key": key, "ref": ref, "image_id": image_id})

        archive = artifacts.file("images", f"{component.name}-{image_id.split(':')[-1][:16]}.tar")
        sidecar = archive.with_name(archive.name + ".sha256")
        if not (archive.is_file() and sidecar.is_file()):
            with artifacts.staging("images", archive.name) as tmp:
                archive_sha = docker.save(ref, tmp)
            with artifacts.staging("images", sidecar.name) as tmp:
                tmp.write_text(archive_sha + "\n")
        archive_sha = sidecar.read_text().strip()

        return dg.Output(
            {"component": component.name, "name": spec.name, "ref": ref, "image_id": image_id,
             "base_images": bases, "archive": {"file": str(archive), "sha256": archive_sha,
                                               "size": archive.stat().st_size}},
            data_version=dg.DataVersion(ref.split("@")[1][7:23]),
            metadata={"ref": ref, "digest": ref.split("@")[1], "image_id": image_id,
                      "skipped": skipped, "base_images": dg.MetadataValue.json(bases),
                      "archive": dg.MetadataValue.path(str(archive)),
                      "archive_size": archive.stat().st_size,
                      "duration_s": round(time.monotonic() - started, 3)},
        )

    return _image


def service_images_asset(config: ReleaseConfig) -> dg.AssetsDefinition:
    @dg.asset(
        group_name="build",
        code_version="1",
        kinds={"docker"},
        description="Third-party images the stack runs, mirrored into the registry by digest.",
    )
    def service_images(context: dg.AssetExecutionContext, docker: DockerEngine,
                       registry: ImageRegistry, base_image_provider: BaseImageProvider,
                       artifacts: ArtifactStore):
        docker.ensure_available()
        pinned: dict[str, dict] = {}
        for service, image in sorted(config.services.items()):
            try:
                base = base_image_provider.ensure(image, docker, context.log,
                                                  f"{config.source}: services.{service}")
            except BaseImageError:
                context.log.warning("Service %s (%s) has no image on this host and none can be "
                                    "made or pulled; the stack runs without it", service, image)
                pinned[service] = {"image": image, "ref": None, "image_id": None,
                                   "note": "not available on this host"}
                continue
            pinned[service] = {"image": image, "image_id": base.image_id, "note": "",
                               "ref": _mirror(image, base.image_id, docker, registry, artifacts)}
            context.log.info("Service %s runs %s", service, pinned[service]["ref"])
        key = sha256_text(*(f"{s}={v['ref']}" for s, v in sorted(pinned.items())))
        return dg.Output(pinned, data_version=dg.DataVersion(key[:16]),
                         metadata={"services": dg.MetadataValue.json(pinned)})

    return service_images


def _mirror(image: str, image_id: str, docker: DockerEngine, registry: ImageRegistry,
            artifacts: ArtifactStore) -> str:
    name, _, tag = image.partition(":")
    target = registry.ref(f"mirror/{name.split('/')[-1]}", tag or "latest")
    record_key = ("cache", "mirror", f"{name.replace('/', '_')}-{tag or 'latest'}.json")
    record = artifacts.read_json(*record_key, default={})
    if record.get("image_id") == image_id and registry.has(record["ref"]):
        return record["ref"]
    repo = target.rsplit(":", 1)[0]
    for pushed in (docker.image_info(image) or {}).get("RepoDigests", []):
        if pushed.startswith(repo + "@") and registry.has(pushed):
            artifacts.write_json(record_key, {"image_id": image_id, "ref": pushed})
            return pushed
    docker.tag(image, target)
    ref = docker.push(target)
    artifacts.write_json(record_key, {"image_id": image_id, "ref": ref})
    return ref
