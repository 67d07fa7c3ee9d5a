"""n8n's `$fromAI(key, description, type, default)`: the values an agent's model fills in
the parameters of a node used as a tool (the node side is hetumind.nodes.builtin._node_tools).

The tool's argument schema is made of the calls in the node's parameters (a key with a
default is optional); when the model calls the tool, each call is replaced by the model's
value as a literal of the expression language. Parsing follows n8n's
(packages/workflow/src/from-ai-parse-utils.ts): arguments split at commas outside quotes,
types string, number, boolean and json, keys of 1-64 letters, digits, '_' and '-'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hetumind.ai.errors import AIConfigError

__all__ = ["FromAI", "fill_from_ai", "from_ai_calls", "from_ai_schema"]

_CALL = re.compile(r"\$fromAI\s*\(\s*", re.IGNORECASE)
_KEY = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_TYPES = ("string", "number", "boolean", "json")
_QUOTES = "\"'`"


@dataclass(frozen=True)
class FromAI:
    """One `$fromAI(key, description, type, default)` call and where it is in its text."""

    key: str
    description: str
    type: str
    default: Any
    has_default: bool
    start: int
    end: int


def _split_arguments(text: str) -> list[str]:
    """The call's arguments, split at commas outside quotes, quotes removed."""
    parts: list[str] = []
    current, quote, escaped = "", "", False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote:
            current += char
            quote = "" if char == quote else quote
        elif char in _QUOTES:
            current += char
            quote = char
        elif char == ",":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return [p[1:-1] if len(p) >= 2 and p[0] == p[-1] and p[0] in _QUOTES else p for p in parts]


def _default(raw: str, kind: str) -> Any:
    if kind == "string":
        return raw
    if kind == "boolean" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if kind == "number":
        try:
            return float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            pass
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_ai_calls(text: str, where: str) -> list[FromAI]:
    """Every `$fromAI(...)` call in `text`; AIConfigError naming `where` when one is
    malformed (unbalanced, an unknown type, a key n8n would refuse)."""
    calls: list[FromAI] = []
    for match in _CALL.finditer(text):
        depth, quote, i = 1, "", match.end()
        while i < len(text) and depth:
            char = text[i]
            if quote:
                if char == "\\":
                    i += 1
                elif char == quote:
                    quote = ""
            elif char in _QUOTES:
                quote = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            i += 1
        if depth:
            raise AIConfigError(f"{where}: unbalanced parentheses in $fromAI call")
        args = _split_arguments(text[match.end() : i - 1])
        key = args[0] if args else ""
        kind = (args[2] if len(args) > 2 and args[2] else "string").lower()
        if not _KEY.match(key):
            raise AIConfigError(
                f"{where}: $fromAI key {key!r} must be 1-64 letters, digits, '_' or '-'"
            )
        if kind not in _TYPES:
            raise AIConfigError(f"{where}: $fromAI type {kind!r} is not one of {_TYPES}")
        has_default = len(args) > 3
        calls.append(
            FromAI(
                key=key,
                description=args[1] if len(args) > 1 else "",
                type=kind,
                default=_default(args[3], kind) if has_default else None,
                has_default=has_default,
                start=match.start(),
                end=i,
            )
        )
    return calls


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    """(parameter path, text) of every string in a parameter tree."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in _strings(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{path}[{i}]")]
    return []


_JSON_SCHEMA: Mapping[str, Mapping[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "json": {
        "anyOf": [
            {"type": "object", "minProperties": 1, "additionalProperties": True},
            {"type": "array", "minItems": 1},
        ]
    },
}


def from_ai_schema(parameters: Mapping[str, Any], node_name: str) -> dict[str, Any]:
    """The JSON schema of a tool's arguments: one property per `$fromAI` key, required
    unless it has a default; the same key twice must agree on its type."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    types: dict[str, str] = {}
    for path, text in _strings(parameters, ""):
        for call in from_ai_calls(text, f"node {node_name!r}, parameter {path!r}"):
            if types.setdefault(call.key, call.type) != call.type:
                raise AIConfigError(
                    f"node {node_name!r}: $fromAI key {call.key!r} is used as "
                    f"{types[call.key]} and as {call.type}"
                )
            prop = dict(_JSON_SCHEMA[call.type])
            if call.description:
                prop["description"] = call.description
            if call.has_default:
                prop["default"] = call.default
            elif call.key not in required:
                required.append(call.key)
            properties.setdefault(call.key, prop)
    required = [k for k in required if "default" not in properties[k]]
    return {"type": "object", "properties": properties, "required": required}


def fill_from_ai(value: Any, args: Mapping[str, Any], where: str) -> Any:
    """`value` with each `$fromAI(...)` call replaced by the model's value (or its
    default) as a literal of the expression language."""
    if isinstance(value, Mapping):
        return {k: fill_from_ai(v, args, where) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_from_ai(v, args, where) for v in value]
    if not isinstance(value, str):
        return value
    calls = from_ai_calls(value, where)
    for call in reversed(calls):  # from the end, so earlier spans stay where they are
        chosen = args.get(call.key, call.default)
        literal = f"({json.dumps(chosen, ensure_ascii=False)})"
        value = value[: call.start] + literal + value[call.end :]
    return value
