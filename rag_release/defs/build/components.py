"""Per component: the compiled output (skipped when the sources did not change) and the
versioned, reproducible tarball of it."""


import time
from pathlib import Path

import dagster as dg

from rag_release.commands.hashing import Ignore, sha256_text, tree_hash
from rag_release.commands.tarball import write_reproducible_tarball
from rag_release.config.release_config import Component, ReleaseConfig
from rag_release.errors import BuildFailedError
from rag_release.resources.artifact_store import ArtifactStore
from rag_release.resources.build_tools import BuildTools


def members_hash(component: Component, members: tuple[str, ...]) -> str | None:
    """Hash of some paths of the component, or None when one of them is missing."""
    parts = []
    for out in members:
        path = component.path / out
        if not path.exists():
            return None
        if path.is_dir():
            parts.append(f"{out}={tree_hash(path, Ignore(component.package_excludes))[0]}")
        else:
            parts.append(f"{out}={tree_hash(path.parent, Ignore(['*', '!' + path.name]))[0]}")
    return sha256_text(*parts)


def build_asset(component: Component) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{component.name}_build",
        group_name="build",
        code_version="1",
        kinds={"npm"} if "npm" in component.build + component.install else {"shell"},
        description=f"Compiled output of {component.name} ({', '.join(component.outputs)}).",
    )
    def _build(context: dg.AssetExecutionContext, source_snapshot: dict,
               artifacts: ArtifactStore, build_tools: BuildTools):
        started = time.monotonic()
        source = source_snapshot["components"][component.name]["hash"]
        input_key = sha256_text(source, repr(component.install), repr(component.build))
        record = artifacts.read_json("cache", "builds", f"{component.name}.json", default={})
        current = members_hash(component, component.outputs)

        skipped = record.get("input_key") == input_key and record.get("outputs") == current
        if skipped:
            context.log.info("Skipped the build of %s: sources unchanged (%s) and outputs "
                             "intact", component.name, input_key[:12])
        else:
            for step, argv in (("install", component.install), ("build", component.build)):
                if argv:
                    context.log.info("Running %s of %s: %s", step, component.name,
                                     " ".join(argv))
                    build_tools.run_step(component.name, step, argv, component.path)
            current = members_hash(component, component.outputs)
            if current is None:
                missing = [o for o in component.outputs if not (component.path / o).exists()]
                raise BuildFailedError(
                    f"{component.name}: the build finished but its outputs {missing} are "
                    f"missing from {component.path}; fix `outputs` or the build command")
            artifacts.write_json(("cache", "builds", f"{component.name}.json"),
                                 {"input_key": input_key, "outputs": current})

        return dg.Output(
            {"component": component.name, "source_hash": source, "outputs_hash": current,
             "skipped": skipped},
            data_version=dg.DataVersion(current[:16]),
            metadata={"skipped": skipped, "outputs_hash": current, "source_hash": source,
                      "duration_s": round(time.monotonic() - started, 3)},
        )

    return _build


def tarball_asset(component: Component, config: ReleaseConfig) -> dg.AssetsDefinition:
    upstream = f"{component.name}_build" if component.has_build else "source_snapshot"

    @dg.asset(
        name=f"{component.name}_tarball",
        group_name="build",
        code_version="1",
        kinds={"file"},
        ins={"upstream": dg.AssetIn(upstream), "source_snapshot": dg.AssetIn("source_snapshot")},
        description=f"{component.name}-<version>.tar.gz: the outputs of {component.name}, "
                    "byte-for-byte reproducible.",
    )
    def _tarball(context: dg.AssetExecutionContext, upstream: dict, source_snapshot: dict,
                 artifacts: ArtifactStore):
        started = time.monotonic()
        version = source_snapshot["version"]
        filename = f"{component.name}-{version}.tar.gz"
        content = members_hash(component, component.package)
        record_key = ("cache", "tarballs", f"{filename}.json")
        record = artifacts.read_json(*record_key, default={})
        final = artifacts.file("tarballs", filename)

        if content is None:
            missing = [p for p in component.package if not (component.path / p).exists()]
            raise BuildFailedError(f"{component.name}: package paths {missing} do not exist in "
                                   f"{component.path}; fix `package` in {config.source}")
        if record.get("content") == content and final.is_file():
            path, sha, written = final, record["sha256"], False
            context.log.info("Skipped writing %s: its content is unchanged", filename)
        else:
            files = 0

            def write(tmp: Path) -> None:
                nonlocal files
                with open(tmp, "wb") as out:
                    files = write_reproducible_tarball(
                        component.path, list(component.package), f"{component.name}-{version}",
                        out, Ignore(component.package_excludes))

            path, sha, written = artifacts.put_immutable(
                ("tarballs", filename), write, f"tarball {filename}",
                f"bump the version in {config.version_source.path or 'the git tag'}")
            artifacts.write_json(record_key, {"content": content, "sha256": sha})
            context.log.info("%s %s (%d files), sha256 %s", "Wrote" if written else
                             "Verified existing", filename, files, sha[:12])

        size = path.stat().st_size
        return dg.Output(
            {"component": component.name, "file": str(path), "sha256": sha, "size": size,
             "source_hash": source_snapshot["components"][component.name]["hash"]},
            data_version=dg.DataVersion(sha[:16]),
            metadata={"file": dg.MetadataValue.path(str(path)), "sha256": sha, "size": size,
                      "version": version, "written": written,
                      "duration_s": round(time.monotonic() - started, 3)},
        )

    return _tarball
