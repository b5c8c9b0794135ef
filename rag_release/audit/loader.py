"""Load a compose project the way `docker compose` would: env files for interpolation, every
`-f` file merged in order, profiles, services' `env_file`, and published ports.

Variables come from the `--env-file` files, in order, or, when none is given, from the `.env`
beside the first compose file (as Compose does); the process environment, passed in as
`environ`, overrides both. Paths in a compose file are relative to that file's folder.

A service in a profile that is not enabled is not audited: it is listed in `Project.skipped`
and noted once, so the report says what was left out and how to include it
(`profiles=["*"]` enables every profile). `COMPOSE_PROFILES` is honored when no profile is
given."""

from __future__ import annotations

import logging
from collections.abc import Mapping as AnyMapping
from pathlib import Path

from rag_release.audit.dotenv import EnvFile, read_env_file
from rag_release.audit.expand import LoadNotes, expanded, plain
from rag_release.audit.findings import Severity
from rag_release.audit.merge import merged, normalized
from rag_release.audit.model import EnvValue, Project, Service
from rag_release.audit.ports import PortSyntaxError, parse_port
from rag_release.audit.yamlfile import Mapping, read_yaml
from rag_release.errors import AuditInputError

log = logging.getLogger(__name__)


def load_project(files: list[Path], env_files: list[Path] = (), profiles: list[str] = (),
                 environ: AnyMapping[str, str] | None = None) -> Project:
    if not files:
        raise AuditInputError("--compose", None, "no compose file given; pass at least one")
    loaded, variables = _variables(files, env_files, dict(environ or {}))
    services, model = _services(files)
    notes = LoadNotes()
    if "include" in model:
        notes.add(Severity.warning, "is not followed; pass each included file with another "
                  "--compose", model.where("include"), "include")

    enabled = set(profiles) or {p.strip() for p in variables.get("COMPOSE_PROFILES", "")
                                .split(",") if p.strip()}
    project = Project(files=[str(f) for f in files], services={}, env_files=loaded,
                      variables=variables)
    for name, raw in services.items():
        key = f"services.{name}"
        if not isinstance(raw, Mapping):
            notes.add(Severity.error, "is not a mapping of service keys; fix its indentation",
                      services.where(name), key, name)
            continue
        own = tuple(plain(str(p), variables) for p in raw.get("profiles") or [])
        if own and "*" not in enabled and not enabled & set(own):
            project.skipped[name] = own
            log.info("Skipping service %s: its profiles %s are not enabled", name, own)
            notes.add(Severity.info, f"is not audited: profile {', '.join(own)} is not "
                      f"enabled; pass --profile {own[0]} (or --profile '*') to audit it",
                      services.where(name), key, name)
            continue
        project.services[name] = _service(name, raw, variables, project, notes)

    project.one_shot = frozenset(_one_shot(project.services.values()))
    project.notes = notes.findings
    return project


def _variables(files: list[Path], env_files: list[Path],
               environ: dict[str, str]) -> tuple[list[EnvFile], dict[str, str]]:
    sources = list(env_files) or [p for p in [files[0].parent / ".env"] if p.is_file()]
    loaded, variables = [], {}
    for path in sources:
        env_file = read_env_file(path, {**variables, **environ})
        loaded.append(env_file)
        variables.update(env_file.values())
    variables.update(environ)
    return loaded, variables


def _services(files: list[Path]) -> tuple[Mapping, Mapping]:
    model = Mapping(at=(str(files[0]), 1))
    for path in files:
        model = merged(model, normalized(read_yaml(path)))
    services = model.get("services") or Mapping()
    if not isinstance(services, Mapping):
        raise AuditInputError(str(files[0]), "services", "is not a mapping of services; write "
                              "`services:` followed by one indented entry a service")
    return services, model


def _service(name: str, raw: Mapping, variables: dict[str, str], project: Project,
             notes: LoadNotes) -> Service:
    config = expanded(raw, variables, notes, f"services.{name}", name)
    if "extends" in config:
        notes.add(Severity.info, "is not followed; only what this service declares itself is "
                  "audited", config.where("extends"), f"services.{name}.extends", name)

    environment = {}
    for index, entry in enumerate(config.get("env_file") or []):
        env_file = _service_env_file(name, config["env_file"].where(index), index, entry,
                                     variables, notes)
        if env_file:
            project.env_files.append(env_file)
            for key, e in env_file.entries.items():
                environment[key] = EnvValue(key, e.value, e.raw, env_file.path, e.line, True)
    declared = config.get("environment") or {}
    written = raw.get("environment") or {}
    for key, value in declared.items():
        file, line = declared.where(key)
        text = variables.get(key) if value is None else _text(value)
        before = written.get(key)
        environment[str(key)] = EnvValue(str(key), text, None if before is None else
                                         _text(before), file, line)

    ports = []
    for index, entry in enumerate(config.get("ports") or []):
        try:
            ports.append((index, parse_port(entry)))
        except PortSyntaxError as e:
            notes.add(Severity.error, f"is invalid: {e}", config["ports"].where(index),
                      f"services.{name}.ports[{index}]", name)
    profiles = tuple(str(p) for p in config.get("profiles") or [])
    return Service(name, config, raw, environment, ports, profiles)


def _service_env_file(name: str, origin, index: int, entry: Mapping,
                      variables: dict[str, str], notes: LoadNotes) -> EnvFile | None:
    path = Path(str(entry.get("path", "")))
    if not path.is_absolute():
        path = Path(origin[0]).parent / path
    if path.is_file():
        return read_env_file(path, variables)
    if entry.get("required", True) in (False, "false"):
        log.info("Service %s: its optional env_file %s is absent", name, path)
        return None
    notes.add(Severity.error, f"names {path}, which does not exist; docker compose would "
              "refuse to start the service; create it or mark it `required: false`", origin,
              f"services.{name}.env_file[{index}]", name)
    return None


def _one_shot(services) -> set[str]:
    """Services others wait on to complete: jobs such as migrations, not long-running."""
    names = set()
    for service in services:
        depends = service.get("depends_on", default={})
        if isinstance(depends, dict):
            names |= {n for n, d in depends.items() if isinstance(d, dict)
                      and d.get("condition") == "service_completed_successfully"}
    return names


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
