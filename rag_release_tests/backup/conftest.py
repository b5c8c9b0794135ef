"""Fixtures of the backup tests: an environment `bktest` of its own (env file, secret files,
backup store, deploy state), its data project `rag-bktest-data` started from compose/data.yml
with real PostgreSQL and Redis, and a fake Qdrant on 127.0.0.1."""

import json
import secrets
import time
from pathlib import Path

import dagster as dg
import pytest

from rag_release.commands import compose as compose_cmd
from rag_release.defs.backup.definitions import backup_definitions
from rag_release.resources.backup_store import BackupStore
from rag_release.resources.datastores import Datastores
from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.process import run
from rag_release.resources.secrets import SecretsProvider
from rag_release_tests.backup.fake_qdrant import FakeQdrant

REPO = Path(__file__).resolve().parents[2]
ENV = "bktest"
PROJECT = f"rag-{ENV}-data"
N8N_VOLUME = f"{PROJECT}_n8n_data"
HELPER = "debian:bookworm-slim"


class BackupSite:
    """Everything one test environment needs, and the code location built on it."""

    def __init__(self, root: Path, qdrant: FakeQdrant):
        self.root = root
        self.qdrant = qdrant
        self.envs = root / "envs"
        self.secrets_dir = root / "secrets"
        self.store_root = root / "backups"
        self.deploy = root / "deploy"
        self.secrets = {"BKTEST_POSTGRES_PASSWORD": f"pg-{secrets.token_hex(12)}",
                        "BKTEST_REDIS_PASSWORD": f"rd-{secrets.token_hex(12)}",
                        "BKTEST_QDRANT_API_KEY": qdrant.api_key}
        self.envs.mkdir(parents=True)
        self.secrets_dir.mkdir()
        for name, value in self.secrets.items():
            (self.secrets_dir / name).write_text(value + "\n")
        (self.envs / f"{ENV}.env").write_text("\n".join([
            f"ENV_NAME={ENV}",
            "DOCKER_HOST=",
            "POSTGRES_USER=rag",
            "POSTGRES_DB=rag",
            "POSTGRES_PASSWORD=${BKTEST_POSTGRES_PASSWORD}",
            "REDIS_PASSWORD=${BKTEST_REDIS_PASSWORD}",
            f"QDRANT_URL={qdrant.url}",
            "QDRANT_API_KEY=${BKTEST_QDRANT_API_KEY}",
            "BACKUP_VOLUMES=n8n_data,uploads_data",
            "BACKUP_TIME=03:30",
            "BACKUP_TIMEZONE=Europe/Rome",
            "BACKUP_START_DATE=2026-01-01",
        ]) + "\n")
        (self.deploy / ENV).mkdir(parents=True)
        (self.deploy / ENV / "state.json").write_text(json.dumps(
            {"live": {"version": "1.4.2", "color": "blue"}, "previous": None, "history": []}))

    def store(self, **overrides) -> BackupStore:
        return BackupStore(root=str(overrides.pop("root", self.store_root)),
                           **{"min_free_mb": 1} | overrides)

    def datastores(self) -> Datastores:
        return Datastores(docker=DockerEngine(),
                          secrets=SecretsProvider(files_dir=str(self.secrets_dir),
                                                  use_environment=False),
                          env_dir=str(self.envs), deploy_dir=str(self.deploy),
                          helper_image=HELPER, ready_timeout_seconds=60)

    def defs(self, **store) -> dg.Definitions:
        drill_job = dg.define_asset_job(
            f"{ENV}_drill_job", selection=dg.AssetSelection.checks(
                dg.AssetCheckKey(dg.AssetKey(f"{ENV}_backup"), "restore_drill")),
            executor_def=dg.in_process_executor)
        return dg.Definitions.merge(
            backup_definitions([ENV], env_files=self.envs),
            dg.Definitions(jobs=[drill_job], resources={
                "backup_store": self.store(**store), "datastores": self.datastores()}))

    def backup(self, instance, partition: str, **store):
        job = self.defs(**store).resolve_job_def(f"{ENV}_backup_job")
        return job.execute_in_process(instance=instance, partition_key=partition,
                                      raise_on_error=False)

    def drill(self, instance):
        job = self.defs().resolve_job_def(f"{ENV}_drill_job")
        return job.execute_in_process(instance=instance, raise_on_error=False)

    def restore(self, instance, backup_id: str, confirm: str):
        job = self.defs().resolve_job_def("restore_job")
        config = {"ops": {"check_restore_request": {"config": {
            "env": ENV, "backup_id": backup_id, "confirm": confirm}}}}
        return job.execute_in_process(instance=instance, run_config=config,
                                      raise_on_error=False)

    def compose_variables(self) -> dict[str, str]:
        return {"ENV_NAME": ENV, "POSTGRES_IMAGE": "postgres:15-bookworm",
                "REDIS_IMAGE": "redis:7.0-bookworm",
                "POSTGRES_PASSWORD": self.secrets["BKTEST_POSTGRES_PASSWORD"],
                "REDIS_PASSWORD": self.secrets["BKTEST_REDIS_PASSWORD"]}


def docker(*argv: str, env: dict[str, str] | None = None, stdin: bytes | None = None,
           check: bool = True) -> str:
    done = run(["docker", *argv], env=env, stdin=stdin, timeout=180)
    if check and not done.ok:
        raise AssertionError(f"docker {' '.join(argv[:3])} failed: {done.tail(5)}")
    return done.stdout


def container(service: str) -> str:
    return docker("ps", "--all", "--quiet", "--filter",
                  f"label=com.docker.compose.project={PROJECT}", "--filter",
                  f"label=com.docker.compose.service={service}").split()[0]


def psql(sql: str) -> str:
    return docker("exec", "-i", container("postgres"), "psql", "-X", "-q", "-A", "-t",
                  "-v", "ON_ERROR_STOP=1", "-U", "rag", "-d", "rag", stdin=sql.encode()).strip()


def redis(site: BackupSite, *args: str, stdin: bytes | None = None) -> str:
    return docker("exec", "-i", "-e", "REDISCLI_AUTH", container("redis"), "redis-cli",
                  "--no-auth-warning", *args, stdin=stdin,
                  env={"REDISCLI_AUTH": site.secrets["BKTEST_REDIS_PASSWORD"]}).strip()


def in_volume(*argv: str) -> str:
    return docker("run", "--rm", "-v", f"{N8N_VOLUME}:/data", HELPER, *argv)


def wait_healthy(service: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        state = docker("inspect", "--format", "{{.State.Health.Status}}", container(service),
                       check=False).strip()
        if state == "healthy":
            return
        time.sleep(0.5)
    raise AssertionError(f"{service} of {PROJECT} did not become healthy")


SCHEMA = """
CREATE SCHEMA audit;
CREATE TABLE documents (id serial PRIMARY KEY, title text NOT NULL, body text NOT NULL);
CREATE TABLE chats (id bigint PRIMARY KEY, question text, answer text, at timestamptz);
CREATE TABLE audit.events (id bigserial PRIMARY KEY, kind text, payload jsonb);
INSERT INTO documents (title, body)
  SELECT 'doc ' || g, repeat(md5(g::text), 20) FROM generate_series(1, 1000) g;
INSERT INTO chats SELECT g, 'q' || g, 'a' || g, now() FROM generate_series(1, 250) g;
INSERT INTO audit.events (kind, payload)
  SELECT 'login', jsonb_build_object('user', g) FROM generate_series(1, 40) g;
"""


def seed(site: BackupSite) -> None:
    psql(SCHEMA)
    commands = [f"SET doc:{i} {'x' * 50}{i}" for i in range(100)]
    commands += [f"SETEX session:{i} 86400 token{i}" for i in range(15)]
    commands += ["SELECT 1"] + [f"SET cache:{i} {i}" for i in range(7)]
    redis(site, stdin=("\n".join(commands) + "\n").encode())
    in_volume("sh", "-c", "mkdir -p /data/nodes && echo '{\"encryptionKey\":\"k\"}' > "
              "/data/config && seq 1 5000 > /data/nodes/list.txt && chown -R 1000:1000 /data")


@pytest.fixture(scope="module")
def fake_qdrant():
    with FakeQdrant(api_key=f"qd-{secrets.token_hex(8)}") as fake:
        yield fake


@pytest.fixture(scope="module")
def site(tmp_path_factory, fake_qdrant) -> BackupSite:
    return BackupSite(tmp_path_factory.mktemp("bksite"), fake_qdrant)


@pytest.fixture(scope="module")
def live_site(site: BackupSite):
    """rag-bktest-data running with seeded data; torn down with its volumes."""
    files = [REPO / "compose" / "data.yml"]
    variables = site.compose_variables()
    down = compose_cmd.down(PROJECT, files, volumes=True)
    run(down, env=variables, timeout=120)
    docker("volume", "rm", "--force", N8N_VOLUME, check=False)
    docker("volume", "create", "--label", f"com.docker.compose.project={PROJECT}",
           "--label", "com.docker.compose.volume=n8n_data", N8N_VOLUME)
    done = run(compose_cmd.up(PROJECT, files, wait=True, timeout=90), env=variables,
               timeout=180)
    assert done.ok, done.tail(10)
    try:
        seed(site)
        yield site
    finally:
        run(down, env=variables, timeout=120)
        docker("volume", "rm", "--force", N8N_VOLUME, check=False)
        for kind in ("ps --all", "volume ls"):
            leftovers = docker(*kind.split(), "--quiet", "--filter",
                               f"label=rag-release.drill={ENV}").split()
            if leftovers:
                docker(*(["rm", "-f", "-v"] if kind.startswith("ps") else
                         ["volume", "rm", "-f"]), *leftovers, check=False)


@pytest.fixture(scope="module")
def module_instance():
    with dg.instance_for_test() as instance:
        yield instance
