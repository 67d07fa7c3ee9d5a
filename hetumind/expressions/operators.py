"""JS binary and unary operators on JS values (numbers follow IEEE-754 double rules)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hetumind.expressions.values import (
    UNDEFINED,
    EvalError,
    HostObject,
    add,
    compare_lt,
    js_typeof,
    loose_eq,
    norm_number,
    strict_eq,
    to_int32,
    to_number,
    truthy,
)

__all__ = ["BINARY", "UNARY", "divide", "power", "remainder"]


def _sub(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return norm_number(a - b)
    return norm_number(to_number(a) - to_number(b))


def _mul(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return norm_number(a * b)
    x, y = to_number(a), to_number(b)
    try:
        return norm_number(x * y)
    except OverflowError:  # huge int * float
        return math.copysign(math.inf, x) * math.copysign(1, y)


def divide(x: float | int, y: float | int) -> float | int:
    try:
        return norm_number(x / y)
    except ZeroDivisionError:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    except OverflowError:
        return float(x) / float(y)


def _div(a: Any, b: Any) -> Any:
    return divide(to_number(a), to_number(b))


def remainder(x: float | int, y: float | int) -> float | int:
    if type(x) is int and type(y) is int:
        if y == 0:
            return math.nan
        r = abs(x) % abs(y)
        return -r if x < 0 else r
    if y == 0 or x != x or y != y or math.isinf(x):
        return math.nan
    if math.isinf(y):
        return x
    return norm_number(math.fmod(x, y))


def _mod(a: Any, b: Any) -> Any:
    return remainder(to_number(a), to_number(b))


def power(x: float | int, y: float | int) -> float | int:
    if y != y or (abs(x) == 1 and math.isinf(y)):
        return math.nan
    if y == 0:
        return 1
    small = type(x) is int and type(y) is int and y > 0
    if small and (x in (0, 1, -1) or y * math.log2(abs(x)) < 64):
        return norm_number(x**y)
    try:
        return norm_number(math.pow(x, y))
    except OverflowError:
        odd = float(y).is_integer() and int(y) % 2 == 1
        return -math.inf if x < 0 and odd else math.inf
    except ValueError:
        if x == 0 and y < 0:
            odd = float(y).is_integer() and int(y) % 2 == 1
            return -math.inf if odd and math.copysign(1, x) < 0 else math.inf
        return math.nan


def _pow(a: Any, b: Any) -> Any:
    return power(to_number(a), to_number(b))


def _lt(a: Any, b: Any) -> bool:
    if (type(a) is int or type(a) is float) and (type(b) is int or type(b) is float):
        return bool(a < b)
    return compare_lt(a, b) is True


def _gt(a: Any, b: Any) -> bool:
    if (type(a) is int or type(a) is float) and (type(b) is int or type(b) is float):
        return bool(a > b)
    return compare_lt(b, a) is True


def _le(a: Any, b: Any) -> bool:
    if (type(a) is int or type(a) is float) and (type(b) is int or type(b) is float):
        return bool(a <= b)
    return compare_lt(b, a) is False


def _ge(a: Any, b: Any) -> bool:
    if (type(a) is int or type(a) is float) and (type(b) is int or type(b) is float):
        return bool(a >= b)
    return compare_lt(a, b) is False


def _in(a: Any, b: Any) -> bool:
    from hetumind.expressions.runtime import property_key

    key = property_key(a)
    if type(b) is dict:
        return key in b
    if type(b) is list:
        return key == "length" or (key.isdigit() and int(key) < len(b))
    if isinstance(b, HostObject):
        return key in b.own_keys()
    raise EvalError(f"Cannot use 'in' operator to search for '{key}' in {js_typeof(b)}")


# id(constructor) -> membership test; filled in by builtins (Array, Date, Map, Error, ...).
INSTANCE_CHECKS: dict[int, Callable[[Any], bool]] = {}


def _instanceof(a: Any, b: Any) -> bool:
    check = INSTANCE_CHECKS.get(id(b))
    if check is None:
        raise EvalError("TypeError: Right-hand side of 'instanceof' is not callable")
    return check(a)


def _shift(a: Any, b: Any) -> int:
    return to_int32(to_int32(a) << (to_int32(b) & 31))


def _sar(a: Any, b: Any) -> int:
    return to_int32(a) >> (to_int32(b) & 31)


def _shr(a: Any, b: Any) -> int:
    return (to_int32(a) & 0xFFFFFFFF) >> (to_int32(b) & 31)


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": _sub,
    "*": _mul,
    "/": _div,
    "%": _mod,
    "**": _pow,
    "<": _lt,
    ">": _gt,
    "<=": _le,
    ">=": _ge,
    "==": loose_eq,
    "!=": lambda a, b: not loose_eq(a, b),
    "===": strict_eq,
    "!==": lambda a, b: not strict_eq(a, b),
    "in": _in,
    "instanceof": _instanceof,
    "&": lambda a, b: to_int32(a) & to_int32(b),
    "|": lambda a, b: to_int32(a) | to_int32(b),
    "^": lambda a, b: to_int32(a) ^ to_int32(b),
    "<<": _shift,
    ">>": _sar,
    ">>>": _shr,
}


def _neg(v: Any) -> Any:
    n = to_number(v)
    return -n if type(n) is int else norm_number(-n)


UNARY: dict[str, Callable[[Any], Any]] = {
    "!": lambda v: not truthy(v),
    "-": _neg,
    "+": to_number,
    "~": lambda v: ~to_int32(v),
    "typeof": js_typeof,
    "void": lambda v: UNDEFINED,
}
