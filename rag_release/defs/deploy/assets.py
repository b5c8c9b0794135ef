"""Deployments as assets: dev downstream of the release, staging and prod each downstream of
a gate on the environment before them. Materializing a deployment deploys (or rolls back)."""


import enum

import dagster as dg
from pydantic import Field

from rag_release.defs.deploy import gates
from rag_release.defs.deploy.blue_green import deploy, urls
from rag_release.defs.deploy.rollback import rollback
from rag_release.defs.deploy.stack import (
    Tools,
    color_containers,
    color_health,
    launched_by,
    load_environment,
    load_manifest,
    variables,
)
from rag_release.errors import DeployError, PromotionBlockedError
from rag_release.model.environment import Environment, EnvName
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.artifact_store import ArtifactStore
from rag_release.resources.deploy_state import DeployStateStore, now_iso
from rag_release.resources.docker_engine import ComposeRunner, DockerEngine
from rag_release.resources.edge import EdgeProxy
from rag_release.resources.prober import HttpProber
from rag_release.resources.registry import ImageRegistry
from rag_release.resources.secrets import SecretsProvider


class Action(str, enum.Enum):
    deploy = "deploy"
    rollback = "rollback"


class DeploymentConfig(dg.Config):
    action: Action = Field(default=Action.deploy, description="deploy a release, or put the "
                           "previous one back")
    release: str = Field(default="", description="version to deploy; empty takes the candidate "
                         "the gate approved (staging, prod) or the newest build (dev)")
    reason: str = Field(default="", description="why, for the deploy history")


class GateConfig(dg.Config):
    release: str = Field(default="", description="version to promote; empty takes the one live "
                         "in the previous environment")


def engine_for(env: Environment, docker: DockerEngine) -> DockerEngine:
    """The engine the environment names (DOCKER_HOST, DOCKER_CERT_PATH), else the default."""
    if not env.docker_host:
        return docker
    return DockerEngine(host=env.docker_host,
                        tls_cert_path=env.values.get("DOCKER_CERT_PATH", ""),
                        timeout_seconds=docker.timeout_seconds)


def gate_asset(target: EnvName) -> dg.AssetsDefinition:
    source = target.previous.value

    @dg.asset(name=f"{target.value}_gate", group_name="deploy", deps=[f"{source}_deployment"],
              kinds={"python"},
              description=f"The release proposed for {target.value}; its blocking checks decide "
                          f"whether it may leave {source}.")
    def _gate(context: dg.AssetExecutionContext, config: GateConfig,
              deploy_state: DeployStateStore, artifacts: ArtifactStore):
        live = deploy_state.live(source)
        version = config.release or (live or {}).get("version")
        if not version:
            raise PromotionBlockedError(f"nothing is live in {source} and no release was named; "
                                        f"deploy to {source} first")
        manifest = load_manifest(artifacts, version)
        deploy_state.write_candidate(target.value, {
            "version": version, "images": manifest.images(), "run_id": context.run_id,
            "proposed_at": now_iso(), "checks": {}})
        context.log.info("Proposed release %s for %s", version, target.value)
        return dg.MaterializeResult(metadata={
            "version": version, "images": dg.MetadataValue.json(manifest.images()),
            f"live_in_{source}": (live or {}).get("version", "nothing")})

    return _gate


def gate_checks(target: EnvName) -> list[dg.AssetChecksDefinition]:
    gate = f"{target.value}_gate"

    def candidate(deploy_state, artifacts) -> ReleaseManifest:
        return load_manifest(artifacts, deploy_state.candidate(target.value)["version"])

    def result(deploy_state, outcome: gates.GateResult) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=outcome.passed, description=outcome.reason,
                                   metadata={"reason": outcome.reason})

    @dg.asset_check(asset=gate, name=f"live_in_{target.previous.value}", blocking=True,
                    description="the release is live upstream with the same image digests")
    def live(deploy_state: DeployStateStore, artifacts: ArtifactStore):
        manifest = candidate(deploy_state, artifacts)
        return result(deploy_state, gates.live_upstream(target, manifest, deploy_state))

    @dg.asset_check(asset=gate, name=f"verified_in_{target.previous.value}", blocking=True,
                    description="the release passed health gate, smoke tests and verification")
    def verified(deploy_state: DeployStateStore, artifacts: ArtifactStore):
        manifest = candidate(deploy_state, artifacts)
        return result(deploy_state, gates.verified_upstream(target, manifest, deploy_state))

    @dg.asset_check(asset=gate, name=f"healthy_in_{target.previous.value}", blocking=True,
                    description="the previous environment answers healthy through its edge now")
    def healthy(deploy_state: DeployStateStore, artifacts: ArtifactStore, prober: HttpProber):
        manifest = candidate(deploy_state, artifacts)
        source_env = load_environment(target.previous.value)
        return result(deploy_state, gates.healthy_upstream(target, source_env, manifest, prober))

    return [live, verified, healthy]


def deployment_asset(target: EnvName) -> dg.AssetsDefinition:
    upstream = "release_manifest" if target.previous is None else f"{target.value}_gate"

    @dg.asset(name=f"{target.value}_deployment", group_name="deploy", deps=[upstream],
              pool=f"deploy_{target.value}", kinds={"docker", "nginx"},
              description=f"What runs in {target.value}: a release on one color behind the edge.")
    def _deployment(context: dg.AssetExecutionContext, config: DeploymentConfig,
                    docker: DockerEngine, compose: ComposeRunner, edge: EdgeProxy,
                    deploy_state: DeployStateStore, secrets: SecretsProvider,
                    registry: ImageRegistry, prober: HttpProber, artifacts: ArtifactStore):
        env = load_environment(target.value)
        tools = Tools(engine_for(env, docker), compose, edge, deploy_state, secrets, registry,
                      prober, context.log)
        run = {"run_id": context.run_id, "launched_by": launched_by(context.run.tags)}

        with deploy_state.lock(env.name, f"run {context.run_id}", context.log):
            if config.action == Action.rollback:
                record = rollback(tools, env, lambda v: load_manifest(artifacts, v), run,
                                  config.reason or "rollback requested")
            else:
                manifest = load_manifest(artifacts, _version(context, config, target,
                                                             deploy_state))
                if target.previous is not None:
                    _enforce_gates(context, target, manifest, deploy_state, prober)
                if _already_live(tools, env, manifest):
                    context.log.info("Release %s is already live and healthy in %s; nothing "
                                     "to do", manifest.version, env.name)
                    return _result(deploy_state.live(env.name), env, "already live")
                record = deploy(tools, env, manifest, run, reason=config.reason)

        if record["result"] != "success":
            context.log_event(dg.AssetObservation(
                asset_key=f"{target.value}_deployment",
                metadata={"result": f"{record['action']} failed",
                          "version": record["version"],
                          "failed_phase": record.get("failed_phase") or "",
                          "error": record.get("error", ""),
                          "launched_by": record.get("launched_by", ""),
                          "durations_s": dg.MetadataValue.json(record.get("durations", {}))}))
            raise DeployError(f"{record['action']} of release {record['version']} to {env.name} "
                              f"failed in phase {record.get('failed_phase')}: {record['error']}")
        return _result(record, env, record["action"])

    return _deployment


def _version(context, config: DeploymentConfig, target: EnvName,
             deploy_state: DeployStateStore) -> str:
    if config.release:
        return config.release
    if target.previous is None:
        event = context.instance.get_latest_materialization_event(
            dg.AssetKey("release_manifest"))
        if event is None:
            raise DeployError("no release has been built; materialize release_manifest first")
        return event.asset_materialization.metadata["version"].value
    proposed = deploy_state.candidate(target.value)
    if not proposed:
        raise PromotionBlockedError(f"no release was proposed for {target.value}; materialize "
                                    f"{target.value}_gate with this deployment")
    return proposed["version"]


def _enforce_gates(context, target: EnvName, manifest: ReleaseManifest,
                   deploy_state: DeployStateStore, prober: HttpProber) -> None:
    """Re-evaluate the gate, and require that the run which proposed this release passed every
    blocking check of the gate, so a deployment launched on its own cannot skip them."""
    outcomes = [gates.live_upstream(target, manifest, deploy_state),
                gates.verified_upstream(target, manifest, deploy_state),
                gates.healthy_upstream(target, load_environment(target.previous.value),
                                       manifest, prober)]
    proposed = deploy_state.candidate(target.value) or {}
    if proposed.get("version") != manifest.version:
        outcomes.append(gates.GateResult(f"{target.value}_gate", False, (
            f"release {manifest.version} was not proposed by {target.value}_gate; launch the "
            f"promote_{target.value}_job, which runs the gate and its checks first")))
    else:
        outcomes += _gate_check_failures(context, target, proposed["run_id"])
    failed = [o for o in outcomes if not o.passed]
    if failed:
        raise PromotionBlockedError(
            f"release {manifest.version} may not enter {target.value}: " +
            "; ".join(f"{o.name}: {o.reason}" for o in failed))


def _gate_check_failures(context, target: EnvName, run_id: str) -> list[gates.GateResult]:
    evaluations = {}
    for entry in context.instance.all_logs(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        evaluations[evaluation.check_name] = evaluation
    if not evaluations:
        return [gates.GateResult(f"{target.value}_gate", False,
                                 f"run {run_id} proposed the release but evaluated no check")]
    return [gates.GateResult(name, False, f"failed in run {run_id}: {e.description}")
            for name, e in sorted(evaluations.items())
            if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]


def _already_live(tools: Tools, env: Environment, manifest: ReleaseManifest) -> bool:
    live = tools.state.live(env.name)
    if not live or live["version"] != manifest.version or live["images"] != manifest.images():
        return False
    color_vars = variables(tools, env, manifest, tools.secrets.resolve(env), live["color"])
    healthy, _ = color_health(color_containers(tools, env, live["color"], color_vars))
    return healthy and tools.prober.get(urls(env)["live"] + "/api/health").ok


def _result(record: dict, env: Environment, what: str) -> dg.MaterializeResult:
    durations = record.get("durations", {})
    metadata = {
        "result": what,
        "version": record["version"],
        "color": record["color"],
        "images": dg.MetadataValue.json(record.get("images", {})),
        "launched_by": record.get("launched_by", ""),
        "previous_version": record.get("previous_version") or "none",
        "url": dg.MetadataValue.url(urls(env)["live"]),
        "durations_s": dg.MetadataValue.json(durations),
        "total_s": round(sum(durations.values()), 3),
    }
    if record.get("reason"):
        metadata["reason"] = record["reason"]
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(
        f"{record['version']}@{record['color']}"))
