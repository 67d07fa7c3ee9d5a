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
    MAX_ARRAY_LENGTH,
    UNDEFINED,
    EvalError,
    HostObject,
    JsCallable,
    NativeImpl,
    js_length,
    number_to_string,
    to_number,
    to_string,
)

__all__ = [
    "BoundMethod",
    "BudgetExceeded",
    "JsThrow",
    "Method",
    "NativeFunction",
    "NotAFunction",
    "Runtime",
    "Scope",
    "call_method",
    "get_member",
    "property_key",
    "set_member",
]

MAX_CALL_DEPTH = 150

# Methods and built-ins whose list/dict result is always new, so the expression may
# modify it (`const out = arr.filter(...); out.push(x)`).
_FRESH_METHODS = frozenset(
    {"map", "filter", "slice", "concat", "flat", "flatMap", "toSorted", "toReversed", "sort",
     "reverse", "keys", "values", "entries", "split", "match", "splice", "unique",
     "removeDuplicates", "compact", "chunk", "pluck", "difference", "intersection", "union",
     "merge", "append", "renameKeys", "removeField", "keepFieldsContaining",
     "removeFieldsContaining", "toSpliced", "with", "fromEntries", "assign", "from", "of",
     "smartJoin"}
)  # fmt: skip

Method = Callable[["Runtime", Any, list[Any]], Any]


class BudgetExceeded(EvalError):
    """Out of steps (or of regex time, which is charged in steps): never catchable by
    a `try` in the expression, so a hostile loop cannot swallow its own limit."""


class JsThrow(EvalError):
    """A value thrown by `throw` (or a runtime error turned into an Error object)."""

    def __init__(self, value: Any, message: str, pos: int | None = None) -> None:
        super().__init__(message, pos)
        self.value = value


class Scope:
    """One environment record: a function's, a block's or a loop iteration's bindings."""

    __slots__ = ("consts", "parent", "vars")

    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent
        self.consts: frozenset[str] | set[str] = frozenset()

    def find(self, name: str) -> Scope | None:
        s: Scope | None = self
        while s is not None:
            if name in s.vars:
                return s
            s = s.parent
        return None


class NotAFunction(EvalError):
    pass


class Runtime:
    """State of one evaluation: the context, the remaining steps and the call depth."""

    __slots__ = ("budget", "cache", "ctx", "depth", "fuel", "last", "owned", "text")

    def __init__(self, ctx: ExpressionContext, text: str = "") -> None:
        self.ctx = ctx
        self.text = text  # the parameter source, for messages that quote it
        self.budget = ctx.step_budget
        self.fuel = ctx.step_budget
        self.depth = 0
        # Per-evaluation memo for variables that are costly to build ($input, $node, ...).
        self.cache: dict[str, Any] = {}
        # Containers this evaluation built (literals, copies): the only ones it may modify,
        # so an expression can never edit the engine's items (`$json`, `$input.all()`).
        # Values are kept so an id is never reused by another object meanwhile.
        self.owned: dict[int, Any] = {}
        self.last: Any = UNDEFINED  # the value of the last expression statement run

    def own(self, value: Any) -> Any:
        self.owned[id(value)] = value
        return value

    def check_writable(self, obj: Any) -> None:
        if id(obj) not in self.owned:
            what = "array" if type(obj) is list else "object"
            raise EvalError(
                f"Cannot modify this {what}: it belongs to the workflow's data; "
                f"copy it first ({'[...arr]' if what == 'array' else '{...obj}'})"
            )

    def charge_size(self, value: Any) -> None:
        """Native calls pay for what they build: 1 step per KiB of string or 256 elements."""
        t = type(value)
        if t is str:
            n = len(value) >> 10
        elif t is list or t is dict:
            n = len(value) >> 8
        else:
            return
        if n:
            self.tick(n)

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
        result = self.impl(rt, args)
        t = type(result)
        if t is list or t is dict:
            if self.name in _FRESH_METHODS:
                rt.owned[id(result)] = result
            rt.charge_size(result)
        return result

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
    result = method(rt, obj, args)
    t = type(result)
    if t is list or t is dict:
        if k in _FRESH_METHODS:
            rt.owned[id(result)] = result
        rt.charge_size(result)
    elif t is str and len(result) > 4096:
        rt.charge_size(result)
    return result


def set_member(rt: Runtime, obj: Any, key: Any, value: Any) -> None:
    """`obj[key] = value` on a container this evaluation owns."""
    t = type(obj)
    if t is dict:
        rt.check_writable(obj)
        obj[property_key(key)] = value
        return
    if t is list:
        rt.check_writable(obj)
        i = _index(key)
        if i is not None:
            if i < len(obj):
                obj[i] = value
                return
            if i > MAX_ARRAY_LENGTH:
                raise EvalError("Invalid array length")
            obj.extend([UNDEFINED] * (i - len(obj)))
            obj.append(value)
            return
        if property_key(key) == "length":
            n = to_number(value)
            if type(n) is not int or not 0 <= n <= MAX_ARRAY_LENGTH:
                raise EvalError("Invalid array length")
            if n < len(obj):
                del obj[n:]
            else:
                obj.extend([UNDEFINED] * (n - len(obj)))
            return
        raise EvalError(f"Cannot set property '{property_key(key)}' of an array")
    if obj is None or obj is UNDEFINED:
        what = "null" if obj is None else "undefined"
        raise EvalError(f"Cannot set properties of {what} (setting '{property_key(key)}')")
    if isinstance(obj, HostObject):
        obj.set_member(rt, property_key(key), value)
        return
    # Writes to primitives are silently ignored in sloppy-mode JavaScript.


def delete_member(rt: Runtime, obj: Any, key: Any) -> bool:
    if type(obj) is dict:
        rt.check_writable(obj)
        obj.pop(property_key(key), None)
        return True
    if obj is None or obj is UNDEFINED:
        raise _nullish_read(obj, key)
    if type(obj) is list:
        rt.check_writable(obj)
        i = _index(key)
        if i is not None and i < len(obj):
            obj[i] = UNDEFINED
        return True
    return True
