"""A compose project as the audit sees it: its services after merging and interpolation, each
value still knowing the file and line it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag_release.audit.dotenv import EnvFile
from rag_release.audit.findings import Finding, Severity
from rag_release.audit.ports import Port
from rag_release.audit.yamlfile import Mapping, Origin, Sequence

EDGE_LABEL = "rag_release.role"


@dataclass(frozen=True)
class EnvValue:
    """One variable of a service's container environment, from `environment` or `env_file`.
    `value` is None when Compose takes it from the shell at run time and the shell lacks it."""

    key: str
    value: str | None
    raw: str | None
    file: str
    line: int
    from_env_file: bool = False


@dataclass(frozen=True)
class Service:
    name: str
    config: Mapping
    raw: Mapping
    environment: dict[str, EnvValue]
    ports: list[tuple[int, Port]]
    profiles: tuple[str, ...] = ()

    def get(self, *path, default=None):
        node = self.config
        for step in path:
            if isinstance(node, dict) and step in node:
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                return default
        return node

    def where(self, *path) -> Origin:
        node, origin = self.config, self.config.at
        for step in path:
            if isinstance(node, Mapping) and step in node:
                origin, node = node.where(step), node[step]
            elif isinstance(node, Sequence) and isinstance(step, int) and step < len(node):
                origin, node = node.where(step), node[step]
            else:
                break
        return origin

    def key(self, *path) -> str:
        text = f"services.{self.name}"
        for step in path:
            text += f"[{step}]" if isinstance(step, int) else f".{step}"
        return text

    def finding(self, rule: str, severity: Severity, message: str, *path) -> Finding:
        file, line = self.where(*path)
        return Finding(rule, severity, message, service=self.name, file=file, line=line,
                       key=self.key(*path))

    @property
    def labels(self) -> dict[str, str]:
        labels = self.get("labels", default={}) or {}
        return {str(k): "" if v is None else str(v) for k, v in labels.items()}


@dataclass
class Project:
    files: list[str]
    services: dict[str, Service]
    skipped: dict[str, tuple[str, ...]] = field(default_factory=dict)
    env_files: list[EnvFile] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    notes: list[Finding] = field(default_factory=list)
    one_shot: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AuditOptions:
    """Which environment's rules apply, and what the files cannot say by themselves: which
    services are the edge and which run in two colors."""

    env_name: str = "prod"
    edge: frozenset[str] = frozenset()
    colored: frozenset[str] = frozenset()

    def is_edge(self, service: Service) -> bool:
        return (service.name == "edge" or service.name in self.edge
                or service.labels.get(EDGE_LABEL) == "edge")

    @property
    def exposed_env(self) -> bool:
        return self.env_name in ("staging", "prod")
