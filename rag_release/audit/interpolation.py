"""Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
`${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}`, and `$$` for a
literal dollar. Defaults and alternatives may hold variables themselves.

A colon makes the operator treat an empty variable like an unset one, as in the shell."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class InterpolationError(ValueError):
    """The text holds a `${...}` Compose would refuse."""


@dataclass(frozen=True)
class Ref:
    name: str
    op: str = ""
    word: str = ""


@dataclass
class Interpolated:
    value: str = ""
    names: list[str] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)
    required: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Shape:
    """What a value is made of before interpolation: the variables it reads, the literal text
    around them, those with a literal default (`:-`, `-`) and those required (`:?`, `?`)."""

    names: list[str] = field(default_factory=list)
    literal: str = ""
    fallbacks: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)


def tokens(text: str) -> list[str | Ref]:
    """Literal runs and variable references, in order."""
    out: list[str | Ref] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "$":
            literal.append(text[i])
            i += 1
            continue
        after = text[i + 1:i + 2]
        if after == "$":
            literal.append("$")
            i += 2
            continue
        if after == "{":
            end = _closing(text, i + 2)
            ref = _braced(text[i + 2:end])
            i = end + 1
        elif match := NAME.match(text, i + 1):
            ref = Ref(match.group())
            i = match.end()
        else:
            literal.append("$")
            i += 1
            continue
        if literal:
            out.append("".join(literal))
            literal = []
        out.append(ref)
    if literal:
        out.append("".join(literal))
    return out


def interpolate(text: str, variables: Mapping[str, str]) -> Interpolated:
    result = Interpolated()
    result.value = _expand(text, variables, result)
    return result


def shape(text: str) -> Shape:
    found = Shape()
    literal = []
    for token in tokens(text):
        if isinstance(token, str):
            literal.append(token)
            continue
        found.names.append(token.name)
        if token.op in (":?", "?"):
            found.required.append(token.name)
        if token.op in (":-", "-"):
            inner = shape(token.word)
            found.names += inner.names
            found.fallbacks += inner.fallbacks
            if inner.literal.strip():
                found.fallbacks.append(token.name)
    found.literal = "".join(literal)
    return found


def _expand(text: str, variables: Mapping[str, str], result: Interpolated) -> str:
    out = []
    for token in tokens(text):
        out.append(token if isinstance(token, str) else _resolve(token, variables, result))
    return "".join(out)


def _resolve(ref: Ref, variables: Mapping[str, str], result: Interpolated) -> str:
    result.names.append(ref.name)
    value = variables.get(ref.name)
    absent = value is None or (ref.op.startswith(":") and value == "")
    if ref.op in (":-", "-"):
        return _expand(ref.word, variables, result) if absent else value
    if ref.op in (":?", "?"):
        if absent:
            result.required.append((ref.name, _expand(ref.word, variables, result)))
            return ""
        return value
    if ref.op in (":+", "+"):
        return "" if absent else _expand(ref.word, variables, result)
    if value is None:
        result.unset.append(ref.name)
        return ""
    return value


def _closing(text: str, start: int) -> int:
    depth, j = 1, start
    while j < len(text):
        if text.startswith("$$", j):
            j += 2
            continue
        if text.startswith("${", j):
            depth, j = depth + 1, j + 2
            continue
        if text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise InterpolationError(f"'{text[start - 2:]}' opens '${{' and never closes it; add '}}' "
                             "or write '$$' for a literal dollar")


def _braced(body: str) -> Ref:
    match = NAME.match(body)
    if not match:
        raise InterpolationError(f"'${{{body}}}' does not start with a variable name; write "
                                 "'$$' for a literal dollar")
    rest = body[match.end():]
    if not rest:
        return Ref(match.group())
    for op in OPERATORS:
        if rest.startswith(op):
            return Ref(match.group(), op, rest[len(op):])
    raise InterpolationError(f"'${{{body}}}' has an unknown operator after the name; expected "
                             "one of :- - :? ? :+ +")
