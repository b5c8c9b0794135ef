"""The stateful services of an environment, the compose project `rag-<env>-data`: found through
the Docker engine by their compose labels and reached only by `docker exec`, a helper container
on a volume, or a 127.0.0.1 URL. Secrets are looked up when a command needs one and handed to
the docker CLI in its environment."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from rag_release.commands import backup as cmd
from rag_release.errors import BackupError, DatastoreUnavailableError, SecretError
from rag_release.model.environment import Environment, parse_env_file
from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.process import Completed
from rag_release.resources.secrets import SecretsProvider
from rag_release.commands.compose import parse_json_lines

SECRET_VARIABLES = {"PGPASSWORD": "POSTGRES_PASSWORD", "REDISCLI_AUTH": "REDIS_PASSWORD"}


@dataclass(frozen=True)
class Container:
    id: str
    name: str
    state: str

    @property
    def running(self) -> bool:
        return self.state == "running"


class Datastores(dg.ConfigurableResource):
    """Where environments are described (`env_dir` holds `<env>.env`), where the deploy domain
    records the live release (`deploy_dir`), and how long to wait: for a server to accept
    connections, for a table lock, for a BGSAVE, for Qdrant. `helper_image` runs tar on volumes;
    any local image with GNU tar and find will do."""

    docker: DockerEngine
    secrets: SecretsProvider
    env_dir: str
    deploy_dir: str = ""
    helper_image: str = "debian:bookworm-slim"
    ready_timeout_seconds: int = 120
    lock_wait_seconds: int = 300
    save_timeout_seconds: int = 1800
    http_timeout_seconds: int = 600

    def environment(self, env: str) -> Environment:
        return parse_env_file(Path(self.env_dir) / f"{env}.env", env)

    def bind(self, env: str, log) -> DataStack:
        environment = self.environment(env)
        docker = self.docker
        if environment.docker_host and environment.docker_host != docker.host:
            docker = DockerEngine(host=environment.docker_host,
                                  tls_cert_path=docker.tls_cert_path,
                                  timeout_seconds=docker.timeout_seconds)
        return DataStack(environment, docker, self.secrets, self, log)

    def live_release(self, env: str) -> str | None:
        """The version the deploy domain records as live, if it records one."""
        if not self.deploy_dir:
            return None
        path = Path(self.deploy_dir) / env / "state.json"
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return ((state or {}).get("live") or {}).get("version")


class DataStack:
    """The data project of one environment, bound to its engine and secrets."""

    def __init__(self, env: Environment, docker: DockerEngine, secrets: SecretsProvider,
                 config: Datastores, log):
        self.env = env
        self.docker = docker
        self.config = config
        self.log = log
        self._secrets = secrets

    @property
    def name(self) -> str:
        return self.env.name

    @property
    def project(self) -> str:
        return f"{self.env.project}-data"

    def secret(self, key: str) -> str:
        """The value of a secret the environment references under `key`."""
        name = self.env.secret_refs.get(key)
        if name is None:
            raise SecretError(f"{self.env.where(key)}: {key} is not set; reference its secret "
                              f"as {key}=${{NAME}} in {self.env.source}")
        value = self._secrets.lookup(name)
        if not value:
            raise SecretError(f"environment {self.name}: cannot resolve {key} (secret {name}, "
                              f"{self.env.where(key)}); provide it to the secrets provider")
        return value

    def run(self, argv: list[str], what: str, *, env: dict[str, str] | None = None,
            check: bool = True, timeout: float = 0, **kwargs) -> Completed:
        """Run a docker command. A variable of SECRET_VARIABLES it names gets the environment's
        secret, unless `env` gives it a value (a throwaway container's own password)."""
        env = dict(env or {})
        for variable, key in SECRET_VARIABLES.items():
            if variable in argv and variable not in env:
                env[variable] = self.secret(key)
        try:
            return self.docker.run(argv, what=what, env=env, check=check,
                                   timeout=timeout or self.docker.timeout_seconds, **kwargs)
        except subprocess.TimeoutExpired as e:
            raise BackupError(f"{what} did not finish within {e.timeout:.0f} seconds; look at "
                              f"the {self.project} containers, then run again") from None

    def container(self, service: str) -> Container | None:
        done = self.run(cmd.containers(self.project, service),
                        f"looking up {service} of {self.project}")
        found = [Container(c["ID"], c["Names"], c["State"])
                 for c in parse_json_lines(done.stdout)]
        running = [c for c in found if c.running]
        return (running or found or [None])[0]

    def running(self, service: str, what: str) -> Container:
        """The running container of a service, or an error saying how to start it."""
        container = self.container(service)
        if container is None:
            raise DatastoreUnavailableError(
                f"{what} of {self.name}: no {service} container exists in compose project "
                f"{self.project}; start it with `docker compose -p {self.project} -f "
                f"compose/data.yml up -d {service}`")
        if not container.running:
            raise DatastoreUnavailableError(
                f"{what} of {self.name}: {service} container {container.name} is "
                f"{container.state}, expected running; start it with `docker start "
                f"{container.name}`, then run again")
        return container

    def image_of(self, container: Container) -> str:
        done = self.run(cmd.container_image(container.id), f"inspecting {container.name}")
        return done.stdout.strip()

    def drill_image(self, recorded: str, service: str) -> str:
        """The image a backup was taken with, or, once it is pruned, the one the live service
        runs now: newer PostgreSQL and Redis read older dumps and RDB files."""
        if self.run(cmd.image_id(recorded), f"looking up image {recorded}", check=False).ok:
            return recorded
        container = self.container(service)
        if container is None:
            raise DatastoreUnavailableError(
                f"the image {recorded[:19]} the backup was taken with is gone and no {service} "
                f"container of {self.project} names another; load or pull a {service} image")
        image = self.image_of(container)
        self.log.warning("Image %s of the backup is gone; drilling %s with %s, the image the "
                         "live container runs", recorded[:19], service, image[:19])
        return image

    def state(self, container: str) -> str:
        done = self.run(cmd.container_state(container), f"inspecting {container}", check=False)
        return done.stdout.strip() if done.ok else "missing"

    def logs(self, container: str) -> str:
        done = self.run(cmd.logs(container), f"reading the logs of {container}", check=False)
        return done.tail(8)

    def wait_until(self, probe, what: str, container: str) -> None:
        """Poll `probe()` until it is true; fail early if the container stops."""
        deadline = time.monotonic() + self.config.ready_timeout_seconds
        while time.monotonic() < deadline:
            if probe():
                return
            if self.state(container) not in ("running", "restarting"):
                raise DatastoreUnavailableError(
                    f"{what}: container {container} stopped; its last log lines:\n"
                    f"{self.logs(container)}")
            time.sleep(0.5)
        raise DatastoreUnavailableError(
            f"{what}: {container} was not ready after {self.config.ready_timeout_seconds} "
            f"seconds; its last log lines:\n{self.logs(container)}")

    def remove(self, containers: list[str], volumes: list[str] = ()) -> None:
        if containers:
            self.run(cmd.remove(containers), "removing drill containers", check=False)
        if volumes:
            self.run(cmd.remove_volumes(list(volumes)), "removing drill volumes", check=False)

    def sweep_drill_leftovers(self) -> None:
        """Remove what an interrupted drill of this environment left behind."""
        found = self.run(cmd.labelled_containers(cmd.DRILL_LABEL, self.name),
                         "listing drill containers").stdout.split()
        volumes = self.run(cmd.labelled_volumes(cmd.DRILL_LABEL, self.name),
                           "listing drill volumes").stdout.split()
        if found or volumes:
            self.log.info("Removing %d containers and %d volumes an earlier drill of %s left",
                          len(found), len(volumes), self.name)
            self.remove(found, volumes)
