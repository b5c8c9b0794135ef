"""Checklist item 1: no secret is written in a `.env` or compose file.

A key is secret-looking when a word of it is PASSWORD, SECRET, TOKEN or KEY (API_KEY,
PRIVATE_KEY, ...), unless it names a file, path, id or user (POSTGRES_PASSWORD_FILE,
AWS_ACCESS_KEY_ID). Its value must then be a reference (`${NAME}`) to be resolved at deploy
time; a literal, or a reference falling back to a literal default, is an error. Credentials in
a URL (`postgres://user:pass@db`) and on a command line (`--requirepass pass`) count too."""

from __future__ import annotations

import re

from rag_release.audit.dotenv import EnvFile
from rag_release.audit.findings import Finding, Severity
from rag_release.audit.interpolation import InterpolationError, shape
from rag_release.audit.model import AuditOptions, Project, Service

RULE = "secrets"
SECRET_PARTS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN")
SECRET_WORDS = {"PASS", "KEY", "APIKEY", "PRIVATEKEY", "CREDENTIALS"}
NOT_SECRET_TAILS = {"FILE", "PATH", "DIR", "ID", "NAME", "USER", "USERNAME", "PREFIX", "LENGTH",
                    "TTL", "EXPIRY", "EXPIRES", "EXPIRATION", "ALGORITHM", "HEADER", "REQUIRED"}
FLAGS = {"true", "false", "yes", "no", "on", "off", "0", "1"}
URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:([^@\s/]+)@")
FLAG_PASSWORD = re.compile(
    r"(?:^|\s)(--?(?:requirepass|password|passwd|pass|token|secret|api[-_]?key))(?:=|\s+)(\S+)")


def is_secret_key(key: str) -> bool:
    words = [w for w in re.split(r"[^A-Z0-9]+", key.upper()) if w]
    if not words or words[-1] in NOT_SECRET_TAILS or "PUBLIC" in words:
        return False
    return any(w in SECRET_WORDS or any(p in w for p in SECRET_PARTS) for w in words)


def literal_kind(raw: str | None, quote: str = "") -> str | None:
    """'literal' for a written value, 'fallback' for a reference with a literal default, None
    for a reference, an empty value or a flag such as `true`."""
    if not raw or raw.strip().lower() in FLAGS:
        return None
    if quote == "'":
        return "literal"
    try:
        found = shape(raw)
    except InterpolationError:
        return None
    if not found.names and found.literal.strip():
        return "literal"
    return "fallback" if found.fallbacks else None


def findings(project: Project, options: AuditOptions) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    for env_file in project.env_files:
        if env_file.path not in seen:
            seen.add(env_file.path)
            out += env_file_findings(env_file)
    for service in project.services.values():
        out += _service_findings(service)
    return out


def env_file_findings(env_file: EnvFile) -> list[Finding]:
    out = []
    for key, entry in env_file.entries.items():
        problem = _problem(key, entry.raw, entry.quote)
        if problem:
            out.append(Finding(RULE, Severity.error, problem, file=env_file.path,
                               line=entry.line, key=key))
    return out


def _service_findings(service: Service) -> list[Finding]:
    out = []
    for key, value in service.environment.items():
        if value.from_env_file:
            continue
        problem = _problem(key, value.raw, "")
        if problem:
            out.append(service.finding(RULE, Severity.error, problem, "environment", key))
        elif is_secret_key(key) and not value.value and not _guarded(value.raw):
            out.append(service.finding(
                RULE, Severity.warning, "is empty: nothing sets the variables it reads, so the "
                "service would start without this secret; define it in the env file as a "
                "reference to a secret, or use ${NAME:?message} so compose refuses to start",
                "environment", key))
    build = service.raw.get("build")
    args = build.get("args") if isinstance(build, dict) else None
    for key, raw in (args.items() if isinstance(args, dict) else ()):
        problem = _problem(str(key), None if raw is None else str(raw), "")
        if problem:
            out.append(service.finding(RULE, Severity.error, problem + "; build args are "
                                       "stored in the image history", "build", "args", key))
    for field in ("command", "entrypoint"):
        out += _command_findings(service, field)
    return out


def _problem(key: str, raw: str | None, quote: str) -> str | None:
    kind = literal_kind(raw, quote) if is_secret_key(key) else None
    if kind == "literal":
        return (f"is a literal secret; store the value in the secrets provider and write "
                f"{key}=${{NAME}} instead")
    if kind == "fallback":
        return ("falls back to a literal default when its variable is unset; remove the "
                "default so a missing secret fails loudly")
    match = URL_PASSWORD.search(raw or "")
    if match and literal_kind(match.group(1)) == "literal":
        return ("embeds a literal password in a URL; build the URL from a secret reference "
                "(scheme://user:${NAME}@host)")
    return None


def _command_findings(service: Service, field: str) -> list[Finding]:
    written = service.raw.get(field)
    if not written:
        return []
    text = " ".join(str(part) for part in written) if isinstance(written, list) else str(written)
    out = []
    for flag, raw in FLAG_PASSWORD.findall(text):
        value = raw.strip("'\"")
        if not value.startswith("$") and literal_kind(value) == "literal":
            out.append(service.finding(
                RULE, Severity.error, f"passes {flag} a literal secret; pass ${{NAME}} and let "
                "compose substitute it from a secret reference", field))
    return out


def _guarded(raw: str | None) -> bool:
    """Whether compose refuses to start when the variable is missing (`${NAME:?message}`)."""
    try:
        return bool(raw) and bool(shape(raw).required)
    except InterpolationError:
        return False
