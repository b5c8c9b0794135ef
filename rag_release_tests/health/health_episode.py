"""A test environment of its own, with real containers: two releases deployed blue then green,
and dagster-daemon running the fixture code location's sensors on it. Shared by the end-to-end
test and benchmarks/recovery_bench.py.

The two releases reuse the images of the newest release built under the repository's home
folder; only their versions differ, which the backend reports through RELEASE_VERSION."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import httpx

from rag_release import settings
from rag_release.errors import RagReleaseError
from rag_release.model.environment import parse_env_file
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.registry import ImageRegistry

REPO = settings.REPO_ROOT
FIXTURE = Path(__file__).with_name("fixture_location.py")
BIN = Path(sys.executable).parent
PROJECT_LABEL = "com.docker.compose.project"


def newest_release() -> ReleaseManifest | None:
    """The newest built release whose images the registry holds, or None."""
    releases = settings.home() / "artifacts" / "releases"
    manifests = sorted(releases.glob("*/manifest.json"), key=lambda p: p.stat().st_mtime,
                       reverse=True) if releases.is_dir() else []
    registry = ImageRegistry(address=settings.registry_address())
    for path in manifests:
        manifest = ReleaseManifest.load(path)
        try:
            if all(registry.has(ref) for ref in manifest.images().values()):
                return manifest
        except RagReleaseError:
            return None
    return None


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class Episode:
    """`ports` are the edge's HTTP, HTTPS and preview ports; `values` extra env-file keys."""

    def __init__(self, root: Path, env: str, ports: tuple[int, int, int], interval: int,
                 values: dict[str, str], webhook: str = ""):
        self.root, self.env, self.ports, self.interval = root, env, ports, interval
        self.values, self.webhook = values, webhook
        self.home, self.envs, self.dagster_home = root / "home", root / "envs", root / "dagster"
        self.project = f"rag-{env}"
        self.versions: list[str] = []
        self._daemon: subprocess.Popen | None = None

    # -- setting up -------------------------------------------------------------------------

    def prepare(self, base: ReleaseManifest) -> tuple[str, str]:
        """Write the env file, the instance, the workspace and two releases; returns them."""
        self.cleanup()
        for folder in (self.home, self.envs, self.dagster_home):
            folder.mkdir(parents=True, exist_ok=True)
        self._write_env_file()
        (self.dagster_home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
        (self.root / "workspace.yaml").write_text(
            f"load_from:\n  - python_file:\n      relative_path: {FIXTURE}\n"
            f"      working_directory: {REPO}\n      location_name: {self.env}_fixture\n")
        self.versions = [f"{base.version}-{self.env}-a", f"{base.version}-{self.env}-b"]
        for version in self.versions:
            folder = self.home / "artifacts" / "releases" / version
            folder.mkdir(parents=True, exist_ok=True)
            data = base.to_dict() | {"version": version}
            (folder / "manifest.json").write_text(json.dumps(data, indent=2))
        return self.versions[0], self.versions[1]

    def _write_env_file(self) -> None:
        """Written whole, never copied from envs/: a copied STACK_NAME or DOCKER_HOST would
        point the test at a real environment's containers."""
        prefix = self.env.upper()
        values = {
            "ENV_NAME": self.env, "STACK_NAME": self.project, "DOCKER_HOST": "",
            "EDGE_BIND": "127.0.0.1", "EDGE_HTTP_PORT": str(self.ports[0]),
            "EDGE_HTTPS_PORT": str(self.ports[1]), "EDGE_PREVIEW_PORT": str(self.ports[2]),
            "LOG_LEVEL": "warn", "RATE_LIMIT": "1000",
            "BACKEND_REPLICAS": "1", "BACKEND_CPUS": "0.5", "BACKEND_MEMORY": "256m",
            "NLP_REPLICAS": "1", "NLP_CPUS": "0.5", "NLP_MEMORY": "256m",
            "FRONTEND_REPLICAS": "1", "FRONTEND_CPUS": "0.25", "FRONTEND_MEMORY": "64m",
            "POSTGRES_CPUS": "1.0", "POSTGRES_MEMORY": "512m",
            "REDIS_CPUS": "0.5", "REDIS_MEMORY": "256m",
            "ROLLBACK_WINDOW_SECONDS": "600", "HEALTH_DEADLINE_SECONDS": "60",
            "TLS_SELF_SIGNED": "true", "POSTGRES_USER": "rag", "POSTGRES_DB": "rag",
        } | self.values
        refs = {key: f"{prefix}_{key}" for key in ("POSTGRES_PASSWORD", "REDIS_PASSWORD",
                                                  "JWT_SECRET")}
        lines = [f"{k}={v}" for k, v in values.items()]
        lines += [f"{key}=${{{name}}}" for key, name in refs.items()]
        path = self.envs / f"{self.env}.env"
        path.write_text("\n".join(lines) + "\n")
        self.secret_values = {name: secrets.token_hex(16) for name in refs.values()}
        project = parse_env_file(path, self.env).project
        if project != self.project:
            raise AssertionError(f"{path} names compose projects {project}-*, not "
                                 f"{self.project}-*; refusing to touch them")

    def set_values(self, **values: str) -> None:
        """Change keys of the env file in place; the sensor reads it again at its next tick."""
        path = self.envs / f"{self.env}.env"
        lines = [line for line in path.read_text().splitlines()
                 if line.split("=", 1)[0] not in values]
        path.write_text("\n".join(lines + [f"{k}={v}" for k, v in values.items()]) + "\n")

    def environ(self) -> dict[str, str]:
        env = dict(os.environ) | self.secret_values | {
            "DAGSTER_HOME": str(self.dagster_home), "RAG_RELEASE_HOME": str(self.home),
            "RAG_RELEASE_ENVS": str(self.envs), "RAG_RELEASE_FIXTURE_ENV": self.env,
            "RAG_RELEASE_HEALTH_INTERVAL": str(self.interval),
            "RAG_RELEASE_ALERT_WEBHOOK": self.webhook, "RAG_RELEASE_USER": "health-episode"}
        env.pop("RAG_RELEASE_HEALTH_FAILURES", None)
        return env

    def deploy(self, version: str) -> None:
        config = self.root / f"deploy-{version}.json"
        config.write_text(json.dumps({"ops": {f"{self.env}_deployment": {"config": {
            "release": version, "reason": "health episode"}}}}))
        done = subprocess.run([str(BIN / "dagster"), "job", "execute", "-f", str(FIXTURE),
                               "-j", f"deploy_{self.env}_job", "-c", str(config)],
                              cwd=self.root, env=self.environ(), capture_output=True, text=True,
                              timeout=300, check=False)
        if done.returncode != 0 or self.state()["live"]["version"] != version:
            raise AssertionError(f"deploying {version} failed:\n{done.stdout[-3000:]}\n"
                                 f"{done.stderr[-3000:]}")

    def start_daemon(self) -> None:
        with open(self.root / "daemon.log", "wb") as log:
            self._daemon = subprocess.Popen(
                [str(BIN / "dagster-daemon"), "run", "-w", str(self.root / "workspace.yaml")],
                cwd=self.root, env=self.environ(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def stop_daemon(self) -> None:
        if self._daemon is None or self._daemon.poll() is not None:
            return
        os.killpg(self._daemon.pid, signal.SIGTERM)
        try:
            self._daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self._daemon.pid, signal.SIGKILL)
            self._daemon.wait(timeout=10)

    def remove_project(self, part: str) -> None:
        """Remove the containers of one of the environment's projects (blue, green, edge,
        data), so that a deploy there starts fresh ones instead of keeping broken ones."""
        ids = _docker("ps", "--all", "--quiet", "--filter",
                      f"label={PROJECT_LABEL}={self.project}-{part}")
        if ids:
            _docker("rm", "--force", *ids)

    def cleanup(self) -> None:
        """Stop the daemon and remove every container, volume and network of this
        environment's own compose projects."""
        self.stop_daemon()
        for part in ("blue", "green", "edge", "data"):
            self.remove_project(part)
        volumes = _docker("volume", "ls", "--quiet", "--filter",
                          f"label={PROJECT_LABEL}={self.project}-data")
        if volumes:
            _docker("volume", "rm", "--force", *volumes)
        _docker("network", "rm", self.project)

    # -- watching ---------------------------------------------------------------------------

    def state(self) -> dict:
        path = self.home / "deploy" / self.env / "state.json"
        return json.loads(path.read_text()) if path.is_file() else {"live": None, "history": []}

    def health(self) -> dict:
        path = self.home / "health" / self.env / "status.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def run_records(self, job: str) -> list:
        """Runs of `job` in the episode's instance, oldest first."""
        with dg.DagsterInstance.from_config(str(self.dagster_home)) as instance:
            return list(reversed(instance.get_run_records(dg.RunsFilter(job_name=job))))

    def observations(self) -> list[dict]:
        """Metadata of each observation of the deployment asset, oldest first."""
        with dg.DagsterInstance.from_config(str(self.dagster_home)) as instance:
            records = instance.fetch_observations(dg.AssetKey(f"{self.env}_deployment"),
                                                  limit=1000, ascending=True).records
            return [{k: getattr(v, "value", v) for k, v in
                     r.asset_observation.metadata.items()} for r in records]

    def served(self, client: httpx.Client | None = None) -> tuple[str | None, str | None]:
        url = f"https://127.0.0.1:{self.ports[1]}/api/version"
        try:
            response = client.get(url) if client else httpx.get(url, verify=False, timeout=3)
            body = response.json() if response.is_success else None
        except (httpx.HTTPError, ValueError):
            return None, None
        return (body.get("version"), body.get("color")) if isinstance(body, dict) else (None, None)

    def wait_for(self, what: str, check: Callable[[], object], timeout: float,
                 every: float = 0.5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            if self._daemon is not None and self._daemon.poll() is not None:
                raise AssertionError(f"dagster-daemon exited while waiting for {what}:\n"
                                     + self.daemon_log())
            time.sleep(every)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; health "
                             f"status: {self.health()}\n{self.daemon_log()}")

    def daemon_log(self, tail: int = 4000) -> str:
        path = self.root / "daemon.log"
        return path.read_text(errors="replace")[-tail:] if path.is_file() else ""

    @contextmanager
    def breaking(self, color: str, service: str = "backend"):
        """Break every container of `service` in `color` as soon as it runs, new ones too: a
        release whose backend fails its health check whatever is restarted."""
        stop, broken = threading.Event(), set()

        def loop():
            project = f"{self.project}-{color}"
            while not stop.is_set():
                for cid in _docker("ps", "--quiet", "--no-trunc", "--filter",
                                   f"label={PROJECT_LABEL}={project}", "--filter",
                                   f"label=com.docker.compose.service={service}"):
                    if cid not in broken and _docker_ok("exec", cid, "touch",
                                                        "/tmp/force-unhealthy"):
                        broken.add(cid)
                stop.wait(0.3)

        thread = threading.Thread(target=loop, name="breaker", daemon=True)
        thread.start()
        try:
            yield broken
        finally:
            stop.set()
            thread.join(timeout=10)


def _docker(*args: str) -> list[str]:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120,
                          check=False)
    return done.stdout.split()


def _docker_ok(*args: str) -> bool:
    return subprocess.run(["docker", *args], capture_output=True, timeout=30,
                          check=False).returncode == 0
