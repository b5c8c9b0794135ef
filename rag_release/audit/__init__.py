"""The production checklist as an audit of any compose project.

`load_project` reads compose files the way `docker compose` does (interpolation, env files,
merged `-f` files, profiles, both port syntaxes); the rules in `rules/` turn the checklist into
findings, each naming the service, file, line and key at fault. Nothing here needs Dagster:
the readiness checks and the `rag-release audit` command both build on it."""

from rag_release.audit.findings import RULES, Finding, Severity, errors, ordered
from rag_release.audit.loader import load_project
from rag_release.audit.model import AuditOptions, Project, Service
from rag_release.audit.rules import static_findings

__all__ = ["RULES", "AuditOptions", "Finding", "Project", "Service", "Severity", "errors",
           "load_project", "ordered", "static_findings"]
