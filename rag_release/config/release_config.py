"""The release config: which components an application has and how each is built and packaged.

Paths in the file are relative to the file's own folder, so a config can sit beside the
application it describes.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from rag_release.config.reader import Section, load_yaml
from rag_release.errors import ConfigError

DEFAULT_EXCLUDES = (".git", "node_modules", "__pycache__", ".rag-release-build.log")
IMAGE_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
VERSION_TEXT = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$")


@dataclass(frozen=True)
class ImageSpec:
    name: str
    dockerfile: Path
    context: Path
    build_args: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Component:
    name: str
    path: Path
    install: tuple[str, ...]
    build: tuple[str, ...]
    outputs: tuple[str, ...]
    package: tuple[str, ...]
    excludes: tuple[str, ...]
    package_excludes: tuple[str, ...]
    image: ImageSpec | None

    @property
    def has_build(self) -> bool:
        return bool(self.install or self.build)


@dataclass(frozen=True)
class VersionSource:
    kind: str
    path: Path | None = None
    pattern: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class ReleaseConfig:
    source: Path
    application: str
    root: Path
    version_source: VersionSource
    components: dict[str, Component]
    services: dict[str, str]

    @property
    def images(self) -> dict[str, Component]:
        return {n: c for n, c in self.components.items() if c.image is not None}

    def resolve_version(self) -> str:
        return read_version(self)


def load_release_config(path: str | Path) -> ReleaseConfig:
    path = Path(path).resolve()
    top = Section(str(path), "", load_yaml(path))
    top.only("application", "root", "version", "components", "services")
    root = (path.parent / top.str("root", ".")).resolve()
    if not root.is_dir():
        raise top.error("root", f"directory {root} does not exist")

    components = {n: _component(s, n, root) for n, s in top.sections("components").items()}
    if not components:
        raise top.error("components", "no components; describe at least one")
    services = {}
    for name, image in top.section("services", {}).data.items():
        if not isinstance(image, str) or not image.strip():
            raise top.error(f"services.{name}", "expected an image reference like postgres:15")
        services[str(name)] = image.strip()

    return ReleaseConfig(
        source=path,
        application=top.str("application"),
        root=root,
        version_source=_version_source(top.section("version"), root),
        components=components,
        services=services,
    )


def _component(s: Section, name: str, root: Path) -> Component:
    s.only("path", "install", "build", "outputs", "package", "exclude", "image")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise s.error(None, "component names are lowercase letters, digits and underscores")
    path = (root / s.str("path", name)).resolve()
    if not path.is_dir():
        raise s.error("path", f"directory {path} does not exist; fix the path or create it")
    install = _command(s, "install")
    build = _command(s, "build")
    outputs = s.str_list("outputs", [] if build or install else ["."])
    if (install or build) and not outputs:
        raise s.error("outputs", "a component that builds must name its outputs (e.g. [dist])")
    package = s.str_list("package", outputs)
    for key, paths in (("outputs", outputs), ("package", package)):
        for out in paths:
            if Path(out).is_absolute() or ".." in Path(out).parts:
                raise s.error(key, f"'{out}' must be a path inside the component")
    package_excludes = tuple(DEFAULT_EXCLUDES) + tuple(s.str_list("exclude"))
    excludes = package_excludes
    if build or install:
        excludes += tuple(o for o in outputs if o != ".")
    image = _image(s.section("image"), path, root) if s.has("image") else None
    return Component(name, path, install, build, tuple(outputs), tuple(package), excludes,
                     package_excludes, image)


def _command(s: Section, key: str) -> tuple[str, ...]:
    text = s.str(key, required=False)
    if text is None:
        return ()
    try:
        argv = tuple(shlex.split(text))
    except ValueError as e:
        raise s.error(key, f"cannot split the command ({e})")
    return argv


def _image(s: Section, component_path: Path, root: Path) -> ImageSpec:
    s.only("name", "dockerfile", "context", "build_args")
    name = s.str("name")
    if not IMAGE_NAME.match(name):
        raise s.error("name", f"'{name}' is not a valid image repository name (lowercase, no tag)")
    context = (root / s.str("context")).resolve() if s.has("context") else component_path
    if not context.is_dir():
        raise s.error("context", f"directory {context} does not exist")
    dockerfile = (root / s.str("dockerfile")) if s.has("dockerfile") else context / "Dockerfile"
    if not dockerfile.is_file():
        raise s.error("dockerfile", f"{dockerfile} not found; write it or point to the right file")
    args = {str(k): str(v) for k, v in s.section("build_args", {}).data.items()}
    return ImageSpec(name, dockerfile.resolve(), context, args)


def _version_source(s: Section, root: Path) -> VersionSource:
    s.only("file", "pattern", "json", "key", "git_tag")
    if s.has("git_tag"):
        return VersionSource("git_tag", pattern=s.str("git_tag"))
    if s.has("json"):
        return VersionSource("json", path=root / s.str("json"), key=s.str("key", "version"))
    if s.has("file"):
        pattern = s.str("pattern", required=False)
        if pattern is not None:
            try:
                if re.compile(pattern).groups != 1:
                    raise s.error("pattern", "needs exactly one capture group for the version")
            except re.error as e:
                raise s.error("pattern", f"not a valid regular expression ({e})")
        return VersionSource("file", path=root / s.str("file"), pattern=pattern)
    raise s.error(None, "say where the version comes from: file, json or git_tag")


def read_version(config: ReleaseConfig) -> str:
    src = config.version_source
    where = f"{config.source}: version"
    if src.kind == "git_tag":
        version = _git_tag_version(config.root, src.pattern or "*", where)
    else:
        if not src.path.is_file():
            raise ConfigError(where, None, f"{src.path} not found")
        text = src.path.read_text()
        if src.kind == "json":
            try:
                version = str(json.loads(text)[src.key])
            except (ValueError, KeyError, TypeError):
                raise ConfigError(where, None, f"{src.path} has no '{src.key}' field")
        elif src.pattern:
            match = re.search(src.pattern, text, re.MULTILINE)
            if not match:
                raise ConfigError(where, None, f"{src.path} does not match /{src.pattern}/")
            version = match.group(1)
        else:
            version = text.strip()
    if not VERSION_TEXT.match(version):
        raise ConfigError(where, None,
                          f"'{version}' is not a usable version (letters, digits, .+_-)")
    return version


def _git_tag_version(root: Path, pattern: str, where: str) -> str:
    proc = subprocess.run(
        ["git", "describe", "--tags", "--exact-match", "--match", pattern, "HEAD"],
        cwd=root, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise ConfigError(where, None, f"HEAD carries no tag matching '{pattern}'; tag the commit")
    tag = proc.stdout.strip()
    prefix = pattern.split("*", 1)[0] if "*" in pattern else ""
    return tag[len(prefix):] if tag.startswith(prefix) else tag
