"""Method tables by value kind: the only way an expression can call into Python."""

from __future__ import annotations

from typing import Any

from hetumind.expressions.methods.array import ARRAY_METHODS
from hetumind.expressions.methods.number import BOOLEAN_METHODS, NUMBER_METHODS
from hetumind.expressions.methods.object import OBJECT_METHODS
from hetumind.expressions.methods.string import STRING_METHODS
from hetumind.expressions.runtime import Method

__all__ = [
    "ARRAY_METHODS",
    "BOOLEAN_METHODS",
    "NUMBER_METHODS",
    "OBJECT_METHODS",
    "STRING_METHODS",
    "methods_for",
]

_BY_TYPE: dict[type, dict[str, Method]] = {
    str: STRING_METHODS,
    int: NUMBER_METHODS,
    float: NUMBER_METHODS,
    bool: BOOLEAN_METHODS,
    list: ARRAY_METHODS,
    dict: OBJECT_METHODS,
}


def methods_for(value: Any) -> dict[str, Method] | None:
    return _BY_TYPE.get(type(value))
