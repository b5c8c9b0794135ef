"""Bad input: each a clear one-line error naming the culprit, nothing half-written."""

import re

import dagster as dg

from rag_release.errors import DockerUnavailableError
from rag_release.resources.docker_engine import DockerEngine
from rag_release_tests.conftest import failure_text


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def tarballs(pipeline):
    folder = pipeline.home / "artifacts" / "tarballs"
    return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []


def test_failing_build_shows_its_log_tail_and_writes_nothing(sample_pipeline):
    edit(sample_pipeline.config, "build: npm run build\n    outputs: [dist]\n    image:\n"
         "      name: rag/backend", "build: npm run no-such-script\n    outputs: [dist]\n"
         "    image:\n      name: rag/backend")

    result = sample_pipeline.run("build_job")

    assert not result.success
    text = failure_text(result)
    assert "backend: `npm run no-such-script` exited 1" in text
    assert "Missing script" in text
    assert "backend-1.0.0.tar.gz" not in tarballs(sample_pipeline)
    assert not (sample_pipeline.home / "artifacts" / "releases" / "1.0.0").exists()


def test_missing_build_output_is_named(sample_pipeline):
    edit(sample_pipeline.config, "build: bash build.sh\n    outputs: [wheels]",
         "build: 'true'\n    outputs: [wheelz]")

    result = sample_pipeline.run("build_job")

    assert "nlp: the build finished but its outputs ['wheelz'] are missing" in \
        failure_text(result)


def test_unknown_base_image_names_dockerfile_and_catalog(sample_pipeline):
    dockerfile = sample_pipeline.config.parent / "nlp" / "Dockerfile"
    edit(dockerfile, "FROM python:3.11-slim-bookworm", "FROM example/no-such-python:9")

    result = sample_pipeline.run("build_job")

    text = failure_text(result)
    assert re.search(r"nlp/Dockerfile: FROM example/no-such-python:9 is not a local image, "
                     r"cannot be pulled, and .*catalog.yaml has no recipe for it", text), text
    assert not (sample_pipeline.home / "artifacts" / "releases").exists() or not any(
        (sample_pipeline.home / "artifacts" / "releases").iterdir())


def test_unreachable_engine_is_one_clear_line(sample_pipeline, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")

    result = sample_pipeline.run("build_job")

    text = failure_text(result)
    assert "no Docker engine answers" in text and "start dockerd" in text
    try:
        DockerEngine(host="tcp://127.0.0.1:9").ensure_available()
    except DockerUnavailableError as e:
        assert str(e).startswith("no Docker engine answers at tcp://127.0.0.1:9")
    else:
        raise AssertionError("an engine answered on a closed port")


def test_same_source_gives_same_tarballs_in_two_independent_builds(tmp_path, engine):
    from rag_release_tests.conftest import Pipeline, copy_sample, write_test_envs

    shas = []
    for name in ("one", "two"):
        config = copy_sample(tmp_path / name / "app")
        with dg.instance_for_test() as instance:
            pipeline = Pipeline(config, tmp_path / name / "home",
                                write_test_envs(tmp_path / name / "envs"), instance)
            job = pipeline.defs().resolve_implicit_global_asset_job_def().get_subset(
                asset_selection={dg.AssetKey(k) for k in (
                    "source_snapshot", "backend_build", "frontend_build", "nlp_build",
                    "backend_tarball", "frontend_tarball", "nlp_tarball")})
            result = job.execute_in_process(instance=instance)
            assert result.success
            shas.append({
                m.asset_key.to_user_string(): m.metadata["sha256"].value
                for node in ("backend_tarball", "frontend_tarball", "nlp_tarball")
                for m in result.asset_materializations_for_node(node)})
    assert len(shas[0]) == 3 and shas[0] == shas[1]
