"""Checklist item 4: in staging and prod only the edge is reachable from outside the host.

The edge is the service named `edge`, a service labelled `rag_release.role=edge`, or one named
by `AuditOptions.edge`. Every other service may publish ports on loopback only (127.0.0.1,
::1) and must not share the host's network; databases, caches and internal services talk over
the compose network. In dev the rule does not apply."""

from __future__ import annotations

from rag_release.audit.findings import Finding, Severity
from rag_release.audit.model import AuditOptions, Project

RULE = "exposure"


def findings(project: Project, options: AuditOptions) -> list[Finding]:
    if not options.exposed_env:
        return []
    out = []
    for service in project.services.values():
        if options.is_edge(service):
            continue
        if service.get("network_mode") == "host":
            out.append(service.finding(
                RULE, Severity.error, f"shares the host network, so every port it listens on "
                f"is reachable from outside in {options.env_name}; remove network_mode: host "
                "and let it talk over the compose network", "network_mode"))
        for index, port in service.ports:
            if port.loopback_only:
                continue
            where = ("every interface" if port.host_ip in ("", "0.0.0.0", "::")
                     else f"{port.host_ip}, which is not loopback")
            loopback = f"127.0.0.1:{port.published}:{port.target}" if port.published else (
                f"127.0.0.1::{port.target}")
            out.append(service.finding(
                RULE, Severity.error, f"publishes {port.describe()} on {where}; in "
                f"{options.env_name} only the edge may be reached from outside: remove the "
                f"port (services reach it over the compose network) or bind it to loopback "
                f"('{loopback}'); if {service.name} is the edge, label it "
                "rag_release.role=edge", "ports", index))
    return out
