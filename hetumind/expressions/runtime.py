"""The per-evaluation runtime: step budget, call depth, member lookup and method dispatch.

Member access never touches Python attributes: dicts answer with their keys, lists and
strings with indexes and `length`, and everything else only through the explicit method
tables in `hetumind.expressions.methods` or a HostObject's own `get_member`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hetumind.expressions.context import ExpressionContext
from hetumind.expressions.values import (
    UNDEFINED,
    EvalError,
    HostObject,
    JsCallable,
    NativeImpl,
    js_length,
    number_to_string,
    to_string,
)

__all__ = [
    "BoundMethod",
    "BudgetExceeded",
    "Method",
    "NativeFunction",
    "NotAFunction",
    "Runtime",
    "call_method",
    "get_member",
    "property_key",
]

MAX_CALL_DEPTH = 150

Method = Callable[["Runtime", Any, list[Any]], Any]


class BudgetExceeded(EvalError):
    pass


class NotAFunction(EvalError):
    pass


class Runtime:
    """State of one evaluation: the context, the remaining steps and the call depth."""

    __slots__ = ("budget", "cache", "ctx", "depth", "fuel", "text")

    def __init__(self, ctx: ExpressionContext, text: str = "") -> None:
        self.ctx = ctx
        self.text = text  # the parameter source, for messages that quote it
        self.budget = ctx.step_budget
        self.fuel = ctx.step_budget
        self.depth = 0
        # Per-evaluation memo for variables that are costly to build ($input, $node, ...).
        self.cache: dict[str, Any] = {}

    def out_of_fuel(self) -> BudgetExceeded:
        return BudgetExceeded(f"expression exceeded its step budget of {self.budget} steps")

    def tick(self, steps: int = 1) -> None:
        self.fuel -= steps
        if self.fuel < 0:
            raise self.out_of_fuel()

    def call(self, fn: Any, args: list[Any]) -> Any:
        if not isinstance(fn, JsCallable):
            raise NotAFunction(f"{to_string_safe(fn)} is not a function")
        self.fuel -= 1
        if self.fuel < 0:
            raise self.out_of_fuel()
        return fn.invoke(self, args)


def to_string_safe(v: Any) -> str:
    try:
        return to_string(v)
    except EvalError:
        return "value"


class NativeFunction(JsCallable):
    """A built-in function such as `parseInt` or `Math.max`."""

    __slots__ = ("impl", "name")

    def __init__(self, name: str, impl: NativeImpl) -> None:
        self.name = name
        self.impl = impl

    def invoke(self, rt: Runtime, args: list[Any]) -> Any:
        return self.impl(rt, args)

    def __repr__(self) -> str:
        return f"<function {self.name}>"


class BoundMethod(JsCallable):
    """A method read off a value without calling it, e.g. `arr.map` passed along."""

    __slots__ = ("impl", "name", "this")

    def __init__(self, name: str, this: Any, impl: Method) -> None:
        self.name = name
        self.this = this
        self.impl = impl

    def invoke(self, rt: Runtime, args: list[Any]) -> Any:
        return self.impl(rt, self.this, args)


def property_key(key: Any) -> str:
    t = type(key)
    if t is str:
        return key
    if t is int or t is float:
        return number_to_string(key)
    return to_string(key)


def _index(key: Any) -> int | None:
    """The array index a property key names, if any ("1" yes, "01" and "1.5" no)."""
    if type(key) is int:
        return key if key >= 0 else None
    if type(key) is float:
        return int(key) if key.is_integer() and key >= 0 else None
    if type(key) is str and key.isdigit() and (key == "0" or key[0] != "0") and key.isascii():
        return int(key)
    return None


def _nullish_read(obj: Any, key: Any) -> EvalError:
    what = "null" if obj is None else "undefined"
    return EvalError(f"Cannot read properties of {what} (reading '{property_key(key)}')")


def get_member(rt: Runtime, obj: Any, key: Any) -> Any:
    from hetumind.expressions.methods import methods_for

    t = type(obj)
    if t is dict:
        return obj.get(property_key(key), UNDEFINED)
    if t is list or t is str:
        i = _index(key)
        if i is not None:
            return obj[i] if i < len(obj) else UNDEFINED
        k = property_key(key)
        if k == "length":
            return len(obj) if t is list else js_length(obj)
    elif obj is None or obj is UNDEFINED:
        raise _nullish_read(obj, key)
    elif isinstance(obj, HostObject):
        return obj.get_member(rt, property_key(key))
    elif isinstance(obj, JsCallable):
        return obj.get_static(property_key(key))
    k = property_key(key)
    table = methods_for(obj)
    method = table.get(k) if table is not None else None
    if method is None:
        return UNDEFINED
    return BoundMethod(k, obj, method)


def call_method(rt: Runtime, obj: Any, key: Any, args: list[Any]) -> Any:
    """`obj.key(...args)`: own function-valued data first, then the method table."""
    from hetumind.expressions.methods import methods_for

    k = property_key(key)
    t = type(obj)
    if t is dict:
        own = obj.get(k, UNDEFINED)
        if isinstance(own, JsCallable):
            return rt.call(own, args)
    elif obj is None or obj is UNDEFINED:
        raise _nullish_read(obj, key)
    elif isinstance(obj, HostObject):
        return obj.call_method(rt, k, args)
    elif isinstance(obj, JsCallable):
        return rt.call(obj.get_static(k), args)
    elif t is list:
        i = _index(key)
        if i is not None and i < len(obj):
            return rt.call(obj[i], args)
    table = methods_for(obj)
    method = table.get(k) if table is not None else None
    if method is None:
        raise NotAFunction(f"{k} is not a function")
    rt.tick()
    return method(rt, obj, args)
