"""A blue-green deploy of one release into one environment, and the rollback.

The idle color starts with the pinned images, must pass the health gate and the smoke tests
through the edge's preview port, then the edge is switched with a reload and the new release is
verified through the live port. Any failure before the switch removes the idle color and leaves
the live one serving; a failed verification switches back.
"""


import time

from rag_release.commands import compose as compose_cmd
from rag_release.commands.nginx import EdgeRoutes
from rag_release.defs.deploy import stack
from rag_release.defs.deploy.stack import Tools
from rag_release.errors import DeployError, HealthGateError, RagReleaseError
from rag_release.model.environment import Environment
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.deploy_state import now_iso


class Phases:
    """Times each phase of a deploy, for the record and the metrics."""

    def __init__(self):
        self.durations: dict[str, float] = {}
        self.current = ""

    def start(self, name: str) -> None:
        self.current = name
        self._t = time.monotonic()

    def end(self) -> None:
        self.durations[self.current] = round(time.monotonic() - self._t, 3)


def urls(env: Environment) -> dict[str, str]:
    return {"live": f"https://127.0.0.1:{env.int('EDGE_HTTPS_PORT')}",
            "http": f"http://127.0.0.1:{env.int('EDGE_HTTP_PORT')}",
            "preview": f"http://127.0.0.1:{env.int('EDGE_PREVIEW_PORT')}"}


def routes(env: Environment, live: str | None, preview: str | None) -> EdgeRoutes:
    return EdgeRoutes(env.name, live, preview, env.int("EDGE_HTTPS_PORT"),
                      env.int("RATE_LIMIT", 100))


def deploy(tools: Tools, env: Environment, manifest: ReleaseManifest, run: dict,
           action: str = "deploy", reason: str = "") -> dict:
    """Deploy `manifest` into `env`. `run` carries run_id and launched_by for the record."""
    phases = Phases()
    state = tools.state.read(env.name)
    live = state.get("live")
    idle = stack.other(live["color"] if live else None)
    record = {"action": action, "env": env.name, "version": manifest.version, "color": idle,
              "previous_version": live["version"] if live else None,
              "images": manifest.images(), "started_at": now_iso(), "reason": reason, **run}

    data_vars = None
    try:
        phases.start("prepare")
        secrets = tools.secrets.resolve(env)
        stack.check_images(tools, manifest)
        tools.docker.ensure_available()
        data_vars = stack.variables(tools, env, manifest, secrets)
        left_out = stack.ensure_data(tools, env, manifest, data_vars)
        if left_out:
            tools.log.info("Data services %s have no image in release %s; left out",
                           ", ".join(left_out), manifest.version)
        record["tls"] = tools.edge.ensure_tls(env)
        if tools.edge.routes(env) is None or tools.edge.container(
                tools.docker, tools.compose, env, data_vars) is None:
            tools.edge.apply(tools.docker, tools.compose, env, data_vars,
                             routes(env, live["color"] if live else None, None), tools.log)
        phases.end()

        phases.start("start")
        color_vars = stack.variables(tools, env, manifest, secrets, idle)
        tools.log.info("Starting release %s as the %s color of %s", manifest.version, idle,
                       env.name)
        tools.compose.run(tools.docker, compose_cmd.up(f"{env.project}-{idle}",
                                                       tools.compose.files("app.yml"),
                                                       recreate=True),
                          color_vars, f"starting the {idle} color of {env.name}")
        phases.end()

        phases.start("health")
        health_gate(tools, env, manifest, idle, color_vars, live)
        phases.end()

        phases.start("smoke")
        smoke_tests(tools, env, manifest, idle)
        phases.end()
    except RagReleaseError as e:
        _abandon(tools, env, idle, live, data_vars, phases)
        return _failed(tools, env, record, phases, e)

    phases.start("switch")
    tools.edge.apply(tools.docker, tools.compose, env, color_vars, routes(env, idle, None),
                     tools.log)
    phases.end()

    phases.start("verify")
    verified = verify_live(tools, env, manifest.version, idle)
    phases.end()
    if not verified:
        tools.log.warning("The live port of %s does not serve %s; switching back", env.name,
                          manifest.version)
        tools.edge.apply(tools.docker, tools.compose, env, color_vars,
                         routes(env, live["color"] if live else None, None), tools.log)
        _abandon(tools, env, idle, live, color_vars, phases)
        return _failed(tools, env, record, phases, DeployError(
            f"after the switch, {urls(env)['live']} did not serve release {manifest.version}; "
            "switched back to the previous color"))

    slot = {"version": manifest.version, "color": idle, "images": manifest.images(),
            "deployed_at": now_iso(), "run_id": run.get("run_id")}
    window = env.int("ROLLBACK_WINDOW_SECONDS", 600)
    state = tools.state.read(env.name)
    state["previous"] = dict(live, retire_after=time.time() + window) if live else None
    state["live"] = slot
    phases.start("retire")
    if live and window == 0:
        stack.stop_color(tools, env, live["color"], color_vars)
        state["previous"]["retired"] = True
        tools.log.info("Retired the %s color of %s at once (no rollback window)",
                       live["color"], env.name)
    elif live:
        tools.log.info("Keeping %s (release %s) running %d s for an instant rollback",
                       live["color"], live["version"], window)
    phases.end()

    record.update(result="success", finished_at=now_iso(), durations=phases.durations)
    state.setdefault("history", []).append(record)
    tools.state.write(env.name, state)
    return record


def health_gate(tools: Tools, env: Environment, manifest: ReleaseManifest, color: str,
                color_vars: dict[str, str], live: dict | None) -> None:
    deadline_s = env.int("HEALTH_DEADLINE_SECONDS", 90)
    deadline = time.monotonic() + deadline_s
    last: dict = {}

    def containers_healthy():
        healthy, states = stack.color_health(stack.color_containers(tools, env, color,
                                                                    color_vars))
        last["containers"] = states
        return healthy

    if not stack.wait_until(deadline, 1.0, containers_healthy):
        raise HealthGateError(
            f"the {color} color of {env.name} (release {manifest.version}) was not healthy "
            f"after {deadline_s} s: {_states(last['containers'])}; the live color keeps serving")
    tools.log.info("Containers of %s are healthy: %s", color, _states(last["containers"]))

    tools.edge.apply(tools.docker, tools.compose, env, color_vars,
                     routes(env, live["color"] if live else None, color), tools.log)
    url = urls(env)["preview"] + "/api/health"

    def preview_healthy():
        probe = tools.prober.get(url)
        last["probe"] = probe
        return probe.ok and isinstance(probe.body, dict) and \
            probe.body.get("version") == manifest.version

    if not stack.wait_until(deadline, 1.0, preview_healthy):
        raise HealthGateError(f"{last['probe'].describe()} through the preview did not report "
                              f"a healthy release {manifest.version} within {deadline_s} s")


def smoke_tests(tools: Tools, env: Environment, manifest: ReleaseManifest, color: str) -> None:
    base = urls(env)["preview"]
    failures = []
    page = tools.prober.get(base + "/")
    if not page.ok:
        failures.append(f"GET / gave {page.describe()}")
    version = tools.prober.get(base + "/api/version")
    if not (version.ok and isinstance(version.body, dict)
            and version.body.get("version") == manifest.version
            and version.body.get("color") == color):
        failures.append(f"GET /api/version gave {version.body!r}, expected version "
                        f"{manifest.version} on {color}")
    query = tools.prober.post(base + "/api/query", {"text": "smoke test of " + manifest.version})
    if not (query.ok and isinstance(query.body, dict) and query.body.get("dims")):
        failures.append(f"POST /api/query gave {query.describe()} {query.body!r}")
    if failures:
        raise DeployError(f"smoke tests of release {manifest.version} on {env.name} failed: "
                          + "; ".join(failures))
    tools.log.info("Smoke tests of %s passed through the preview", manifest.version)


def verify_live(tools: Tools, env: Environment, version: str, color: str) -> bool:
    url = urls(env)["live"] + "/api/version"

    def serves():
        probe = tools.prober.get(url)
        return probe.ok and isinstance(probe.body, dict) and probe.body.get("version") == \
            version and probe.body.get("color") == color

    return bool(stack.wait_until(time.monotonic() + 15, 0.5, serves))


def _abandon(tools: Tools, env: Environment, idle: str, live: dict | None,
             variables_: dict | None, phases: Phases) -> None:
    """Remove the half-started idle color and point the preview nowhere."""
    if variables_ is None:
        return
    if tools.edge.routes(env) is not None:
        try:
            tools.edge.apply(tools.docker, tools.compose, env, variables_,
                             routes(env, live["color"] if live else None, None), tools.log)
        except RagReleaseError as e:
            tools.log.warning("Could not reset the edge preview of %s: %s", env.name, e)
    stack.stop_color(tools, env, idle, variables_)
    tools.log.info("Removed the %s color of %s after the failed %s phase", idle, env.name,
                   phases.current)


def _failed(tools: Tools, env: Environment, record: dict, phases: Phases,
            error: Exception) -> dict:
    if phases.current and phases.current not in phases.durations:
        phases.end()
    record.update(result="failed", finished_at=now_iso(), durations=phases.durations,
                  failed_phase=phases.current, error=str(error))
    tools.state.record(env.name, record)
    return record


def _states(states: dict[str, str]) -> str:
    return ", ".join(f"{n} {s}" for n, s in sorted(states.items())) or "no containers"
