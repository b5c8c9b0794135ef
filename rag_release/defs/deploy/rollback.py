"""Putting the previous release back: instantly by switching to the previous color while it
still runs, otherwise by deploying the previous release again."""


import time

from rag_release.defs.deploy import stack
from rag_release.defs.deploy.blue_green import Phases, deploy, routes, verify_live
from rag_release.defs.deploy.stack import Tools
from rag_release.errors import DeployError
from rag_release.model.environment import Environment
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.deploy_state import now_iso


def rollback(tools: Tools, env: Environment, load_manifest, run: dict, reason: str) -> dict:
    """`load_manifest(version)` returns the stored ReleaseManifest of a version."""
    state = tools.state.read(env.name)
    live, previous = state.get("live"), state.get("previous")
    if previous is None:
        raise DeployError(f"{env.name} has no previous release to roll back to; deploy a "
                          "chosen release instead")
    manifest: ReleaseManifest = load_manifest(previous["version"])
    secrets = tools.secrets.resolve(env)
    color_vars = stack.variables(tools, env, manifest, secrets, previous["color"])

    healthy, states = (False, {})
    if not previous.get("retired"):
        healthy, states = stack.color_health(
            stack.color_containers(tools, env, previous["color"], color_vars))
    if not healthy:
        tools.log.info("The previous color %s of %s is not running healthy (%s); deploying "
                       "release %s again", previous["color"], env.name,
                       ", ".join(f"{k} {v}" for k, v in states.items()) or "retired",
                       previous["version"])
        return deploy(tools, env, manifest, run, action="rollback", reason=reason)

    phases = Phases()
    phases.start("switch")
    record = {"action": "rollback", "env": env.name, "version": previous["version"],
              "color": previous["color"], "previous_version": live["version"] if live else None,
              "images": previous["images"], "started_at": now_iso(), "reason": reason,
              "mode": "instant", **run}
    tools.edge.apply(tools.docker, tools.compose, env, color_vars,
                     routes(env, previous["color"], None), tools.log)
    phases.end()
    phases.start("verify")
    ok = verify_live(tools, env, previous["version"], previous["color"])
    phases.end()
    if not ok:
        record.update(result="failed", finished_at=now_iso(), durations=phases.durations,
                      error="the previous color did not answer through the live port")
        tools.state.record(env.name, record)
        raise DeployError(f"rolled the edge of {env.name} to {previous['color']}, but release "
                          f"{previous['version']} did not answer through the live port")

    window = env.int("ROLLBACK_WINDOW_SECONDS", 600)
    state = tools.state.read(env.name)
    state["live"] = {k: v for k, v in previous.items() if k not in ("retire_after", "retired")}
    state["live"]["deployed_at"] = now_iso()
    state["previous"] = dict(live, retire_after=time.time() + window) if live else None
    record.update(result="success", finished_at=now_iso(), durations=phases.durations)
    state.setdefault("history", []).append(record)
    tools.state.write(env.name, state)
    tools.log.info("Rolled %s back to release %s on %s (instant switch)", env.name,
                   previous["version"], previous["color"])
    return record


def retire_expired(tools: Tools, env: Environment, load_manifest) -> str | None:
    """Stop the previous color once its rollback window has passed; returns what was done."""
    state = tools.state.read(env.name)
    previous = state.get("previous")
    if not previous or previous.get("retired"):
        return None
    if time.time() < previous.get("retire_after", 0):
        return None
    manifest = load_manifest(previous["version"])
    variables_ = stack.variables(tools, env, manifest, tools.secrets.resolve(env),
                                 previous["color"])
    stack.stop_color(tools, env, previous["color"], variables_)
    state = tools.state.read(env.name)
    if state.get("previous") and state["previous"].get("color") == previous["color"]:
        state["previous"]["retired"] = True
        tools.state.write(env.name, state)
    return f"retired {previous['color']} (release {previous['version']}) of {env.name}"
