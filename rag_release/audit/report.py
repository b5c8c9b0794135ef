"""The audit's findings for people (aligned text, one finding a line) and for programs
(JSON)."""

from __future__ import annotations

import json
from collections import Counter

from rag_release.audit.findings import Finding, Severity, ordered
from rag_release.audit.model import AuditOptions, Project


def summary(findings: list[Finding]) -> dict[str, int]:
    counts = Counter(f.severity.value for f in findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def render_text(project: Project | None, options: AuditOptions, findings: list[Finding]) -> str:
    lines = []
    if project is not None:
        lines.append(f"audit of {', '.join(project.files)} for {options.env_name}: "
                     f"{len(project.services)} services audited, {len(project.skipped)} "
                     "skipped")
    for f in ordered(findings):
        lines.append(f"{f.severity.value:<8} {f.rule:<13} {f.service or '-':<12} {f.text()}")
    counts = summary(findings)
    lines.append(f"{counts['error']} errors, {counts['warning']} warnings, "
                 f"{counts['info']} notes")
    return "\n".join(lines) + "\n"


def render_json(project: Project | None, options: AuditOptions, findings: list[Finding]) -> str:
    counts = summary(findings)
    data = {
        "env_name": options.env_name,
        "files": project.files if project else [],
        "env_files": sorted({e.path for e in project.env_files}) if project else [],
        "services": sorted(project.services) if project else [],
        "skipped": {n: list(p) for n, p in project.skipped.items()} if project else {},
        "passed": counts["error"] == 0,
        "summary": counts,
        "findings": [f.to_dict() for f in ordered(findings)],
    }
    return json.dumps(data, indent=2) + "\n"
