"""An environment as the readiness checks see it: its env file with secret references resolved
by the secrets provider, and its compose projects (data, app, edge) loaded with those values,
as a deploy would run them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rag_release.audit import AuditOptions, Finding, Project, Severity, load_project
from rag_release.audit.dotenv import EnvFile, read_env_file
from rag_release.audit.interpolation import InterpolationError, shape
from rag_release.audit.rules.secrets import is_secret_key
from rag_release.defs.readiness.resources import COLORED_FILE, ReadinessSources
from rag_release.resources.secrets import SecretsProvider


@dataclass
class EnvironmentView:
    name: str
    env_file: EnvFile
    resolved: dict[str, str]
    unresolved: list[Finding] = field(default_factory=list)
    projects: dict[str, Project] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, str]:
        return self.env_file.values()

    def options(self) -> AuditOptions:
        app = self.projects.get(COLORED_FILE)
        colored = frozenset(app.services) if app else frozenset()
        return AuditOptions(env_name=self.name, colored=colored)


def resolved_env_file(path: Path, secrets: SecretsProvider) -> tuple[EnvFile, dict[str, str],
                                                                    list[Finding]]:
    """The env file with its `${NAME}` references looked up in the secrets provider, the values
    found by name, and a finding for each reference the provider cannot resolve."""
    written = read_env_file(path, {})
    resolved, missing = {}, []
    for key, entry in written.entries.items():
        for name in _names(entry.raw if entry.quote != "'" else None):
            if name in written.entries:
                continue
            value = secrets.lookup(name)
            if value:
                resolved[name] = value
                continue
            severity = Severity.error if is_secret_key(key) else Severity.warning
            missing.append(Finding(
                "secrets", severity, f"references {name}, which the secrets provider cannot "
                f"resolve; add {name} to the provider (a file named {name} in its folder, or "
                "an environment variable of the Dagster process)", file=str(path),
                line=entry.line, key=key))
    return read_env_file(path, resolved), resolved, missing


def load_environment(env_name: str, sources: ReadinessSources, secrets: SecretsProvider,
                     with_projects: bool = True) -> EnvironmentView:
    path = sources.env_file(env_name)
    env_file, resolved, missing = resolved_env_file(path, secrets)
    view = EnvironmentView(env_name, env_file, resolved, missing)
    if not with_projects:
        return view
    deploy = sources.deploy_dir(env_name)
    environ = {**resolved, "ENV_NAME": env_name, "COLOR": "blue",
               "EDGE_CONF_DIR": str(deploy / "edge"), "EDGE_TLS_DIR": str(deploy / "tls")}
    for file in sources.compose_files():
        view.projects[file.name] = load_project([file], [path], sources.profiles, environ)
    return view


def _names(raw: str | None) -> list[str]:
    try:
        return shape(raw).names if raw else []
    except InterpolationError:
        return []
