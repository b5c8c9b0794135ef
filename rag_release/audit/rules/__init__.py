"""The checklist as rules. Static rules read a loaded compose project; live rules judge what a
probe of the running environment saw. Every rule returns findings and never raises."""

from __future__ import annotations

from rag_release.audit.findings import Finding
from rag_release.audit.model import AuditOptions, Project
from rag_release.audit.rules import exposure, passwords, resources, secrets

STATIC = {
    "secrets": secrets.findings,
    "db-passwords": passwords.findings,
    "exposure": exposure.findings,
    "resources": resources.findings,
}


def static_findings(project: Project, options: AuditOptions,
                    rules: tuple[str, ...] = tuple(STATIC)) -> list[Finding]:
    """The findings of `rules` on `project`, after the notes from loading it."""
    found = list(project.notes)
    for rule in rules:
        found += STATIC[rule](project, options)
    return found
