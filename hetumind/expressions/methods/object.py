"""Plain-object methods: the few Object.prototype ones plus n8n's extensions.

Every method returns a new object; the receiver (often input data) is never changed.
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any

from hetumind.expressions.methods._args import arg
from hetumind.expressions.values import UNDEFINED, EvalError, js_keys, stringify, to_string

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Method

__all__ = ["OBJECT_METHODS"]


def _compact(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None and v is not UNDEFINED and v != ""}


def _contains(value: Any, needle: str) -> bool:
    return needle in to_string(value) if isinstance(value, str | int | float) else False


def _merge(obj: dict[str, Any], args: list[Any]) -> dict[str, Any]:
    other = arg(args, 0)
    if type(other) is not dict:
        raise EvalError("merge(): argument must be an object")
    return {**other, **obj}


def _rename_keys(obj: dict[str, Any], args: list[Any]) -> dict[str, Any]:
    if len(args) % 2:
        raise EvalError("renameKeys(): pass pairs of from, to")
    renames = {to_string(args[i]): to_string(args[i + 1]) for i in range(0, len(args), 2)}
    return {renames.get(k, k): v for k, v in obj.items()}


def _url_encode(obj: dict[str, Any]) -> str:
    return urllib.parse.urlencode(
        [(k, "" if v is None or v is UNDEFINED else to_string(v)) for k, v in obj.items()]
    )


OBJECT_METHODS: dict[str, Method] = {
    "keys": lambda rt, o, a: js_keys(o),
    "values": lambda rt, o, a: [o[k] for k in js_keys(o)],
    "entries": lambda rt, o, a: [[k, o[k]] for k in js_keys(o)],
    "hasOwnProperty": lambda rt, o, a: to_string(arg(a, 0)) in o,
    "toString": lambda rt, o, a: "[object Object]",
    "valueOf": lambda rt, o, a: o,
    # n8n extensions
    "isEmpty": lambda rt, o, a: not o,
    "isNotEmpty": lambda rt, o, a: bool(o),
    "hasField": lambda rt, o, a: to_string(arg(a, 0)) in o,
    "removeField": lambda rt, o, a: {k: v for k, v in o.items() if k != to_string(arg(a, 0))},
    "compact": lambda rt, o, a: _compact(o),
    "keepFieldsContaining": lambda rt, o, a: {
        k: v for k, v in o.items() if _contains(v, to_string(arg(a, 0)))
    },
    "removeFieldsContaining": lambda rt, o, a: {
        k: v for k, v in o.items() if not _contains(v, to_string(arg(a, 0)))
    },
    "merge": lambda rt, o, a: _merge(o, a),
    "renameKeys": lambda rt, o, a: _rename_keys(o, a),
    "toJsonString": lambda rt, o, a: stringify(o),
    "toInt": lambda rt, o, a: UNDEFINED,
    "toFloat": lambda rt, o, a: UNDEFINED,
    "toBoolean": lambda rt, o, a: UNDEFINED,
    "toDateTime": lambda rt, o, a: UNDEFINED,
    "urlEncode": lambda rt, o, a: _url_encode(o),
}
