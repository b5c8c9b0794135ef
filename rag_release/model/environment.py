"""Environments: dev, staging and prod, each described by one `envs/<name>.env` file holding
everything that differs between them and is not secret. Secrets appear only as references,
`KEY=${SECRET_NAME}`, resolved at deploy time by the secrets provider."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

from rag_release.errors import ConfigError

LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
SECRET_KEY = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|_KEY$)", re.I)


class EnvName(str, enum.Enum):
    dev = "dev"
    staging = "staging"
    prod = "prod"

    @property
    def previous(self) -> EnvName | None:
        order = list(EnvName)
        index = order.index(self)
        return order[index - 1] if index else None


@dataclass(frozen=True)
class Environment:
    name: str
    source: Path
    values: dict[str, str]
    secret_refs: dict[str, str]
    lines: dict[str, int]

    def get(self, key: str, default: str | None = None) -> str:
        value = self.values.get(key, default)
        if value is None:
            raise ConfigError(str(self.source), key, "required setting is missing")
        return value

    def int(self, key: str, default: int | None = None) -> int:
        raw = self.get(key, None if default is None else str(default))
        if not raw.isdigit():
            raise ConfigError(self.where(key), None, f"expected a whole number, got '{raw}'")
        return int(raw)

    def where(self, key: str) -> str:
        line = self.lines.get(key)
        return f"{self.source}:{line}" if line else str(self.source)

    @property
    def docker_host(self) -> str:
        return self.values.get("DOCKER_HOST", "")

    @property
    def project(self) -> str:
        """Prefix of the environment's compose projects and name of its network."""
        return self.values.get("STACK_NAME") or f"rag-{self.name}"


def parse_env_file(path: Path, name: str | None = None) -> Environment:
    """Parse a dotenv-style file. A literal value under a secret-looking key is refused."""
    if not path.is_file():
        raise ConfigError(str(path), None, "environment file not found; create it from envs/")
    values: dict[str, str] = {}
    refs: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            raise ConfigError(f"{path}:{number}", None, "expected KEY=VALUE")
        key, value = match.group(1), _unquote(match.group(2))
        lines[key] = number
        reference = REFERENCE.match(value)
        if reference:
            refs[key] = reference.group(1)
        elif SECRET_KEY.search(key) and value:
            raise ConfigError(f"{path}:{number}", None,
                              f"{key} is a literal; reference a secret as {key}=${{NAME}}")
        else:
            values[key] = value
    return Environment(name or path.stem, path, values, refs, lines)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value
