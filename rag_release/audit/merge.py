"""Several compose files into one model, in order, the way `docker compose -f a -f b` does.

Each file's services are first brought to one shape (`environment`, `labels` and `build.args`
as mappings, `env_file` as a list of `{path, required}`), then merged: mappings key by key,
`ports`, `expose`, `volumes` and `env_file` appended, anything else replaced by the later file.
`!reset` removes a value; `!override` replaces it without merging."""

from __future__ import annotations

from rag_release.audit.yamlfile import Mapping, Override, Reset, Sequence

APPENDED = {"ports", "expose", "volumes", "env_file", "dns", "dns_search", "tmpfs", "cap_add",
            "cap_drop", "extra_hosts"}
KEYED = ("environment", "labels")


def normalized(document: Mapping) -> Mapping:
    services = document.get("services")
    if not isinstance(services, Mapping):
        return document
    out = _copy(document)
    out["services"] = shaped = _copy(services)
    for name, service in services.items():
        if isinstance(service, Mapping):
            shaped[name] = _service_shape(service)
    return out


def merged(base: Mapping, override: Mapping) -> Mapping:
    return _merge(base, override, None)


def _service_shape(service: Mapping) -> Mapping:
    out = _copy(service)
    for key in KEYED:
        if isinstance(service.get(key), Sequence):
            out[key] = _as_mapping(service[key])
    build = service.get("build")
    if isinstance(build, Mapping) and isinstance(build.get("args"), Sequence):
        out["build"] = _copy(build)
        out["build"]["args"] = _as_mapping(build["args"])
    env_file = service.get("env_file")
    if env_file is not None and not isinstance(env_file, (Reset, Override)):
        out["env_file"] = _env_file_list(env_file, service.where("env_file"))
    return out


def _as_mapping(items: Sequence) -> Mapping:
    """`["KEY=value", "OTHER"]` as `{KEY: value, OTHER: None}`, each key where its item was."""
    out = Mapping(at=items.at)
    for index, item in enumerate(items):
        key, sep, value = str(item).partition("=")
        out[key.strip()] = value if sep else None
        out.origin[key.strip()] = items.where(index)
    return out


def _env_file_list(value, at) -> Sequence:
    items = value if isinstance(value, Sequence) else Sequence([value], at=at)
    if items is not value:
        items.origin[0] = at
    out = Sequence(at=items.at)
    for index, item in enumerate(items):
        entry = _copy(item) if isinstance(item, Mapping) else Mapping(
            {"path": item}, at=items.where(index))
        entry.setdefault("required", True)
        out.append(entry)
        out.origin[index] = items.where(index)
    return out


def _merge(base, override, key):
    if isinstance(override, Override):
        return _clean(override.value)
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        out = _copy(base)
        for name, value in override.items():
            if isinstance(value, Reset):
                out.pop(name, None)
                continue
            out[name] = _merge(base[name], value, name) if name in base else _clean(value)
            out.origin[name] = override.where(name)
        return out
    if key in APPENDED and isinstance(base, Sequence) and isinstance(override, Sequence):
        out = Sequence(base, at=base.at)
        out.origin = dict(base.origin)
        for index, item in enumerate(override):
            if item not in out:
                out.origin[len(out)] = override.where(index)
                out.append(_clean(item))
        return out
    return _clean(override)


def _clean(value):
    """A value from one file alone, with its `!override` tags unwrapped and `!reset` gone."""
    if isinstance(value, Override):
        return _clean(value.value)
    if isinstance(value, Mapping):
        out = Mapping(at=value.at)
        for name, item in value.items():
            if not isinstance(item, Reset):
                out[name] = _clean(item)
                out.origin[name] = value.where(name)
        return out
    if isinstance(value, Sequence):
        out = Sequence(at=value.at)
        for index, item in enumerate(value):
            if not isinstance(item, Reset):
                out.origin[len(out)] = value.where(index)
                out.append(_clean(item))
        return out
    return value


def _copy(mapping: Mapping) -> Mapping:
    out = Mapping(mapping, at=mapping.at)
    out.origin = dict(mapping.origin)
    return out
