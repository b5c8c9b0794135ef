"""Compose YAML read the way Compose reads it, keeping where every key was written.

Compose parses YAML 1.2, where `22:22` is a string and `yes` is not a boolean; PyYAML speaks
YAML 1.1 and would read that port mapping as the base-60 number 1342. The loader here resolves
plain scalars by the YAML 1.2 core schema instead. Mappings and sequences remember the file and
line of each entry so a finding can point at it, and Compose's `!reset` and `!override` tags
are understood."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from rag_release.errors import AuditInputError

Origin = tuple[str, int]


class Mapping(dict):
    """A YAML mapping that knows the file and line of each of its keys."""

    def __init__(self, *args, at: Origin = ("", 0)):
        super().__init__(*args)
        self.at = at
        self.origin: dict = {}

    def where(self, key) -> Origin:
        return self.origin.get(key, self.at)


class Sequence(list):
    """A YAML sequence that knows the file and line of each of its items."""

    def __init__(self, *args, at: Origin = ("", 0)):
        super().__init__(*args)
        self.at = at
        self.origin: dict = {}

    def where(self, index: int) -> Origin:
        return self.origin.get(index, self.at)


class Reset:
    """`!reset`: remove what the files before this one set."""


class Override:
    """`!override value`: replace what the files before this one set instead of merging."""

    def __init__(self, value):
        self.value = value


class _Loader(yaml.SafeLoader):
    source = ""


_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _mapping(loader: _Loader, node: yaml.MappingNode):
    data = Mapping(at=(loader.source, node.start_mark.line + 1))
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        data[key] = loader.construct_object(value_node, deep=True)
        data.origin[key] = (loader.source, key_node.start_mark.line + 1)


def _sequence(loader: _Loader, node: yaml.SequenceNode):
    data = Sequence(at=(loader.source, node.start_mark.line + 1))
    yield data
    for index, child in enumerate(node.value):
        data.append(loader.construct_object(child, deep=True))
        data.origin[index] = (loader.source, child.start_mark.line + 1)


def _override(loader: _Loader, node: yaml.Node) -> Override:
    builders = {yaml.MappingNode: _mapping, yaml.SequenceNode: _sequence}
    builder = builders.get(type(node))
    if builder is None:
        return Override(loader.construct_scalar(node))
    steps = builder(loader, node)
    data = next(steps)
    for _ in steps:
        pass
    return Override(data)


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _sequence)
_Loader.add_constructor("!reset", lambda loader, node: Reset())
_Loader.add_constructor("!override", _override)


def parse_yaml(text: str, source: str) -> Mapping:
    """The top-level mapping of a compose document; an empty document is an empty mapping."""
    loader = _Loader(text)
    loader.source = source
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = getattr(e, "problem", None) or str(e)
        raise AuditInputError(where, None, f"not valid YAML ({problem}); fix the syntax") from e
    finally:
        loader.dispose()
    if data is None:
        return Mapping(at=(source, 1))
    if not isinstance(data, Mapping):
        raise AuditInputError(source, None, f"expected a mapping with `services:` at the top, "
                                            f"got a {type(data).__name__}")
    return data


def read_yaml(path: Path) -> Mapping:
    try:
        text = path.read_text()
    except OSError as e:
        raise AuditInputError(str(path), None, f"cannot be read ({e.strerror}); pass the path "
                                               "of an existing compose file") from e
    return parse_yaml(text, str(path))
