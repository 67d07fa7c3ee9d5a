"""Error, Set and Map as n8n users build them inside `{{ }}`, and JS iteration.

Each is a HostObject: its members come only from the explicit tables here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hetumind.expressions.values import (
    MAX_ARRAY_LENGTH,
    UNDEFINED,
    EvalError,
    HostObject,
    JsCallable,
    to_string,
)

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Runtime

__all__ = ["ERROR_NAMES", "ErrorObject", "JsMap", "JsSet", "error_from", "iterate", "value_key"]

ERROR_NAMES = ("Error", "TypeError", "RangeError", "ReferenceError", "SyntaxError", "EvalError",
               "URIError")  # fmt: skip


class ErrorObject(HostObject):
    __slots__ = ("message", "name", "props")

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        self.props: dict[str, Any] = {}

    @property
    def js_class(self) -> str:  # type: ignore[override]
        return self.name

    def get_member(self, rt: Runtime, key: str) -> Any:
        if key == "message":
            return self.message
        if key == "name":
            return self.name
        if key == "stack":
            return f"{self.name}: {self.message}\n    at <expression>"
        if key == "toString":
            from hetumind.expressions.runtime import NativeFunction

            return NativeFunction("toString", lambda rt, a: self.to_primitive("string"))
        return self.props.get(key, UNDEFINED)

    def set_member(self, rt: Runtime, key: str, value: Any) -> None:
        if key == "message":
            self.message = to_string(value)
        elif key == "name":
            self.name = to_string(value)
        else:
            self.props[key] = value

    def own_keys(self) -> list[str]:
        return list(self.props)

    def to_primitive(self, hint: str) -> Any:
        return f"{self.name}: {self.message}" if self.message else self.name

    def to_json(self) -> Any:
        return dict(self.props)


def error_from(err: EvalError) -> Any:
    """What `catch (e)` sees for an error the interpreter raised."""
    from hetumind.expressions.runtime import JsThrow

    if isinstance(err, JsThrow):
        return err.value
    message = err.message
    for name in ERROR_NAMES:
        if message.startswith(name + ": "):
            return ErrorObject(name, message[len(name) + 2 :])
    if message.endswith("is not defined"):
        return ErrorObject("ReferenceError", message)
    if "Invalid" in message and "length" in message:
        return ErrorObject("RangeError", message)
    if "Maximum call stack" in message:
        return ErrorObject("RangeError", message)
    return ErrorObject("TypeError", message)


def value_key(v: Any) -> Any:
    """SameValueZero identity for Set/Map keys: primitives by value, objects by identity."""
    t = type(v)
    if t is int or t is float:
        return ("n", v) if v == v else ("nan",)
    if t is str or t is bool:
        return (t.__name__, v)
    if v is None or v is UNDEFINED:
        return (repr(v),)
    return ("o", id(v))


class JsSet(HostObject):
    __slots__ = ("items",)
    js_class = "Set"

    def __init__(self) -> None:
        self.items: dict[Any, Any] = {}

    def add(self, v: Any) -> None:
        if len(self.items) >= MAX_ARRAY_LENGTH:
            raise EvalError("RangeError: Set maximum size exceeded")
        self.items.setdefault(value_key(v), v)

    def get_member(self, rt: Runtime, key: str) -> Any:
        if key == "size":
            return len(self.items)
        return UNDEFINED

    def call_method(self, rt: Runtime, key: str, args: list[Any]) -> Any:
        a = args[0] if args else UNDEFINED
        if key == "add":
            self.add(a)
            return self
        if key == "has":
            return value_key(a) in self.items
        if key == "delete":
            return self.items.pop(value_key(a), _MISSING) is not _MISSING
        if key == "clear":
            self.items.clear()
            return UNDEFINED
        if key in ("values", "keys"):
            return rt.own(list(self.items.values()))
        if key == "entries":
            return rt.own([[v, v] for v in self.items.values()])
        if key == "forEach":
            if not isinstance(a, JsCallable):
                raise EvalError("TypeError: Set.forEach: argument is not a function")
            for v in list(self.items.values()):
                rt.call(a, [v, v, self])
            return UNDEFINED
        raise EvalError(f"TypeError: Set.{key} is not a function")

    def to_primitive(self, hint: str) -> Any:
        return "[object Set]"

    def to_json(self) -> Any:
        return {}


class JsMap(HostObject):
    __slots__ = ("items",)
    js_class = "Map"

    def __init__(self) -> None:
        self.items: dict[Any, tuple[Any, Any]] = {}

    def set(self, k: Any, v: Any) -> None:
        if len(self.items) >= MAX_ARRAY_LENGTH:
            raise EvalError("RangeError: Map maximum size exceeded")
        key = value_key(k)
        old = self.items.get(key)
        self.items[key] = (old[0] if old else k, v)

    def get_member(self, rt: Runtime, key: str) -> Any:
        if key == "size":
            return len(self.items)
        return UNDEFINED

    def call_method(self, rt: Runtime, key: str, args: list[Any]) -> Any:
        a = args[0] if args else UNDEFINED
        if key == "set":
            self.set(a, args[1] if len(args) > 1 else UNDEFINED)
            return self
        if key == "get":
            pair = self.items.get(value_key(a))
            return UNDEFINED if pair is None else pair[1]
        if key == "has":
            return value_key(a) in self.items
        if key == "delete":
            return self.items.pop(value_key(a), _MISSING) is not _MISSING
        if key == "clear":
            self.items.clear()
            return UNDEFINED
        if key == "keys":
            return rt.own([k for k, _ in self.items.values()])
        if key == "values":
            return rt.own([v for _, v in self.items.values()])
        if key == "entries":
            return rt.own([rt.own([k, v]) for k, v in self.items.values()])
        if key == "forEach":
            if not isinstance(a, JsCallable):
                raise EvalError("TypeError: Map.forEach: argument is not a function")
            for k, v in list(self.items.values()):
                rt.call(a, [v, k, self])
            return UNDEFINED
        raise EvalError(f"TypeError: Map.{key} is not a function")

    def to_primitive(self, hint: str) -> Any:
        return "[object Map]"

    def to_json(self) -> Any:
        return {}


_MISSING = object()


def iterate(rt: Runtime, value: Any) -> list[Any]:
    """The values `for...of` and `...spread` see; a TypeError for non-iterables."""
    t = type(value)
    if t is list:
        return value
    if t is str:
        return list(value)
    if isinstance(value, JsSet):
        return list(value.items.values())
    if isinstance(value, JsMap):
        return [rt.own([k, v]) for k, v in value.items.values()]
    what = "null" if value is None else "undefined" if value is UNDEFINED else "object"
    if t is int or t is float or t is bool:
        what = to_string(value)
    raise EvalError(f"TypeError: {what} is not iterable")


def construct_set(rt: Runtime, args: list[Any]) -> JsSet:
    s = JsSet()
    src = args[0] if args else UNDEFINED
    if src is not None and src is not UNDEFINED:
        for v in iterate(rt, src):
            s.add(v)
    return s


def construct_map(rt: Runtime, args: list[Any]) -> JsMap:
    m = JsMap()
    src = args[0] if args else UNDEFINED
    if src is not None and src is not UNDEFINED:
        for entry in iterate(rt, src):
            if type(entry) is not list:
                raise EvalError("TypeError: Iterator value is not an entry object")
            m.set(entry[0] if entry else UNDEFINED, entry[1] if len(entry) > 1 else UNDEFINED)
    return m
