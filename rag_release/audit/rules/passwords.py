"""Checklist item 3: database passwords are strong.

A password is any variable whose key holds PASSWORD or PASSWD (POSTGRES_PASSWORD, PGPASSWORD,
REDIS_PASSWORD). Its value, after interpolation and secret resolution, must not be a well-known
default, must have at least 16 characters, and must differ between environments. Values are
compared and measured, never printed."""

from __future__ import annotations

import re

from rag_release.audit.dotenv import EnvFile
from rag_release.audit.findings import Finding, Severity
from rag_release.audit.interpolation import InterpolationError, shape
from rag_release.audit.model import AuditOptions, Project

RULE = "db-passwords"
MIN_LENGTH = 16
DEFAULTS = {"postgres", "password", "changeme", "admin", "example", "secret", "123456",
            "12345678", "123456789", "root", "pass", "test", "qwerty", "letmein", "default",
            "passw0rd", "password1", "admin123", "mysql", "redis", "guest", "user", "rag"}
NOT_PASSWORD_TAILS = {"FILE", "PATH", "DIR", "REQUIRED", "LENGTH"}


def is_password_key(key: str) -> bool:
    words = [w for w in re.split(r"[^A-Z0-9]+", key.upper()) if w]
    if not words or words[-1] in NOT_PASSWORD_TAILS:
        return False
    return any("PASSWORD" in w or "PASSWD" in w for w in words)


def weakness(value: str) -> str | None:
    if value.strip().lower() in DEFAULTS:
        return "is a well-known default password"
    if len(value) < MIN_LENGTH:
        return f"has {len(value)} characters, fewer than {MIN_LENGTH}"
    return None


def findings(project: Project, options: AuditOptions) -> list[Finding]:
    """One finding per weak value, at its first use; the other uses are named in it."""
    places: dict[str, list] = {}
    for service in project.services.values():
        for key, value in service.environment.items():
            if is_password_key(key) and value.value:
                places.setdefault(_origin(value.raw, key, value.file), []).append(
                    (service, key, value))
    out = []
    for origin, uses in places.items():
        service, key, value = uses[0]
        problem = weakness(value.value)
        if not problem:
            continue
        also = ", ".join(f"{s.name}.{k}" for s, k, _ in uses[1:])
        source = f" (from {origin})" if origin.startswith("$") else ""
        message = (f"{problem}{source}; generate a random password of {MIN_LENGTH} or more "
                   f"characters and keep it in the secrets provider")
        message += f"; the same value reaches {also}" if also else ""
        if value.from_env_file:
            out.append(Finding(RULE, Severity.error, message, service=service.name,
                               file=value.file, line=value.line, key=key))
        else:
            out.append(service.finding(RULE, Severity.error, message, "environment", key))
    return out


def reused(target: EnvFile, target_env: str, others: dict[str, EnvFile],
           values: dict[str, dict[str, str]]) -> list[Finding]:
    """Passwords of `target` equal to a password of another environment, or referencing the
    same secret. `values` holds each environment's resolved values by key."""
    out = []
    mine = values.get(target_env, {})
    for key, entry in target.entries.items():
        if not is_password_key(key):
            continue
        for env, other in sorted(others.items()):
            match = _same(key, entry.raw, mine.get(key), other, values.get(env, {}))
            if match:
                other_key, why = match
                out.append(Finding(
                    RULE, Severity.error, f"{why} as {other_key} in {other.where(other_key)} "
                    f"({env}); give each environment its own password", file=target.path,
                    line=entry.line, key=key))
                break
    return out


def _same(key: str, raw: str | None, value: str | None, other: EnvFile,
          other_values: dict[str, str]) -> tuple[str, str] | None:
    names = set(_names(raw))
    for other_key, other_entry in other.entries.items():
        if not is_password_key(other_key):
            continue
        if names & set(_names(other_entry.raw)):
            return other_key, "references the same secret"
        if value and other_values.get(other_key) == value:
            return other_key, "has the same value"
    return None


def _names(raw: str | None) -> list[str]:
    try:
        return shape(raw).names if raw else []
    except InterpolationError:
        return []


def _origin(raw: str | None, key: str, file: str) -> str:
    """What a value comes from: `${NAME}` when it is read from a variable, else its place."""
    names = _names(raw)
    return f"${{{names[0]}}}" if names else f"{file}:{key}"
