"""Per-item helpers of the Set node: lodash-style paths, type conversion, lenient JSON.

Mirrors packages/nodes-base/nodes/Set/v2/helpers/utils.ts (validateEntry,
composeReturnItem, parseJsonParameter, resolveRawData).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from hetumind.errors import HetumindError
from hetumind.expressions.values import UNDEFINED, js_typeof, stringify, to_string
from hetumind.nodes.builtin.filter_values import validate_field_type

__all__ = [
    "SetFieldError",
    "compose_item",
    "parse_json_parameter",
    "path_get",
    "path_set",
    "path_unset",
    "resolve_raw_data",
    "validate_entry",
]


class SetFieldError(HetumindError):
    """A field cannot be set on an item (bad type conversion, invalid JSON, ...)."""


# lodash paths ------------------------------------------------------------------------------
_PROP = re.compile(
    r"""[^.[\]]+|\[(?:(-?\d+(?:\.\d+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]"""
    r"""|(?=(?:\.|\[\])(?:\.|\[\]|$))"""
)
_INDEX = re.compile(r"^(?:0|[1-9]\d*)$")


def _to_path(key: str, obj: Any) -> list[str]:
    # lodash isKey: a plain name, or a name the object already has, is one key.
    if not re.search(r"[.[\]]", key) or (isinstance(obj, dict) and key in obj):
        return [key]
    parts: list[str] = []
    if key.startswith("."):
        parts.append("")
    for m in _PROP.finditer(key):
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(re.sub(r"\\(.)", r"\1", m.group(3)))
        else:
            parts.append(m.group(0))
    return parts


def _child(container: Any, key: str) -> Any:
    if isinstance(container, dict):
        return container.get(key, UNDEFINED)
    if isinstance(container, list) and _INDEX.match(key):
        idx = int(key)
        return container[idx] if idx < len(container) else UNDEFINED
    return UNDEFINED


def _assign(container: Any, key: str, value: Any) -> None:
    if isinstance(container, list) and _INDEX.match(key):
        idx = int(key)
        if idx >= len(container):
            container.extend([None] * (idx + 1 - len(container)))
        container[idx] = value
    elif isinstance(container, dict):
        container[key] = value


def path_get(obj: Any, key: str, dot_notation: bool = True) -> Any:
    if not dot_notation:
        return obj.get(_sanitize(obj, key), UNDEFINED) if isinstance(obj, dict) else UNDEFINED
    current = obj
    for part in _to_path(key, obj):
        current = _child(current, part)
        if current is UNDEFINED:
            return UNDEFINED
    return current


def path_set(obj: dict[str, Any], key: str, value: Any, dot_notation: bool = True) -> None:
    if value is UNDEFINED:
        # JSON has no undefined: n8n's item simply lacks the key afterwards.
        path_unset(obj, key, dot_notation)
        return
    if not dot_notation:
        obj[_sanitize(obj, key)] = value
        return
    parts = _to_path(key, obj)
    current: Any = obj
    for i, part in enumerate(parts[:-1]):
        nxt = _child(current, part)
        if not isinstance(nxt, dict | list):
            nxt = [] if _INDEX.match(parts[i + 1]) else {}
            _assign(current, part, nxt)
        current = nxt
    _assign(current, parts[-1], value)


def path_unset(obj: dict[str, Any], key: str, dot_notation: bool = True) -> None:
    if not dot_notation:
        obj.pop(_sanitize(obj, key), None)
        return
    parts = _to_path(key, obj)
    parent: Any = obj
    for part in parts[:-1]:
        parent = _child(parent, part)
        if not isinstance(parent, dict | list):
            return
    if isinstance(parent, dict):
        parent.pop(parts[-1], None)
    elif isinstance(parent, list) and _INDEX.match(parts[-1]) and int(parts[-1]) < len(parent):
        parent[int(parts[-1])] = None


def _sanitize(obj: dict[str, Any], key: str) -> str:
    if key in obj:
        return key
    if len(key) >= 4 and key[:2] in ("['", '["') and key[-2:] in ("']", '"]'):
        return key[2:-2]
    return key


# type conversion ------------------------------------------------------------------------
def value_description(value: Any) -> str:
    """n8n's getValueDescription."""
    if value is None:
        return "'null'"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return f"'{to_string(value)}'"


def validate_entry(
    name: str,
    type_: str,
    value: Any,
    item_index: int,
    version: float,
    ignore_errors: bool = False,
) -> Any:
    """The value to set for one field, converted to `type_` as n8n's Set does."""
    nullish = value is None or value is UNDEFINED
    if version >= 3.2 and nullish:
        return None
    if type_ == "string":
        if version > 3 and nullish:
            if ignore_errors:
                return None
            raise SetFieldError(
                f"'{name}' expects a string but we got {value_description(value)} "
                f"[item {item_index}]"
            )
        if js_typeof(value) == "object" and value is not UNDEFINED:
            out = stringify(value)
            value = out if isinstance(out, str) else "undefined"
        else:
            value = to_string(value)
    if type_ == "string":
        return value
    ok, parsed = validate_field_type(value, type_, False)
    if not ok:
        if ignore_errors:
            return None if value is UNDEFINED else value
        raise SetFieldError(
            f"'{name}' expects a {type_} but we got {value_description(value)} [item {item_index}]"
        )
    return None if parsed is UNDEFINED else parsed


# composing the item ---------------------------------------------------------------------
def compose_item(
    source: dict[str, Any],
    new_fields: list[tuple[str, Any]],
    include: str,
    include_fields: Callable[[], str],
    exclude_fields: Callable[[], str],
    dot_notation: bool,
) -> dict[str, Any]:
    """n8n's composeReturnItem, json part."""
    out: dict[str, Any] = {}
    if include == "all":
        out = copy.deepcopy(source)
    elif include == "selected":
        for key in _field_list(include_fields()):
            value = path_get(source, key, dot_notation)
            target = key.split(".")[-1] if dot_notation and "." in key else key
            path_set(out, target, copy.deepcopy(value), dot_notation)
    elif include == "except":
        out = copy.deepcopy(source)
        for key in _field_list(exclude_fields()):
            path_unset(out, key, dot_notation)
    elif include != "none":
        raise SetFieldError(f'The include option "{include}" is not known!')
    for key, value in new_fields:
        path_set(out, key, value, dot_notation)
    return out


def _field_list(text: Any) -> list[str]:
    return [part.strip() for part in to_string(text or "").split(",") if part.strip()]


# JSON --------------------------------------------------------------------------------------
_RESOLVABLE = re.compile(r"({{[\s\S]*?}})")


def resolve_raw_data(text: str, evaluate: Callable[[str], Any]) -> str:
    """Replace each `{{ ... }}` in raw JSON text by its value, as n8n's Set raw mode does."""
    for resolvable in _RESOLVABLE.findall(text):
        value = evaluate("=" + resolvable)
        if isinstance(value, dict | list):
            rendered = stringify(value)
            replacement = rendered if isinstance(rendered, str) else ""
        else:
            replacement = to_string(value)
        text = text.replace(resolvable, replacement, 1)
    return text


def parse_json_parameter(data: Any, item_index: int, entry_name: str | None = None) -> Any:
    location = f"entry \"{entry_name}\" inside 'Fields to Set'" if entry_name else "'JSON Output'"
    if isinstance(data, str):
        try:
            parsed = _lenient_json(data)
        except ValueError:
            raise SetFieldError(
                f"The {location} in item {item_index} contains invalid JSON"
            ) from None
    else:
        parsed = data
    if not isinstance(parsed, dict):
        raise SetFieldError(
            f"The {location} in item {item_index} does not contain a valid JSON object"
        )
    return parsed


_UNQUOTED_KEY = re.compile(r"([{,]\s*)([A-Za-z_$][\w$]*)(\s*):")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_SINGLE_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_BARE_VALUE = re.compile(r"(:\s*)([^\s\"{\[\d\-,}\]][^,}\]\n]*?)(\s*[,}\]])")
_LITERALS = {"true", "false", "null"}


def _lenient_json(text: str) -> Any:
    """JSON.parse, then a small subset of the repairs n8n's jsonrepair makes."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    fixed = _SINGLE_QUOTED.sub(lambda m: json.dumps(m.group(1)), text)
    fixed = _UNQUOTED_KEY.sub(r'\1"\2"\3:', fixed)
    fixed = _TRAILING_COMMA.sub(r"\1", fixed)
    fixed = _BARE_VALUE.sub(
        lambda m: (
            m.group(0)
            if m.group(2).strip() in _LITERALS
            else f"{m.group(1)}{json.dumps(m.group(2).strip())}{m.group(3)}"
        ),
        fixed,
    )
    return json.loads(fixed)
