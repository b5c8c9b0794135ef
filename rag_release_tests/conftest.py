"""Fixtures shared by the test domains: a copy of the sample application, an isolated
rag_release home and Dagster instance, and a helper that runs the pipeline's jobs."""

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.registry import ImageRegistry

REPO = Path(__file__).resolve().parents[1]
SAMPLE_IGNORE = shutil.ignore_patterns("node_modules", "dist", "wheels", "__pycache__")

TEST_PORTS = {"dev": 51, "staging": 52, "prod": 53}
TEST_SECRETS = {
    f"{env.upper()}_{name}": f"test-{env}-{name.lower().replace('_', '-')}-s3cr3t-value"
    for env in TEST_PORTS
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "JWT_SECRET", "N8N_ENCRYPTION_KEY")
}


def copy_sample(target: Path) -> Path:
    shutil.copytree(REPO / "sample", target, ignore=SAMPLE_IGNORE)
    return target / "release.yaml"


def write_test_envs(folder: Path, waive: str = "", **overrides: dict[str, str]) -> Path:
    """Copies of envs/*.env on ports of their own (5x080, 5x443, 5x081), so tests never touch
    the demo's environments."""
    folder.mkdir(parents=True, exist_ok=True)
    for env, prefix in TEST_PORTS.items():
        lines = []
        for line in (REPO / "envs" / f"{env}.env").read_text().splitlines():
            key = line.split("=", 1)[0]
            if key == "EDGE_HTTP_PORT":
                line = f"{key}={prefix}080"
            elif key == "EDGE_HTTPS_PORT":
                line = f"{key}={prefix}443"
            elif key == "EDGE_PREVIEW_PORT":
                line = f"{key}={prefix}081"
            elif key == "ENV_NAME":
                line = f"{key}={env}"
            if key in overrides.get(env, {}):
                line = f"{key}={overrides[env].pop(key)}"
            lines.append(line)
        lines += [f"{k}={v}" for k, v in overrides.get(env, {}).items()]
        lines.append(f"STACK_NAME=ragtest-{env}")
        if waive:
            lines.append(f"READINESS_WAIVE={waive}")
        (folder / f"{env}.env").write_text("\n".join(lines) + "\n")
    return folder


class Pipeline:
    """The code location built for one release config and one home, and a way to run its
    jobs against an instance of its own."""

    def __init__(self, config: Path, home: Path, envs: Path, instance: dg.DagsterInstance):
        self.config, self.home, self.envs, self.instance = config, home, envs, instance

    def environ(self) -> dict[str, str]:
        return {"RAG_RELEASE_CONFIG": str(self.config), "RAG_RELEASE_HOME": str(self.home),
                "RAG_RELEASE_ENVS": str(self.envs)}

    def defs(self) -> dg.Definitions:
        from rag_release.definitions import build_defs

        os.environ.update(self.environ())
        return build_defs(self.config)

    def run(self, job: str, ops: dict | None = None, tags: dict | None = None):
        config = {"ops": {op: {"config": c} for op, c in (ops or {}).items()}}
        return self.defs().resolve_job_def(job).execute_in_process(
            instance=self.instance, run_config=config, raise_on_error=False, tags=tags)


def failure_text(result) -> str:
    """Every failure and failed check message of a run, for asserting on what the user reads."""
    texts = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error is not None:
                texts.append(error.message)
                error = error.cause
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            if not event.event_specific_data.passed:
                texts.append(event.event_specific_data.description or "")
    return "\n".join(texts)


@pytest.fixture(scope="session")
def engine() -> DockerEngine:
    docker = DockerEngine()
    docker.ensure_available()
    ImageRegistry().ping()
    return docker


@pytest.fixture(scope="session", autouse=True)
def test_secrets():
    saved = {k: os.environ.get(k) for k in TEST_SECRETS}
    os.environ.update(TEST_SECRETS)
    yield TEST_SECRETS
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session", autouse=True)
def restore_environ():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture()
def instance():
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture(scope="session")
def sample_release(tmp_path_factory, engine):
    """Release 1.0.0 of the sample application, built once per session in a home of its own;
    returns the path of its manifest."""
    root = tmp_path_factory.mktemp("sample-release")
    config = copy_sample(root / "app")
    with dg.instance_for_test() as instance:
        result = Pipeline(config, root / "home", write_test_envs(root / "envs"),
                          instance).run("build_job")
        assert result.success, failure_text(result)
    return root / "home" / "artifacts" / "releases" / "1.0.0" / "manifest.json"
