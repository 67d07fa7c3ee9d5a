"""Global built-ins: Math, JSON, Object, Array, String, Number, Boolean, DateTime, ..."""

from __future__ import annotations

import json
import math
import random
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hetumind.expressions.datetime import DateTime, from_iso, parse_datetime
from hetumind.expressions.jsobjects import (
    ERROR_NAMES,
    ErrorObject,
    JsMap,
    JsSet,
    construct_map,
    construct_set,
    iterate,
)
from hetumind.expressions.methods._args import arg, int_arg
from hetumind.expressions.methods.number import js_round
from hetumind.expressions.methods.string import encode_uri_component, parse_float, parse_int
from hetumind.expressions.operators import INSTANCE_CHECKS
from hetumind.expressions.regex import JsRegExp
from hetumind.expressions.runtime import NativeFunction, Runtime
from hetumind.expressions.values import (
    MAX_ARRAY_LENGTH,
    MAX_SAFE_INTEGER,
    UNDEFINED,
    EvalError,
    HostObject,
    JsCallable,
    js_keys,
    norm_number,
    stringify,
    to_number,
    to_string,
    truthy,
)

__all__ = ["CONSTRUCTORS", "GLOBALS", "Namespace", "json_parse", "math_extreme"]


class Namespace(HostObject):
    """A read-only bag of built-ins such as `Math`; its members are all it exposes."""

    __slots__ = ("members", "name")

    def __init__(self, name: str, members: dict[str, Any]) -> None:
        self.name = name
        self.members = members

    @property
    def js_class(self) -> str:  # type: ignore[override]
        return self.name

    def get_member(self, rt: Runtime, key: str) -> Any:
        return self.members.get(key, UNDEFINED)

    def to_json(self) -> Any:
        return {}


class FunctionWithStatics(NativeFunction):
    """A callable built-in that also has members, like `Number(x)` and `Number.isInteger`."""

    __slots__ = ("statics",)

    def __init__(self, name: str, impl: Callable[[Runtime, list[Any]], Any],
                 statics: dict[str, Any]) -> None:  # fmt: skip
        super().__init__(name, impl)
        self.statics = statics

    def get_static(self, key: str) -> Any:
        return self.statics.get(key, UNDEFINED) if key != "name" else self.name


def _fn(name: str, impl: Callable[[list[Any]], Any]) -> NativeFunction:
    return NativeFunction(name, lambda rt, args: impl(args))


def _math1(name: str, f: Callable[[float], float]) -> NativeFunction:
    def impl(args: list[Any]) -> Any:
        x = to_number(arg(args, 0))
        try:
            return norm_number(f(x))
        except (ValueError, OverflowError):
            return math.nan

    return _fn(name, impl)


def math_extreme(args: list[Any], pick_max: bool) -> Any:
    nums = [to_number(a) for a in args]
    if not nums:
        return -math.inf if pick_max else math.inf
    if any(n != n for n in nums):
        return math.nan
    return max(nums) if pick_max else min(nums)


def _log(x: float) -> float:
    if x == 0:
        return -math.inf
    return math.log(x) if x > 0 else math.nan


def _sign(x: float) -> float:
    return x if x != x or x == 0 else (1 if x > 0 else -1)


def _floor(x: float) -> float:
    return x if not math.isfinite(x) else math.floor(x)


def _ceil(x: float) -> float:
    return x if not math.isfinite(x) else math.ceil(x)


def _trunc(x: float) -> float:
    return x if not math.isfinite(x) else math.trunc(x)


def _pow(args: list[Any]) -> Any:
    from hetumind.expressions.operators import power

    return power(to_number(arg(args, 0)), to_number(arg(args, 1)))


MATH = Namespace("Math", {
    "PI": math.pi, "E": math.e, "LN2": math.log(2), "LN10": math.log(10),
    "LOG2E": 1 / math.log(2), "LOG10E": 1 / math.log(10), "SQRT2": math.sqrt(2),
    "SQRT1_2": math.sqrt(0.5),
    "abs": _math1("abs", abs), "floor": _math1("floor", _floor), "ceil": _math1("ceil", _ceil),
    "round": _math1("round", js_round), "trunc": _math1("trunc", _trunc),
    "sign": _math1("sign", _sign), "sqrt": _math1("sqrt", math.sqrt),
    "cbrt": _math1("cbrt", lambda x: math.copysign(abs(x) ** (1 / 3), x)),
    "log": _math1("log", _log), "log2": _math1("log2", lambda x: _log(x) / math.log(2)),
    "log10": _math1("log10", lambda x: _log(x) / math.log(10)), "exp": _math1("exp", math.exp),
    "sin": _math1("sin", math.sin), "cos": _math1("cos", math.cos),
    "tan": _math1("tan", math.tan), "asin": _math1("asin", math.asin),
    "acos": _math1("acos", math.acos), "atan": _math1("atan", math.atan),
    "atan2": _fn("atan2", lambda a: math.atan2(to_number(arg(a, 0)), to_number(arg(a, 1)))),
    "hypot": _fn("hypot", lambda a: norm_number(math.hypot(*(to_number(x) for x in a)))),
    "max": _fn("max", lambda a: math_extreme(a, True)),
    "min": _fn("min", lambda a: math_extreme(a, False)),
    "pow": _fn("pow", _pow), "random": _fn("random", lambda a: random.random()),
})  # fmt: skip


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Unexpected token {name} in JSON")


def json_parse(text: str) -> Any:
    try:
        return json.loads(
            text,
            parse_float=lambda s: norm_number(float(s)),
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError) as e:
        raise EvalError(f"JSON.parse: {e}") from None


def _own_deep(rt: Runtime, value: Any) -> Any:
    """JSON.parse builds everything anew: all of it is the expression's to modify."""
    stack = [value]
    while stack:
        v = stack.pop()
        if type(v) is list:
            rt.own(v)
            stack.extend(v)
        elif type(v) is dict:
            rt.own(v)
            stack.extend(v.values())
    return value


def _json_stringify(rt: Runtime, args: list[Any]) -> Any:
    space = arg(args, 2)
    if type(space) in (int, float):
        indent = " " * max(0, min(10, int(space)))
    elif type(space) is str:
        indent = space[:10]
    else:
        indent = ""
    return stringify(arg(args, 0), indent, rt)


JSON_NS = Namespace("JSON", {
    "stringify": NativeFunction("stringify", _json_stringify),
    "parse": NativeFunction("parse", lambda rt, a: _own_deep(rt, json_parse(to_string(arg(a, 0))))),
})  # fmt: skip


def _object_arg(args: list[Any], name: str) -> dict[str, Any]:
    v = arg(args, 0)
    if type(v) is dict:
        return v
    if type(v) is list:
        return {str(i): e for i, e in enumerate(v)}
    if v is None or v is UNDEFINED:
        raise EvalError(f"Object.{name}: cannot convert undefined or null to object")
    return {}


def _assign(rt: Runtime, args: list[Any]) -> dict[str, Any]:
    # A target this evaluation built is updated in place, as in JS; input data (which
    # other items still read) is copied instead.
    target = arg(args, 0)
    out = (
        target
        if type(target) is dict and id(target) in rt.owned
        else dict(_object_arg(args, "assign"))
    )
    for src in args[1:]:
        if type(src) is dict:
            rt.tick(len(src) >> 8)
            out.update(src)
    return rt.own(out)


def _from_entries(rt: Runtime, args: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in iterate(rt, arg(args, 0)):
        if type(pair) is not list:
            raise EvalError("Object.fromEntries: each entry must be a [key, value] array")
        out[to_string(arg(pair, 0))] = arg(pair, 1)
    return out


def _values(o: dict[str, Any]) -> list[Any]:
    return [o[k] for k in js_keys(o)]


def _entries(o: dict[str, Any]) -> list[Any]:
    return [[k, o[k]] for k in js_keys(o)]


OBJECT_NS = Namespace("Object", {
    "keys": _fn("keys", lambda a: js_keys(_object_arg(a, "keys"))),
    "values": _fn("values", lambda a: _values(_object_arg(a, "values"))),
    "entries": _fn("entries", lambda a: _entries(_object_arg(a, "entries"))),
    "assign": NativeFunction("assign", _assign),
    "fromEntries": NativeFunction("fromEntries", _from_entries),
    "freeze": _fn("freeze", lambda a: arg(a, 0)),
})  # fmt: skip


def _array_from(rt: Runtime, args: list[Any]) -> list[Any]:
    src = arg(args, 0)
    if type(src) in (list, str) or isinstance(src, JsSet | JsMap):
        out = list(iterate(rt, src))
    elif type(src) is dict and "length" in src:
        n = to_number(src["length"])
        if not 0 <= n <= MAX_ARRAY_LENGTH:
            raise EvalError("Invalid array length")
        out = [UNDEFINED] * int(n)
    else:
        out = []
    fn = arg(args, 1)
    if isinstance(fn, JsCallable):
        return rt.own([rt.call(fn, [v, i]) for i, v in enumerate(out)])
    return rt.own(out)


def _array_call(rt: Runtime, args: list[Any]) -> list[Any]:
    return _new_array(rt, args)


ARRAY_NS = FunctionWithStatics("Array", _array_call, {
    "isArray": _fn("isArray", lambda a: type(arg(a, 0)) is list),
    "from": NativeFunction("from", _array_from),
    "of": NativeFunction("of", lambda rt, a: rt.own(list(a))),
})  # fmt: skip

_NUMBER_STATICS = {
    "isInteger": _fn("isInteger", lambda a: type(v := arg(a, 0)) is int or (
        type(v) is float and math.isfinite(v) and v.is_integer())),
    "isFinite": _fn("isFinite",
                    lambda a: type(v := arg(a, 0)) in (int, float) and math.isfinite(v)),
    "isNaN": _fn("isNaN", lambda a: type(v := arg(a, 0)) is float and v != v),
    "isSafeInteger": _fn("isSafeInteger", lambda a: type(v := arg(a, 0)) is int
                         and abs(v) < MAX_SAFE_INTEGER),
    "parseFloat": _fn("parseFloat", lambda a: parse_float(to_string(arg(a, 0)))),
    "parseInt": _fn("parseInt", lambda a: parse_int(to_string(arg(a, 0)), arg(a, 1))),
    "MAX_SAFE_INTEGER": MAX_SAFE_INTEGER - 1, "MIN_SAFE_INTEGER": -(MAX_SAFE_INTEGER - 1),
    "EPSILON": 2.0**-52, "MAX_VALUE": 1.7976931348623157e308, "MIN_VALUE": 5e-324,
    "POSITIVE_INFINITY": math.inf, "NEGATIVE_INFINITY": -math.inf, "NaN": math.nan,
}  # fmt: skip


def _now(rt: Runtime) -> datetime:
    return rt.ctx.now if rt.ctx.now is not None else datetime.now(UTC)


def _datetime_from(value: Any) -> DateTime:
    if type(value) in (int, float):
        if value != value:
            raise EvalError("Invalid DateTime")
        return DateTime(datetime.fromtimestamp(value / 1000, UTC))
    if isinstance(value, DateTime):
        return value
    dt = parse_datetime(to_string(value))
    if dt is None:
        raise EvalError(f"Invalid DateTime: {to_string(value)}")
    return DateTime(dt)


def _new_date(rt: Runtime, args: list[Any]) -> DateTime:
    if not args:
        return DateTime(_now(rt))
    if len(args) == 1:
        return _datetime_from(args[0])
    parts = [int_arg(args, i, 1 if i == 2 else 0) for i in range(7)]
    try:
        return DateTime(datetime(parts[0], parts[1] + 1, parts[2], parts[3], parts[4], parts[5],
                                 parts[6] * 1000, tzinfo=UTC))  # fmt: skip
    except ValueError as e:
        raise EvalError(f"Invalid Date: {e}") from None


def _regexp_ctor(args: list[Any]) -> JsRegExp:
    flags = "" if arg(args, 1) is UNDEFINED else to_string(arg(args, 1))
    return JsRegExp.create(to_string(arg(args, 0)), flags)


DATETIME_NS = Namespace("DateTime", {
    "now": NativeFunction("now", lambda rt, a: DateTime(_now(rt))),
    "local": NativeFunction("local", lambda rt, a: DateTime(_now(rt))),
    "utc": NativeFunction("utc", lambda rt, a: DateTime(_now(rt).astimezone(UTC))),
    "fromISO": _fn("fromISO", lambda a: from_iso(to_string(arg(a, 0)), arg(a, 1))),
    "fromMillis": _fn("fromMillis", lambda a: _datetime_from(to_number(arg(a, 0)))),
    "fromSeconds": _fn("fromSeconds", lambda a: _datetime_from(to_number(arg(a, 0)) * 1000)),
    "fromJSDate": _fn("fromJSDate", lambda a: _datetime_from(arg(a, 0))),
})  # fmt: skip

GLOBALS: dict[str, Any] = {
    "undefined": UNDEFINED,
    "NaN": math.nan,
    "Infinity": math.inf,
    "Math": MATH,
    "JSON": JSON_NS,
    "Object": OBJECT_NS,
    "Array": ARRAY_NS,
    "DateTime": DATETIME_NS,
    "Date": Namespace("Date", {
        "now": NativeFunction("now", lambda rt, a: DateTime(_now(rt)).millis()),
        "parse": _fn("parse", lambda a: _datetime_from(to_string(arg(a, 0))).millis()),
    }),
    "String": FunctionWithStatics("String", lambda rt, a: to_string(a[0]) if a else "", {
        "fromCharCode": _fn("fromCharCode", lambda a: "".join(
            chr(int(to_number(c)) & 0xFFFF) for c in a)),
    }),
    "Number": FunctionWithStatics("Number", lambda rt, a: to_number(a[0]) if a else 0,
                                  _NUMBER_STATICS),
    "Boolean": NativeFunction("Boolean", lambda rt, a: truthy(arg(a, 0))),
    "parseInt": _fn("parseInt", lambda a: parse_int(to_string(arg(a, 0)), arg(a, 1))),
    "parseFloat": _fn("parseFloat", lambda a: parse_float(to_string(arg(a, 0)))),
    "isNaN": _fn("isNaN", lambda a: (n := to_number(arg(a, 0))) != n),
    "isFinite": _fn("isFinite", lambda a: math.isfinite(to_number(arg(a, 0)))),
    "encodeURIComponent": _fn("encodeURIComponent",
                              lambda a: encode_uri_component(to_string(arg(a, 0)))),
    "decodeURIComponent": _fn("decodeURIComponent",
                              lambda a: urllib.parse.unquote(to_string(arg(a, 0)))),
    "encodeURI": _fn("encodeURI", lambda a: encode_uri_component(
        to_string(arg(a, 0)), ";,/?:@&=+$#-_.!~*'()")),
    "decodeURI": _fn("decodeURI", lambda a: urllib.parse.unquote(to_string(arg(a, 0)))),
    "RegExp": _fn("RegExp", _regexp_ctor),
}  # fmt: skip


def _error_ctor(name: str) -> NativeFunction:
    def make(rt: Runtime, args: list[Any]) -> ErrorObject:
        message = arg(args, 0)
        return ErrorObject(name, "" if message is UNDEFINED else to_string(message))

    return NativeFunction(name, make)


def _new_array(rt: Runtime, args: list[Any]) -> list[Any]:
    if len(args) == 1 and type(args[0]) in (int, float):
        n = args[0]
        if type(n) is not int or not 0 <= n <= MAX_ARRAY_LENGTH:
            raise EvalError("RangeError: Invalid array length")
        rt.tick(n >> 8)
        return rt.own([UNDEFINED] * n)
    return rt.own(list(args))


def _new_object(rt: Runtime, args: list[Any]) -> Any:
    v = arg(args, 0)
    return v if type(v) is dict else rt.own({})


_ERRORS = {name: _error_ctor(name) for name in ERROR_NAMES}
_SET = NativeFunction("Set", construct_set)
_MAP = NativeFunction("Map", construct_map)

CONSTRUCTORS: dict[str, JsCallable] = {
    "Date": NativeFunction("Date", _new_date),
    "RegExp": _fn("RegExp", _regexp_ctor),
    "Set": _SET,
    "Map": _MAP,
    "Array": NativeFunction("Array", _new_array),
    "Object": NativeFunction("Object", _new_object),
    "String": NativeFunction("String", lambda rt, a: to_string(a[0]) if a else ""),
    "Number": NativeFunction("Number", lambda rt, a: to_number(a[0]) if a else 0),
    "Boolean": NativeFunction("Boolean", lambda rt, a: truthy(arg(a, 0))),
    **_ERRORS,
}
GLOBALS.update(_ERRORS)
GLOBALS.update({"Set": _SET, "Map": _MAP})

INSTANCE_CHECKS.update(
    {
        id(GLOBALS["Array"]): lambda v: type(v) is list,
        id(GLOBALS["Object"]): lambda v: type(v) in (dict, list) or isinstance(v, HostObject),
        id(GLOBALS["Date"]): lambda v: isinstance(v, DateTime),
        id(GLOBALS["DateTime"]): lambda v: isinstance(v, DateTime),
        id(GLOBALS["RegExp"]): lambda v: isinstance(v, JsRegExp),
        id(_SET): lambda v: isinstance(v, JsSet),
        id(_MAP): lambda v: isinstance(v, JsMap),
        id(_ERRORS["Error"]): lambda v: isinstance(v, ErrorObject),
        **{
            id(fn): (lambda n: lambda v: isinstance(v, ErrorObject) and v.name == n)(name)
            for name, fn in _ERRORS.items()
            if name != "Error"
        },
    }
)
