"""Checklist item 5: every service has CPU and memory limits and a health check, and a service
that runs more than once (replicas, or blue and green colors) has no fixed `container_name`.

Limits are read from `deploy.resources.limits` or the older `mem_limit` and `cpus` keys. A job
other services wait on to complete (`condition: service_completed_successfully`) needs no
health check."""

from __future__ import annotations

import re

from rag_release.audit.findings import Finding, Severity
from rag_release.audit.model import AuditOptions, Project, Service

RULE = "resources"
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$", re.I)
LIMITS = ("deploy", "resources", "limits")


def findings(project: Project, options: AuditOptions) -> list[Finding]:
    out = []
    for service in project.services.values():
        out += _memory(service) + _cpus(service)
        if service.name not in project.one_shot:
            out += _healthcheck(service)
        out += _container_name(service, options)
    return out


def _memory(service: Service) -> list[Finding]:
    path = LIMITS + ("memory",)
    value = service.get(*path)
    if value is None and service.get("mem_limit") is not None:
        path, value = ("mem_limit",), service.get("mem_limit")
    if value is None or str(value).strip() == "":
        return [service.finding(RULE, Severity.error, "is not set, so the service may take all "
                                "the host's memory; set it (for example 512m)", *path)]
    match = SIZE.match(str(value))
    if not match or float(match.group(1)) == 0:
        return [service.finding(RULE, Severity.error, f"is '{value}', not a positive size; "
                                "write a number with a unit such as 512m or 1g", *path)]
    return []


def _cpus(service: Service) -> list[Finding]:
    path = LIMITS + ("cpus",)
    value = service.get(*path)
    if value is None and service.get("cpus") is not None:
        path, value = ("cpus",), service.get("cpus")
    if value is None or str(value).strip() == "":
        return [service.finding(RULE, Severity.error, "is not set, so the service may take "
                                "every CPU of the host; set it (for example 0.5)", *path)]
    try:
        cpus = float(str(value))
    except ValueError:
        cpus = 0.0
    if cpus <= 0:
        return [service.finding(RULE, Severity.error, f"is '{value}', not a positive number "
                                "of CPUs; write one such as 0.5 or 2", *path)]
    return []


def _healthcheck(service: Service) -> list[Finding]:
    check = service.get("healthcheck")
    if check is None:
        return [service.finding(RULE, Severity.error, "is missing, so Docker cannot tell a "
                                "hung container from a healthy one and a deploy cannot wait "
                                "for it; declare a test (an image's own HEALTHCHECK is "
                                "invisible to this audit: declare it here too)", "healthcheck")]
    test = check.get("test") if isinstance(check, dict) else None
    if (isinstance(check, dict) and check.get("disable") in (True, "true")) or test in (
            "NONE", ["NONE"]):
        return [service.finding(RULE, Severity.error, "is disabled; enable it with a test that "
                                "proves the service answers", "healthcheck")]
    if not test:
        return [service.finding(RULE, Severity.warning, "sets options but no test, so it relies "
                                "on the image's HEALTHCHECK; declare the test here",
                                "healthcheck")]
    return []


def _container_name(service: Service, options: AuditOptions) -> list[Finding]:
    if not service.get("container_name"):
        return []
    replicas = _int(service.get("deploy", "replicas", default=service.get("scale")))
    if replicas > 1:
        why = f"it asks for {replicas} replicas, which cannot share one name"
    elif service.name in options.colored:
        why = "it runs in two colors (blue and green) side by side, which cannot share one name"
    else:
        return [service.finding(RULE, Severity.warning, "fixes the container name, so the "
                                "service can never scale or run twice for a blue-green "
                                "switch; remove it unless a tool outside compose needs the "
                                "name", "container_name")]
    return [service.finding(RULE, Severity.error, f"fixes the container name, but {why}; "
                            "remove container_name and reach the service by its name on the "
                            "compose network", "container_name")]


def _int(value) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 1
