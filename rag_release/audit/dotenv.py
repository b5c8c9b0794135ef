"""`.env` files as Compose reads them: `KEY=VALUE` lines, optional `export`, `#` comments,
single quotes kept literally, double quotes with escapes, and `${VAR}` interpolation in
unquoted and double-quoted values from earlier lines, then from the given variables.

A value spanning several lines inside double quotes is not supported; the file is refused with
the line at fault."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rag_release.audit.interpolation import InterpolationError, interpolate
from rag_release.errors import AuditInputError

LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*(?:=(.*))?$")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$$"}


@dataclass(frozen=True)
class EnvEntry:
    key: str
    value: str | None
    raw: str | None
    quote: str
    line: int


@dataclass(frozen=True)
class EnvFile:
    path: str
    entries: dict[str, EnvEntry]

    def values(self) -> dict[str, str]:
        return {k: e.value for k, e in self.entries.items() if e.value is not None}

    def where(self, key: str) -> str:
        entry = self.entries.get(key)
        return f"{self.path}:{entry.line}" if entry else self.path


def read_env_file(path: Path, variables: Mapping[str, str]) -> EnvFile:
    try:
        text = path.read_text()
    except OSError as e:
        raise AuditInputError(str(path), None, f"cannot be read ({e.strerror}); pass the path "
                                               "of an existing env file") from e
    return parse_env_text(text, str(path), variables)


def parse_env_text(text: str, source: str, variables: Mapping[str, str]) -> EnvFile:
    entries: dict[str, EnvEntry] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = LINE.match(stripped)
        if not match:
            name = _clip(stripped.split("=", 1)[0].strip())
            raise AuditInputError(f"{source}:{number}", None,
                                  f"expected KEY=VALUE; '{name}' is not a variable name")
        key, rest = match.group(1), match.group(2)
        if rest is None:
            entries[key] = EnvEntry(key, variables.get(key), None, "", number)
            continue
        raw, quote = _unquote(rest.strip(), f"{source}:{number}", key)
        known = {**variables, **{k: e.value for k, e in entries.items() if e.value is not None}}
        value = raw if quote == "'" else _expanded(raw, known, f"{source}:{number}", key)
        entries[key] = EnvEntry(key, value, raw, quote, number)
    return EnvFile(source, entries)


def _unquote(value: str, where: str, key: str) -> tuple[str, str]:
    if not value or value[0] not in "'\"":
        return re.split(r"\s+#", value, maxsplit=1)[0].rstrip(), ""
    quote = value[0]
    end = _closing_quote(value, quote)
    if end < 0:
        raise AuditInputError(where, key, f"the value opens {quote} and never closes it on "
                                          "this line; close it (multi-line values are not "
                                          "supported)")
    inner = value[1:end]
    if quote == '"':
        inner = re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), inner)
    return inner, quote


def _closing_quote(value: str, quote: str) -> int:
    i = 1
    while i < len(value):
        if quote == '"' and value[i] == "\\":
            i += 2
            continue
        if value[i] == quote:
            return i
        i += 1
    return -1


def _expanded(raw: str, known: Mapping[str, str], where: str, key: str) -> str:
    try:
        return interpolate(raw, known).value
    except InterpolationError as e:
        raise AuditInputError(where, key, str(e)) from e


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
