"""The release config: any layout releasable by configuration, and errors naming file and key."""

import textwrap
from pathlib import Path

import pytest

from rag_release.config.release_config import load_release_config
from rag_release.errors import ConfigError


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


RAD = {
    "rad-be/package.json": '{"name": "rad-be", "scripts": {"build": "nest build"}}',
    "rad-fe/package.json": '{"name": "rad-fe", "scripts": {"build": "ng build"}}',
    "DevOps/builder/.global-version": "version: 0.01\n",
    "Docker/Images/rad-be/Dockerfile": "FROM node:18-bookworm-slim\nCOPY dist /app\n",
    "Docker/Images/rad-fe/Dockerfile": "FROM nginx:1.22-bookworm\nCOPY dist /usr/share/nginx\n",
    "release.yaml": """\
        application: rad
        version:
          file: DevOps/builder/.global-version
          pattern: 'version:\\s*(\\S+)'
        components:
          backend:
            path: rad-be
            install: npm ci
            build: npx nest build
            outputs: [dist]
            image: {name: rad/be, dockerfile: Docker/Images/rad-be/Dockerfile, context: rad-be}
          frontend:
            path: rad-fe
            install: npm ci
            build: npx ng build --configuration production
            outputs: [dist/rad-fe]
            image: {name: rad/fe, dockerfile: Docker/Images/rad-fe/Dockerfile, context: rad-fe}
        """,
}


def test_rad_layout_is_described_by_config_alone(tmp_path):
    write(tmp_path, RAD)
    config = load_release_config(tmp_path / "release.yaml")

    assert config.resolve_version() == "0.01"
    backend = config.components["backend"]
    assert backend.path == tmp_path / "rad-be"
    assert backend.build == ("npx", "nest", "build")
    assert backend.image.dockerfile == tmp_path / "Docker/Images/rad-be/Dockerfile"
    assert config.components["frontend"].outputs == ("dist/rad-fe",)
    assert "dist/rad-fe" in config.components["frontend"].excludes


def test_rad_layout_gives_assets_per_component(tmp_path, monkeypatch):
    write(tmp_path, RAD)
    monkeypatch.setenv("RAG_RELEASE_HOME", str(tmp_path / "home"))
    from rag_release.definitions import build_defs

    keys = {k.to_user_string() for k in
            build_defs(tmp_path / "release.yaml").resolve_asset_graph().get_all_asset_keys()}
    assert {"backend_build", "backend_tarball", "backend_image", "frontend_build",
            "frontend_tarball", "frontend_image", "release_manifest"} <= keys


@pytest.mark.parametrize("edit, key, words", [
    (lambda t: t.replace("path: rad-be", "path: rad-bee"), "components.backend.path",
     "does not exist"),
    (lambda t: t.replace("outputs: [dist]", "output: [dist]"), "components.backend.output",
     "did you mean 'outputs'"),
    (lambda t: t.replace("Docker/Images/rad-be/Dockerfile", "Docker/rad-be/Dockerfile"),
     "components.backend.image.dockerfile", "not found"),
    (lambda t: t.replace("pattern: 'version:\\s*(\\S+)'", "pattern: 'version'"),
     "version.pattern", "capture group"),
    (lambda t: t.replace("application: rad", "application: rad\nbogus: 1"), "bogus",
     "unknown key"),
    (lambda t: t.replace("name: rad/be", "name: Rad/BE:latest"), "components.backend.image.name",
     "not a valid image repository name"),
])
def test_config_errors_name_file_and_key(tmp_path, edit, key, words):
    write(tmp_path, RAD)
    path = tmp_path / "release.yaml"
    path.write_text(edit(path.read_text()))

    with pytest.raises(ConfigError) as raised:
        load_release_config(path)

    message = str(raised.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert words in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "release.yaml"
    path.write_text("application: x\ncomponents: [\n")
    with pytest.raises(ConfigError, match=rf"{path}:\d+: not valid YAML"):
        load_release_config(path)


def test_version_from_package_json_and_bad_version(tmp_path):
    write(tmp_path, {"app/package.json": '{"version": "2.3.4"}', "release.yaml": """\
        application: x
        version: {json: app/package.json}
        components:
          app: {path: app}
        """})
    assert load_release_config(tmp_path / "release.yaml").resolve_version() == "2.3.4"

    (tmp_path / "app/package.json").write_text('{"version": "2.3.4 beta"}')
    with pytest.raises(ConfigError, match="not a usable version"):
        load_release_config(tmp_path / "release.yaml").resolve_version()
