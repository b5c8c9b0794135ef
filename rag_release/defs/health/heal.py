"""Healing: replace the containers of the live color, or the edge, that the engine reports
failing or that the probes point at. Docker Compose restarts a container that exits, never one
that keeps running unhealthy; this does, and records each replacement in the deploy history.

It does not wait for the new containers to turn healthy: the health sensor judges them from its
next probes, and rolls the release back if they fail too."""

from pathlib import Path

import dagster as dg
from pydantic import Field

from rag_release.commands import compose as compose_cmd
from rag_release.defs.deploy import stack
from rag_release.defs.deploy.blue_green import Phases
from rag_release.defs.deploy.stack import Tools, launched_by, load_environment, load_manifest
from rag_release.defs.health.probes import Container, list_containers
from rag_release.errors import DeployError, HealError, RagReleaseError
from rag_release.model.environment import Environment
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.artifact_store import ArtifactStore
from rag_release.resources.deploy_state import DeployStateStore, now_iso
from rag_release.resources.docker_engine import ComposeRunner, DockerEngine
from rag_release.resources.edge import EdgeProxy
from rag_release.resources.prober import HttpProber
from rag_release.resources.registry import ImageRegistry
from rag_release.resources.secrets import SecretsProvider


class HealConfig(dg.Config):
    containers: list[str] = Field(default_factory=list, description="containers to replace; "
                                  "empty replaces those of the live color and the edge that "
                                  "the engine reports failing")
    release: str = Field(default="", description="the live release this was asked for; "
                         "nothing is done if another one went live since")
    reason: str = Field(default="", description="why, for the deploy history")


def remove_argv(container_ids: list[str]) -> list[str]:
    return ["docker", "rm", "--force", *container_ids]


def recreate_argv(project: str, files: list[Path]) -> list[str]:
    """`compose up` that creates the missing containers and leaves running ones alone, even
    when the variables differ from the deploy's."""
    return compose_cmd.base(project, files) + ["up", "--detach", "--no-recreate", "--no-build",
                                               "--pull", "never"]


def heal(tools: Tools, env: Environment, manifest: ReleaseManifest, live: dict,
         asked: list[str], run: dict, reason: str) -> dict:
    """Replace the containers asked for (or the failing ones) and return the history record."""
    color_project = f"{env.project}-{live['color']}"
    edge_project = tools.edge.project(env)
    mine = [c for c in list_containers(tools.docker, env)
            if c.project in (color_project, edge_project)]
    targets = [c for c in mine if c.name in asked] if asked else [c for c in mine if c.failing]
    record = {"action": "heal", "env": env.name, "version": live["version"],
              "color": live["color"], "images": live.get("images", {}),
              "containers": [c.name for c in targets],
              "services": sorted({c.service for c in targets}), "reason": reason,
              "started_at": now_iso(), **run}
    if not targets:
        record.update(result="skipped", finished_at=now_iso(), durations={},
                      detail="no container to replace: "
                             + (f"none of {', '.join(asked)} is a container of "
                                f"{color_project} or {edge_project}" if asked else
                                "the engine reports none failing"))
        tools.state.record(env.name, record)
        return record

    phases = Phases()
    try:
        phases.start("replace")
        color_vars = stack.variables(tools, env, manifest, tools.secrets.resolve(env),
                                     live["color"])
        _replace(tools, env, live, targets, color_project, color_vars)
        phases.end()
        phases.start("reload")
        tools.edge.apply(tools.docker, tools.compose, env, color_vars, tools.edge.routes(env),
                         tools.log)
        phases.end()
    except RagReleaseError as e:
        phases.end()
        record.update(result="failed", finished_at=now_iso(), durations=phases.durations,
                      failed_phase=phases.current, error=str(e))
        tools.state.record(env.name, record)
        raise HealError(f"replacing {', '.join(record['containers'])} of {env.name} failed in "
                        f"phase {phases.current}: {e}; the other containers keep serving, and "
                        "the health sensor rolls the release back if it stays unhealthy") from e

    record.update(result="success", finished_at=now_iso(), durations=phases.durations)
    tools.state.record(env.name, record)
    return record


def _replace(tools: Tools, env: Environment, live: dict, targets: list[Container],
             color_project: str, color_vars: dict[str, str]) -> None:
    """Remove the targets, then let compose create the missing containers of the color; the
    edge's own container is started again by the reload that follows."""
    tools.docker.run(remove_argv([c.id for c in targets]),
                     what=f"removing {', '.join(c.name for c in targets)}")
    tools.log.info("Removed %s of %s", ", ".join(c.describe() for c in targets), env.name)
    if any(c.project == color_project for c in targets):
        tools.compose.run(tools.docker, recreate_argv(color_project,
                                                      tools.compose.files("app.yml")),
                          color_vars, f"recreating containers of the {live['color']} color")
        tools.log.info("Recreated the removed containers of %s from release %s",
                       color_project, live["version"])


def heal_job(env_name: str) -> dg.JobDefinition:
    @dg.op(name=f"heal_{env_name}", pool=f"deploy_{env_name}",
           description=f"Replace failing containers of the release live in {env_name}.")
    def _heal(context: dg.OpExecutionContext, config: HealConfig, docker: DockerEngine,
              compose: ComposeRunner, edge: EdgeProxy, deploy_state: DeployStateStore,
              secrets: SecretsProvider, registry: ImageRegistry, prober: HttpProber,
              artifacts: ArtifactStore) -> dg.Output:
        env = load_environment(env_name)
        tools = Tools(docker, compose, edge, deploy_state, secrets, registry, prober, context.log)
        run = {"run_id": context.run_id, "launched_by": launched_by(context.run.tags)}

        with deploy_state.lock(env.name, f"heal run {context.run_id}", context.log):
            live = deploy_state.live(env.name)
            if live is None or (config.release and live["version"] != config.release):
                context.log.info("Release %s is no longer live in %s (%s is); nothing to heal",
                                 config.release, env.name, (live or {}).get("version", "none"))
                return dg.Output({"result": "skipped"}, metadata={"result": "skipped"})
            try:
                manifest = load_manifest(artifacts, live["version"])
            except DeployError as e:
                raise dg.Failure(description=f"cannot heal {env.name}: {e}") from e
            try:
                record = heal(tools, env, manifest, live, config.containers, run, config.reason)
            except HealError as e:
                raise dg.Failure(description=str(e)) from e

        context.log.info("Heal of %s: %s %s", env.name, record["result"],
                         ", ".join(record["containers"]) or record.get("detail", ""))
        return dg.Output({"result": record["result"], "containers": record["containers"]},
                         metadata={"result": record["result"], "version": record["version"],
                                   "color": record["color"],
                                   "containers": dg.MetadataValue.json(record["containers"]),
                                   "durations_s": dg.MetadataValue.json(record["durations"]),
                                   "reason": record["reason"] or "requested"})

    @dg.job(name=f"heal_{env_name}_job", executor_def=dg.in_process_executor,
            tags={"rag_release/env": env_name},
            description=f"Replace the failing containers of {env_name}'s live release; the "
                        "health sensor launches it, and a person may too.")
    def _job():
        _heal()

    return _job

