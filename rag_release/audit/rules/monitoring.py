"""Checklist item 7: monitoring is up.

The metrics endpoint (`METRICS_URL`, default http://127.0.0.1:9464/metrics) answers 200 with
Prometheus text holding at least one sample, and the health sensors of the environment are
running. Sensor states are given as Dagster reports them (RUNNING, STOPPED, DECLARED_IN_CODE
or absent), with each sensor's default status in code, so this module needs no Dagster."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from rag_release.audit.findings import Finding, Severity
from rag_release.audit.probes import HttpProbe

RULE = "monitoring"
METRICS_URL = "http://127.0.0.1:9464/metrics"
SENSOR_DAEMON_STALE_SECONDS = 300.0


def metrics_findings(probe: HttpProbe) -> list[Finding]:
    def finding(severity: Severity, message: str) -> Finding:
        return Finding(RULE, severity, message, file=probe.url, key="metrics")

    if probe.error:
        return [finding(Severity.error, f"do not answer ({probe.error}); start the metrics "
                                        "exporter or set METRICS_URL to where it listens")]
    if probe.status != 200:
        return [finding(Severity.error, f"answer {probe.status}, not 200; check the exporter")]
    try:
        families = list(text_string_to_metric_families(probe.body))
    except ValueError as e:
        return [finding(Severity.error, f"are not Prometheus text ({e}); point METRICS_URL at "
                                        "a Prometheus exporter")]
    samples = sum(len(f.samples) for f in families)
    if not samples:
        return [finding(Severity.error, "answer with no sample; the exporter publishes nothing")]
    return [finding(Severity.info, f"answer with {len(families)} metric families, "
                                   f"{samples} samples")]


def sensor_findings(names: tuple[str, ...], stored: dict[str, str], defaults: dict[str, str],
                    daemon_age_seconds: float | None) -> list[Finding]:
    """`names` are the acceptable sensor names; each one defined in code (a key of `defaults`)
    or known to the instance (a key of `stored`) must be running, and one at least must be."""
    known = [n for n in names if n in defaults or n in stored]
    if not known:
        return [Finding(RULE, Severity.error, f"is not defined: no sensor named "
                        f"{' or '.join(names)} in this code location; add the health sensor of "
                        "the environment", file="dagster", key=f"sensor {names[0]}")]
    out = []
    for name in known:
        status = stored.get(name, "DECLARED_IN_CODE")
        if status == "DECLARED_IN_CODE":
            status = defaults.get(name, "STOPPED")
        if status != "RUNNING":
            out.append(Finding(RULE, Severity.error, "is stopped, so nothing probes the "
                               "environment or rolls it back; start it in the UI (Automation) "
                               "or give it default_status=RUNNING", file="dagster",
                               key=f"sensor {name}"))
    if daemon_age_seconds is None or daemon_age_seconds > SENSOR_DAEMON_STALE_SECONDS:
        seen = ("has never reported" if daemon_age_seconds is None
                else f"last reported {daemon_age_seconds / 60:.0f} minutes ago")
        out.append(Finding(RULE, Severity.warning, f"{seen}; sensors run only while "
                           "`dagster-daemon run` is up", file="dagster", key="sensor daemon"))
    if not out:
        out.append(Finding(RULE, Severity.info, f"health sensor {', '.join(known)} is running",
                           file="dagster"))
    return out
