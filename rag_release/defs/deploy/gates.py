"""Promotion gates: what a release must have shown in the previous environment before it may
enter the next one. Evaluated as blocking checks on the gate assets, and again by the
deployment itself, so a deploy launched on its own cannot skip them."""


from dataclasses import dataclass

from rag_release.model.environment import Environment, EnvName
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.deploy_state import DeployStateStore
from rag_release.resources.prober import HttpProber


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    reason: str


def live_upstream(target: EnvName, manifest: ReleaseManifest,
                  state: DeployStateStore) -> GateResult:
    """The release is the one live in the previous environment, with the very same images."""
    source = target.previous
    live = state.live(source.value)
    name = f"live_in_{source.value}"
    if live is None:
        return GateResult(name, False, f"nothing is live in {source.value}; deploy release "
                                       f"{manifest.version} there first")
    if live["version"] != manifest.version:
        return GateResult(name, False, f"{source.value} runs release {live['version']}, not "
                                       f"{manifest.version}; promote what {source.value} runs "
                                       f"or deploy {manifest.version} there first")
    pinned, running = manifest.images(), live.get("images", {})
    differing = sorted(s for s in set(pinned) | set(running) if pinned.get(s) != running.get(s))
    if differing:
        detail = "; ".join(f"{s}: release pins {pinned.get(s)}, {source.value} runs "
                           f"{running.get(s)}" for s in differing)
        return GateResult(name, False, f"release {manifest.version} does not match what "
                                       f"{source.value} runs by digest ({detail})")
    return GateResult(name, True, f"{source.value} runs release {manifest.version} with the "
                                  f"same {len(pinned)} image digests")


def healthy_upstream(target: EnvName, source_env: Environment, manifest: ReleaseManifest,
                     prober: HttpProber) -> GateResult:
    """The previous environment answers healthy, now, through its edge."""
    url = f"https://127.0.0.1:{source_env.int('EDGE_HTTPS_PORT')}/api/health"
    probe = prober.get(url)
    name = f"healthy_in_{target.previous.value}"
    if not probe.ok:
        return GateResult(name, False, f"{target.previous.value} is not healthy: "
                                       f"{probe.describe()}")
    version = probe.body.get("version") if isinstance(probe.body, dict) else None
    if version != manifest.version:
        return GateResult(name, False, f"{url} reports release {version}, expected "
                                       f"{manifest.version}")
    return GateResult(name, True, f"{url} answers healthy with release {manifest.version}")


def verified_upstream(target: EnvName, manifest: ReleaseManifest,
                      state: DeployStateStore) -> GateResult:
    """The release passed its health gate, smoke tests and live verification upstream."""
    source = target.previous.value
    for entry in reversed(state.read(source).get("history", [])):
        if entry.get("version") == manifest.version and entry.get("result") == "success":
            return GateResult(f"verified_in_{source}", True,
                              f"deployed to {source} by run {entry.get('run_id')} with passing "
                              "health gate, smoke tests and live verification")
    return GateResult(f"verified_in_{source}", False,
                      f"no successful, verified deploy of {manifest.version} in {source}")
