import json
import shutil
import subprocess

import dagster as dg
import httpx
import pytest

from rag_release_tests.conftest import Pipeline, copy_sample, failure_text, write_test_envs

STACK_PREFIX = "ragtest-"


def remove_test_stacks() -> None:
    """Remove every container, volume and network of the test environments."""
    def ids(kind, *args):
        out = subprocess.run(["docker", kind, "ls", "-q", *args], capture_output=True,
                             text=True).stdout.split()
        return out

    for ctr in subprocess.run(["docker", "ps", "-aq", "--filter",
                               "label=com.docker.compose.project"], capture_output=True,
                              text=True).stdout.split():
        project = subprocess.run(["docker", "inspect", "-f",
                                  '{{index .Config.Labels "com.docker.compose.project"}}', ctr],
                                 capture_output=True, text=True).stdout.strip()
        if project.startswith(STACK_PREFIX):
            subprocess.run(["docker", "rm", "-f", "-v", ctr], capture_output=True)
    for volume in ids("volume", "--filter", f"name={STACK_PREFIX}"):
        subprocess.run(["docker", "volume", "rm", "-f", volume], capture_output=True)
    for network in ids("network", "--filter", f"name={STACK_PREFIX}"):
        subprocess.run(["docker", "network", "rm", network], capture_output=True)


def get(url: str) -> httpx.Response:
    return httpx.get(url, verify=False, timeout=5)


def live_version(env: str) -> dict:
    port = {"dev": 51443, "staging": 52443, "prod": 53443}[env]
    return get(f"https://127.0.0.1:{port}/api/version").json()


@pytest.fixture(scope="package")
def stack(tmp_path_factory, engine):
    """Releases 1.0.0 and 1.0.1 of the sample built into a home of their own, and test
    environments with their own ports and stack names."""
    remove_test_stacks()
    root = tmp_path_factory.mktemp("deploy")
    config = copy_sample(root / "app")
    envs = write_test_envs(root / "envs", waive="backups,monitoring",
                           dev={"HEALTH_DEADLINE_SECONDS": "25"},
                           staging={"ROLLBACK_WINDOW_SECONDS": "600"})
    with dg.instance_for_test() as instance:
        pipeline = Pipeline(config, root / "home", envs, instance)
        for version in ("1.0.0", "1.0.1"):
            (config.parent / "VERSION").write_text(version + "\n")
            result = pipeline.run("build_job")
            assert result.success, failure_text(result)
        yield pipeline
    remove_test_stacks()


def derived_release(pipeline: Pipeline, source: str, version: str, **images: str) -> None:
    """Store a release made from another one's manifest with some image references changed,
    the way a broken or tampered release would look to the deployer."""
    releases = pipeline.home / "artifacts" / "releases"
    manifest = json.loads((releases / source / "manifest.json").read_text())
    manifest["version"] = version
    for component, ref in images.items():
        manifest["components"][component]["image"]["ref"] = ref
    (releases / version).mkdir(exist_ok=True)
    (releases / version / "manifest.json").write_text(json.dumps(manifest))


def state(pipeline: Pipeline, env: str) -> dict:
    return json.loads((pipeline.home / "deploy" / env / "state.json").read_text())


def copy_state(pipeline: Pipeline, env: str, target) -> None:
    shutil.copyfile(pipeline.home / "deploy" / env / "state.json", target)


def deploy(pipeline: Pipeline, env: str, release: str = "", **tags):
    """Run the deploy job of an environment (the promotion job for staging and prod)."""
    ops = {f"{env}_deployment": {"release": release}}
    if env != "dev":
        ops[f"{env}_gate"] = {"release": release}
    job = "deploy_dev_job" if env == "dev" else f"promote_{env}_job"
    return pipeline.run(job, ops, tags={"rag_release/launched_by": "tests", **tags})


def ensure_live(pipeline: Pipeline, chain: list[tuple[str, str]]) -> None:
    """Deploy each (env, version) in order unless it already runs there."""
    for env, version in chain:
        path = pipeline.home / "deploy" / env / "state.json"
        live = json.loads(path.read_text()).get("live") if path.is_file() else None
        if not live or live["version"] != version:
            result = deploy(pipeline, env, version)
            assert result.success, failure_text(result)
