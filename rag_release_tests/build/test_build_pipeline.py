"""The build job on the real sample application: real npm builds, real images pushed to the
local registry, and the release manifest that pins them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag_release.commands.hashing import sha256_file
from rag_release.resources.registry import ImageRegistry
from rag_release_tests.conftest import Pipeline, copy_sample, failure_text, write_test_envs


def git_init(folder):
    for argv in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "x"]):
        subprocess.run(["git", *argv], cwd=folder, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, check=True,
                          capture_output=True, text=True).stdout.strip()


def metadata(result, asset):
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        if materialization.asset_key.to_user_string() == asset:
            return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    raise AssertionError(f"{asset} was not materialized")


@pytest.fixture(scope="module")
def built(tmp_path_factory, engine):
    import dagster as dg

    root = tmp_path_factory.mktemp("built")
    config = copy_sample(root / "app")
    revision = git_init(root / "app")
    with dg.instance_for_test() as instance:
        pipeline = Pipeline(config, root / "home", write_test_envs(root / "envs"), instance)
        first = pipeline.run("build_job")
        assert first.success, failure_text(first)
        yield pipeline, first, revision


def test_manifest_pins_every_artifact_by_content(built):
    pipeline, result, revision = built
    manifest_path = pipeline.home / "artifacts/releases/1.0.0/manifest.json"
    manifest = json.loads(manifest_path.read_text())

    assert manifest["version"] == "1.0.0" and manifest["source_revision"] == revision
    assert set(manifest["components"]) == {"backend", "frontend", "nlp"}
    registry = ImageRegistry()
    for name, component in manifest["components"].items():
        tarball = component["tarball"]
        assert tarball["file"].endswith(f"{name}-1.0.0.tar.gz")
        assert sha256_file(tarball["file"]) == tarball["sha256"]
        assert os.path.getsize(tarball["file"]) == tarball["size"]
        image = component["image"]
        assert image["ref"].startswith(f"127.0.0.1:5000/rag/{name}@sha256:")
        assert registry.has(image["ref"])
        assert all(d.startswith("sha256:") for d in image["base_images"].values())
        assert sha256_file(image["archive"]["file"]) == image["archive"]["sha256"]
    assert manifest["services"]["postgres"]["ref"].startswith("127.0.0.1:5000/mirror/postgres@")
    assert manifest["services"]["qdrant"]["ref"] is None
    assert "not available" in manifest["services"]["qdrant"]["note"]

    recorded = metadata(result, "release_manifest")
    assert recorded["version"] == "1.0.0" and recorded["source_revision"] == revision
    assert metadata(result, "backend_image")["digest"] == manifest["components"]["backend"][
        "image"]["ref"].split("@")[1]


def test_unchanged_inputs_skip_npm_and_docker(built):
    pipeline, _, _ = built
    logs = sorted((pipeline.home / "logs").glob("*.log"))
    stamps = {p: p.stat().st_mtime_ns for p in logs}

    again = pipeline.run("build_job")

    assert again.success, failure_text(again)
    for name in ("backend", "frontend", "nlp"):
        assert metadata(again, f"{name}_build")["skipped"] is True
        assert metadata(again, f"{name}_image")["skipped"] is True
        assert metadata(again, f"{name}_tarball")["written"] is False
    assert {p: p.stat().st_mtime_ns for p in logs} == stamps
    messages = [e.user_message for e in pipeline.instance.all_logs(again.run_id)]
    assert any("Skipped the build of backend" in m for m in messages)
    assert any("Skipped docker build of rag/nlp" in m for m in messages)


def test_cli_build_prints_manifest_and_records_the_run(built, tmp_path):
    pipeline, _, _ = built
    env = dict(os.environ, **pipeline.environ(), DAGSTER_HOME=str(tmp_path))
    cli = str(Path(sys.executable).with_name("rag-release"))
    done = subprocess.run([cli, "build"], env=env, capture_output=True, text=True,
                          timeout=300)

    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout)
    assert printed["version"] == "1.0.0"
    assert printed["components"]["backend"]["image"]["ref"].startswith("127.0.0.1:5000/")
    import dagster as dg

    with dg.DagsterInstance.from_config(str(tmp_path)) as recorded:
        runs = recorded.get_runs()
    assert [r.job_name for r in runs] == ["build_job"]
    assert runs[0].is_success and runs[0].tags["rag_release/launched_by"]


def test_changed_content_under_a_released_version_is_refused(built):
    pipeline, _, _ = built
    manifest_path = pipeline.home / "artifacts/releases/1.0.0/manifest.json"
    before = manifest_path.read_bytes()
    source = pipeline.config.parent / "backend/src/main.ts"
    original = source.read_text()
    source.write_text(original + "\n// changed\n")
    try:
        result = pipeline.run("build_job")
    finally:
        source.write_text(original)

    assert not result.success
    text = failure_text(result)
    assert "release 1.0.0 already exists" in text and "backend" in text
    assert "bump the version" in text
    assert manifest_path.read_bytes() == before
