"""The pieces of one environment's stack and the variables compose needs to run them."""


import time
from dataclasses import dataclass

from rag_release import settings
from rag_release.commands import compose as compose_cmd
from rag_release.errors import DeployError, RegistryError
from rag_release.model.environment import Environment, parse_env_file
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.artifact_store import ArtifactStore
from rag_release.resources.deploy_state import DeployStateStore
from rag_release.resources.docker_engine import ComposeRunner, DockerEngine
from rag_release.resources.edge import EdgeProxy
from rag_release.resources.prober import HttpProber
from rag_release.resources.registry import ImageRegistry
from rag_release.resources.secrets import SecretsProvider

OPTIONAL_DATA = ("qdrant", "n8n")


@dataclass
class Tools:
    docker: DockerEngine
    compose: ComposeRunner
    edge: EdgeProxy
    state: DeployStateStore
    secrets: SecretsProvider
    registry: ImageRegistry
    prober: HttpProber
    log: object


def other(color: str | None) -> str:
    return "green" if color == "blue" else "blue"


def image_variables(manifest: ReleaseManifest) -> dict[str, str]:
    return {f"{name.upper()}_IMAGE": ref for name, ref in manifest.images().items()}


def variables(tools: Tools, env: Environment, manifest: ReleaseManifest,
              secrets: dict[str, str], color: str | None = None) -> dict[str, str]:
    """Everything compose interpolates. It is passed as the child's environment, never written
    to disk nor put on a command line, since it holds the resolved secrets."""
    merged = dict(env.values) | secrets | image_variables(manifest) | tools.edge.variables(env)
    merged |= {"ENV_NAME": env.name, "STACK_NAME": env.project,
               "RELEASE_VERSION": manifest.version}
    if color:
        merged["COLOR"] = color
    return merged


def check_images(tools: Tools, manifest: ReleaseManifest) -> None:
    missing = []
    for service, ref in sorted(manifest.images().items()):
        try:
            if not tools.registry.has(ref):
                missing.append(f"{service} ({ref})")
        except RegistryError as e:
            raise DeployError(f"cannot check the images of release {manifest.version}: {e}")
    if missing:
        raise DeployError(f"release {manifest.version} pins images the registry "
                          f"{tools.registry.address} does not hold: {', '.join(missing)}; "
                          "rebuild the release or push them, then deploy again")


def ensure_data(tools: Tools, env: Environment, manifest: ReleaseManifest,
                variables_: dict[str, str]) -> list[str]:
    """Start the shared stateful services; returns the optional ones left out and why."""
    images = manifest.images()
    profiles = [s for s in OPTIONAL_DATA if s in images]
    left_out = [s for s in OPTIONAL_DATA if s not in images]
    tools.compose.run(tools.docker, compose_cmd.up(
        f"{env.project}-data", tools.compose.files("data.yml"), profiles=profiles, wait=True,
        timeout=env.int("HEALTH_DEADLINE_SECONDS", 90)), variables_,
        f"starting the data services of {env.name}")
    return left_out


def color_containers(tools: Tools, env: Environment, color: str,
                     variables_: dict[str, str]) -> list[dict]:
    return tools.compose.containers(tools.docker, f"{env.project}-{color}",
                                    tools.compose.files("app.yml"), variables_)


def color_health(containers: list[dict]) -> tuple[bool, dict[str, str]]:
    """(all healthy, state per container) from `compose ps` output."""
    states = {}
    for c in containers:
        health = c.get("Health") or ""
        state = c.get("State", "")
        states[c.get("Name", "?")] = health or state
    healthy = bool(states) and all(s in ("healthy",) for s in states.values())
    return healthy, states


def stop_color(tools: Tools, env: Environment, color: str, variables_: dict[str, str]) -> None:
    done = tools.compose.run(tools.docker, compose_cmd.down(f"{env.project}-{color}",
                                                            tools.compose.files("app.yml")),
                             dict(variables_, COLOR=color),
                             f"removing the {color} color of {env.name}", check=False)
    if not done.ok:
        tools.log.warning("Removing the %s color of %s failed: %s", color, env.name, done.tail(3))


def wait_until(deadline: float, interval: float, attempt) -> object:
    """Call `attempt` about every `interval` seconds until it returns a truthy value or the
    deadline (a time.monotonic() value) passes; returns the last value."""
    while True:
        started = time.monotonic()
        result = attempt()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


def load_environment(name: str) -> Environment:
    return parse_env_file(settings.envs_dir() / f"{name}.env", name)


def load_manifest(artifacts: ArtifactStore, version: str) -> ReleaseManifest:
    path = artifacts.file("releases", version, "manifest.json")
    if not path.is_file():
        known = sorted(p.name for p in artifacts.file("releases").glob("*") if p.is_dir()) \
            if artifacts.file("releases").is_dir() else []
        raise DeployError(f"release {version} does not exist in {artifacts.file('releases')}; "
                          f"known releases: {', '.join(known) or 'none'}; build it first")
    return ReleaseManifest.load(path)


def launched_by(tags) -> str:
    """Who launched a run, from its tags: a person or CI (`rag_release/launched_by`), a sensor,
    or the UI."""
    return tags.get("rag_release/launched_by") or tags.get("user") or (
        "sensor " + tags["dagster/sensor_name"] if "dagster/sensor_name" in tags else "ui")
