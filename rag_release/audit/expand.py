"""Interpolation of a whole compose service, and the notes it leaves: a variable that is not
set, or required and missing, is noted once at its first use rather than at every use."""

from __future__ import annotations

from rag_release.audit.findings import Finding, Severity
from rag_release.audit.interpolation import InterpolationError, interpolate
from rag_release.audit.yamlfile import Mapping, Origin, Sequence


class LoadNotes:
    """Findings about loading itself, under the rule `load`."""

    def __init__(self):
        self.findings: list[Finding] = []
        self.variables: set[str] = set()

    def add(self, severity: Severity, message: str, origin: Origin, key: str,
            service: str = "") -> None:
        file, line = origin
        self.findings.append(Finding("load", severity, message, service=service, file=file,
                                     line=line, key=key))

    def unset(self, variable: str, origin: Origin, key: str, service: str) -> None:
        if variable not in self.variables:
            self.variables.add(variable)
            self.add(Severity.info, f"reads ${{{variable}}}, which is not set, as an empty "
                     "string; set it in an --env-file if that is not intended", origin, key,
                     service)

    def required(self, variable: str, message: str, origin: Origin, key: str,
                 service: str) -> None:
        if variable not in self.variables:
            self.variables.add(variable)
            said = f" ({message})" if message else ""
            self.add(Severity.warning, f"requires ${{{variable}}}, which is unset or empty"
                     f"{said}; docker compose would refuse to start; pass it with --env-file "
                     "or the environment", origin, key, service)


def expanded(node, variables: dict[str, str], notes: LoadNotes, key: str, service: str,
             origin: Origin = ("", 0)):
    """`node` with every string interpolated, mappings and sequences keeping their origins."""
    if isinstance(node, (Mapping, Sequence)):
        out = type(node)(at=node.at)
        out.origin = dict(node.origin)
        items = node.items() if isinstance(node, Mapping) else enumerate(node)
        for name, value in items:
            step = f"{key}.{name}" if isinstance(node, Mapping) else f"{key}[{name}]"
            value = expanded(value, variables, notes, step, service, node.where(name))
            if isinstance(out, Mapping):
                out[name] = value
            else:
                out.append(value)
        return out
    if not isinstance(node, str):
        return node
    try:
        result = interpolate(node, variables)
    except InterpolationError as e:
        notes.add(Severity.error, f"is invalid: {e}; docker compose would refuse it", origin,
                  key, service)
        return node
    for variable in result.unset:
        notes.unset(variable, origin, key, service)
    for variable, message in result.required:
        notes.required(variable, message, origin, key, service)
    return result.value


def plain(text: str, variables: dict[str, str]) -> str:
    """`text` interpolated, or as written when it cannot be."""
    try:
        return interpolate(text, variables).value
    except InterpolationError:
        return text
