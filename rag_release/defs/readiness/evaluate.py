"""One function per checklist item: gather what the rule needs for an environment (its files,
resolved secrets, probes of the running edge, the backup store, the Dagster instance) and return
the rule's findings."""

from __future__ import annotations

import datetime as dt
import time

import dagster as dg
from dagster_shared.check import CheckError

from rag_release.audit import Finding, Severity
from rag_release.audit.probes import probe_http, probe_tls
from rag_release.audit.rules import STATIC, backups, monitoring, passwords, tls
from rag_release.defs.readiness.environment import EnvironmentView, load_environment
from rag_release.defs.readiness.resources import ReadinessSources
from rag_release.errors import RagReleaseError
from rag_release.resources.secrets import SecretsProvider

Context = dg.AssetCheckExecutionContext


def static(rule: str):
    """A rule that reads the compose files, run on each of the environment's projects."""

    def evaluate(context: Context, env_name: str, sources: ReadinessSources,
                 secrets: SecretsProvider) -> list[Finding]:
        view = load_environment(env_name, sources, secrets)
        found = list(view.unresolved) if rule == "secrets" else []
        for project in view.projects.values():
            found += STATIC[rule](project, view.options())
        if rule == "db-passwords":
            found += _reused(view, sources, secrets)
        return list(dict.fromkeys(found))

    return evaluate


def edge_tls(context: Context, env_name: str, sources: ReadinessSources,
             secrets: SecretsProvider) -> list[Finding]:
    view = load_environment(env_name, sources, secrets, with_projects=False)
    policy = tls.TlsPolicy.from_values(view.values, env_name)
    ports = {key: _port(view, key) for key in ("EDGE_HTTPS_PORT", "EDGE_HTTP_PORT")}
    missing = [f for f in ports.values() if isinstance(f, Finding)]
    if missing:
        return missing
    host = sources.edge_host
    context.log.info("Probing the %s edge at %s:%s (HTTPS) and %s:%s (HTTP)", env_name, host,
                     ports["EDGE_HTTPS_PORT"], host, ports["EDGE_HTTP_PORT"])
    ca_file = policy.ca_file or _local_authority(sources)
    probe = probe_tls(host, ports["EDGE_HTTPS_PORT"], ca_file,
                      view.values.get("TLS_SERVER_NAME", ""))
    found = tls.certificate_findings(probe, policy, dt.datetime.now(dt.timezone.utc))
    return found + tls.redirect_findings(probe_http(f"http://{host}:{ports['EDGE_HTTP_PORT']}/"))


def _local_authority(sources: ReadinessSources) -> str:
    """The certificate authority the deployer signs edge certificates with when an environment
    gives none of its own (EdgeProxy), trusted when the env file names no TLS_CA_FILE."""
    path = sources.deploy_dir("ca") / "ca.pem"
    return str(path) if path.is_file() else ""


def backup_store(context: Context, env_name: str, sources: ReadinessSources,
                 secrets: SecretsProvider) -> list[Finding]:
    view = load_environment(env_name, sources, secrets, with_projects=False)
    raw = view.values.get("BACKUP_MAX_AGE_HOURS", "")
    try:
        max_age = float(raw) if raw else backups.MAX_AGE_HOURS
    except ValueError:
        return [Finding("backups", Severity.error, f"is '{raw}', not a number of hours",
                        file=view.env_file.where("BACKUP_MAX_AGE_HOURS"),
                        key="BACKUP_MAX_AGE_HOURS")]
    folder = sources.backups(env_name)
    context.log.info("Reading the %s backup store at %s (maximum age %g h)", env_name, folder,
                     max_age)
    return backups.findings(folder, dt.datetime.now(dt.timezone.utc), max_age)


def monitoring_up(context: Context, env_name: str, sources: ReadinessSources,
                  secrets: SecretsProvider) -> list[Finding]:
    view = load_environment(env_name, sources, secrets, with_projects=False)
    url = view.values.get("METRICS_URL") or monitoring.METRICS_URL
    context.log.info("Reading the %s metrics at %s", env_name, url)
    found = monitoring.metrics_findings(probe_http(url))
    names = (f"{env_name}_health_sensor", "health_sensor")
    return found + monitoring.sensor_findings(names, *sensor_states(context, names))


def sensor_states(context: Context, names: tuple[str, ...]):
    """Stored status and default status of each sensor named, and the age of the sensor
    daemon's last heartbeat in seconds (None when it never beat)."""
    instance = context.instance
    states = instance.all_instigator_state() if instance.schedule_storage else []
    stored = {s.instigator_name: s.status.value for s in states
              if s.instigator_type.value == "SENSOR" and s.instigator_name in names}
    try:
        repositories = [context.repository_def]
    except CheckError:
        repositories = []
    if not any(r.has_sensor_def(n) for r in repositories for n in names):
        repositories.append(_code_location())
    defaults = {n: r.get_sensor_def(n).default_status.value for r in repositories
                if r is not None for n in names if r.has_sensor_def(n)}
    if not defaults:
        context.log.warning("No code location defines %s; only stored sensor states count",
                            " or ".join(names))
    beat = instance.get_daemon_heartbeats().get("SENSOR")
    return stored, defaults, (time.time() - beat.timestamp) if beat else None


def _code_location():
    """The repository of rag_release's own code location, for runs launched without one (from
    the command line); None when it cannot be loaded here."""
    try:
        from rag_release.definitions import defs
    except RagReleaseError:
        return None
    return defs.get_repository_def()


def _reused(view: EnvironmentView, sources: ReadinessSources,
            secrets: SecretsProvider) -> list[Finding]:
    others, values = {}, {view.name: view.values}
    for name in sources.environments:
        if name != view.name and sources.env_file(name).is_file():
            other = load_environment(name, sources, secrets, with_projects=False)
            others[name], values[name] = other.env_file, other.values
    return passwords.reused(view.env_file, view.name, others, values)


def _port(view: EnvironmentView, key: str) -> int | Finding:
    raw = view.values.get(key, "")
    if raw.isdigit():
        return int(raw)
    said = f"is '{raw}', not a port number" if raw else "is not set"
    return Finding("tls", Severity.error, f"{said}; the edge's {key} must be set to probe it",
                   file=view.env_file.where(key), key=key)


EVALUATORS = {
    "secrets": static("secrets"),
    "db-passwords": static("db-passwords"),
    "exposure": static("exposure"),
    "resources": static("resources"),
    "tls": edge_tls,
    "backups": backup_store,
    "monitoring": monitoring_up,
}
