"""A small reader over parsed YAML that reports errors as `file: dotted.key: message`."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from rag_release.errors import ConfigError


def load_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(str(path), None, "file not found; pass the path of an existing file")
    try:
        return yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}", None, f"not valid YAML ({getattr(e, 'problem', e)})")


class Section:
    """A mapping in a config file, with the path that led to it for error messages."""

    def __init__(self, source: str, key: str, data: Any):
        if not isinstance(data, dict):
            raise ConfigError(source, key or None, f"expected a mapping, got {_kind(data)}")
        self.source = source
        self.key = key
        self.data = data

    def error(self, name: str | None, message: str) -> ConfigError:
        return ConfigError(self.source, self._path(name), message)

    def only(self, *allowed: str) -> None:
        """Refuse keys outside `allowed`, suggesting the closest allowed one."""
        for name in self.data:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
                raise self.error(str(name), f"unknown key; {hint}")

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def section(self, name: str, default: dict | None = None) -> Section:
        value = self.data.get(name, default)
        if value is None:
            raise self.error(name, "required mapping is missing")
        return Section(self.source, self._path(name), value)

    def sections(self, name: str) -> dict[str, Section]:
        parent = self.section(name, {})
        return {str(k): parent.section(str(k)) for k in parent.data}

    def str(self, name: str, default: str | None = None, required: bool = True) -> str | None:
        value = self.data.get(name, default)
        if value is None:
            if required:
                raise self.error(name, "required value is missing")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"expected a non-empty string, got {_kind(value)}")
        return value

    def int(self, name: str, default: int | None = None, minimum: int | None = None) -> int:
        value = self.data.get(name, default)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(name, f"expected an integer, got {_kind(value)}")
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be at least {minimum}, got {value}")
        return value

    def str_list(self, name: str, default: list | None = None) -> list[str]:
        value = self.data.get(name, default if default is not None else [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(name, f"expected a list of strings, got {_kind(value)}")
        return list(value)

    def bool(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise self.error(name, f"expected true or false, got {_kind(value)}")
        return value

    def _path(self, name: str | None) -> str:
        if name is None:
            return self.key
        return f"{self.key}.{name}" if self.key else name


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return type(value).__name__
    return f"{type(value).__name__} {value!r}"
