"""What the audit reports: one finding per problem, pointing at the service, file and key that
hold it, with a message that says what is wrong and what to do."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, replace
from pathlib import Path


class Severity(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"


RULES = {
    "secrets": "no literal secrets in .env or compose files; secrets resolved by the provider",
    "tls": "the edge serves a valid certificate and redirects plain HTTP to HTTPS",
    "db-passwords": "database passwords are not defaults, not short, not shared by environments",
    "exposure": "in staging and prod only the edge publishes ports beyond loopback",
    "resources": "every service has CPU and memory limits and a health check; scalable "
                 "services have no fixed container_name",
    "backups": "the newest good backup is fresh and its restore drill passed",
    "monitoring": "the metrics endpoint answers and the health sensors run",
    "load": "the compose project could be read as docker compose would read it",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    service: str = ""
    file: str = ""
    line: int = 0
    key: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def text(self) -> str:
        """`file:line: key message`, the way a config error reads in this project; a message
        is written to follow its key (`services.db.ports[0] publishes ...`)."""
        subject = f"{self.key} {self.message}" if self.key else self.message
        return f"{self.where}: {subject}" if self.where else subject

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    def relative_to(self, root: Path) -> Finding:
        """The same finding with paths under `root` written relative to it."""
        prefix = f"{root}/"
        return replace(self, file=self.file.removeprefix(prefix),
                       message=self.message.replace(prefix, ""))


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.error]


def warnings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.warning]


def ordered(findings: list[Finding]) -> list[Finding]:
    rank = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
    return sorted(findings, key=lambda f: (rank[f.severity], f.rule, f.service, f.file, f.line,
                                           f.key))
