"""n8n's `$` variables, read from the ExpressionContext at evaluation time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hetumind.capabilities import BlockedEnvironment
from hetumind.errors import ExpressionError
from hetumind.expressions.builtins import math_extreme
from hetumind.expressions.context import ItemsAccessor
from hetumind.expressions.datetime import DateTime
from hetumind.expressions.methods._args import arg, int_arg
from hetumind.expressions.runtime import NativeFunction, Runtime
from hetumind.expressions.values import (
    UNDEFINED,
    EvalError,
    HostObject,
    to_json_value,
    to_string,
    truthy,
)

__all__ = ["VARIABLES", "resolve_variable"]

Ev = Callable[[Runtime, Any], Any]  # (runtime, scope)


def _accessor(rt: Runtime, name: str) -> ItemsAccessor:
    if rt.ctx.node_data is None:
        raise EvalError(f"no data of node '{name}' is available here")
    try:
        return rt.ctx.node_data(name)
    except ExpressionError as e:
        raise EvalError(e.reason) from None


class ItemsProxy(HostObject):
    """`$input` and `$('Node')`: the items of one node, as n8n exposes them."""

    __slots__ = ("accessor", "label")
    js_class = "Items"

    def __init__(self, accessor: ItemsAccessor, label: str) -> None:
        self.accessor = accessor
        self.label = label

    def _paired(self, item: dict[str, Any] | None) -> Any:
        if item is None:
            raise EvalError(f"Paired item data for {self.label} is unavailable")
        return item

    def get_member(self, rt: Runtime, key: str) -> Any:
        a = self.accessor
        if key == "item":
            return self._paired(a.item())
        if key == "params":
            return dict(a.params)
        if key == "isExecuted":
            return a.is_executed
        if key in _ITEMS_METHODS:
            return NativeFunction(key, lambda rt, args: self.call_method(rt, key, args))
        return UNDEFINED

    def call_method(self, rt: Runtime, key: str, args: list[Any]) -> Any:
        a = self.accessor
        branch = int_arg(args, 0, 0)
        run = None if arg(args, 1) is UNDEFINED else int_arg(args, 1, 0)
        if key == "all":
            return a.all(branch, run)
        if key == "first":
            item = a.first(branch, run)
            return UNDEFINED if item is None else item
        if key == "last":
            item = a.last(branch, run)
            return UNDEFINED if item is None else item
        if key in ("itemMatching", "pairedItem"):
            index = int_arg(args, 0, rt.ctx.item_index)
            return self._paired(a.item_matching(index))
        raise EvalError(f"{self.label}.{key} is not a function")

    def to_json(self) -> Any:
        return {}


_ITEMS_METHODS = frozenset({"all", "first", "last", "itemMatching", "pairedItem"})


class LegacyNode(HostObject):
    """`$node["Name"]`: n8n's older accessor (json and binary of the paired item)."""

    __slots__ = ("accessor",)
    js_class = "Node"

    def __init__(self, accessor: ItemsAccessor) -> None:
        self.accessor = accessor

    def _item(self) -> dict[str, Any]:
        item = self.accessor.item() or self.accessor.first()
        return item or {}

    def get_member(self, rt: Runtime, key: str) -> Any:
        if key == "json":
            return self._item().get("json", {})
        if key == "binary":
            return self._item().get("binary", {})
        if key == "parameter":
            return dict(self.accessor.params)
        if key == "runIndex":
            return rt.ctx.run_index
        if key == "isExecuted":
            return self.accessor.is_executed
        if key == "context":  # what the node's latest run kept (a loop's noItemsLeft)
            return self.accessor.context
        return UNDEFINED


class LegacyNodes(HostObject):
    __slots__ = ()
    js_class = "Nodes"

    def get_member(self, rt: Runtime, key: str) -> Any:
        return LegacyNode(_accessor(rt, key))


def _node_fn(rt: Runtime, args: list[Any]) -> ItemsProxy:
    name = arg(args, 0)
    if type(name) is not str:
        raise EvalError("$() needs a node name")
    return ItemsProxy(_accessor(rt, name), f"$('{name}')")


def _items_fn(rt: Runtime, args: list[Any]) -> Any:
    if not args:
        if rt.ctx.input is None:
            return []
        return rt.ctx.input.all()
    run = None if arg(args, 2) is UNDEFINED else int_arg(args, 2, 0)
    return _accessor(rt, to_string(args[0])).all(int_arg(args, 1, 0), run)


def _input(rt: Runtime) -> Any:
    if rt.ctx.input is None:
        raise EvalError("$input is not available here")
    return ItemsProxy(rt.ctx.input, "$input")


def _now(rt: Runtime) -> DateTime:
    return DateTime(rt.ctx.now if rt.ctx.now is not None else datetime.now(UTC))


def _today(rt: Runtime) -> DateTime:
    return DateTime(_now(rt).start_of("day"))


def _jmespath(rt: Runtime, args: list[Any]) -> Any:
    data, expression = arg(args, 0), arg(args, 1)
    if type(expression) is not str:
        raise EvalError("$jmespath(data, expression): expression must be a string")
    import jmespath  # on first use: most runs never call $jmespath
    import jmespath.exceptions

    try:
        return jmespath.search(expression, to_json_value(data))
    except jmespath.exceptions.JMESPathError as e:
        raise EvalError(f"$jmespath: {e}") from None


def _static_data(rt: Runtime, args: list[Any]) -> Any:
    kind = arg(args, 0)
    if kind not in ("global", "node"):
        raise EvalError('$getWorkflowStaticData(type): type must be "global" or "node"')
    if rt.ctx.static_data is None:
        return {}
    return rt.ctx.static_data(kind)


def _is_empty(v: Any) -> bool:
    return v is None or v is UNDEFINED or v == "" or v == [] or v == {}


_FUNCTIONS: dict[str, NativeFunction] = {
    "$": NativeFunction("$", _node_fn),
    "$items": NativeFunction("$items", _items_fn),
    "$jmespath": NativeFunction("$jmespath", _jmespath),
    "$getWorkflowStaticData": NativeFunction("$getWorkflowStaticData", _static_data),
    "$if": NativeFunction("$if", lambda rt, a: arg(a, 1) if truthy(arg(a, 0)) else arg(a, 2)),
    "$ifEmpty": NativeFunction(
        "$ifEmpty", lambda rt, a: arg(a, 1) if _is_empty(arg(a, 0)) else arg(a, 0)
    ),
    "$min": NativeFunction("$min", lambda rt, a: math_extreme(a, False)),
    "$max": NativeFunction("$max", lambda rt, a: math_extreme(a, True)),
}

_LEGACY_NODES = LegacyNodes()


def _env(rt: Runtime) -> dict[str, str]:
    if isinstance(rt.ctx.env, BlockedEnvironment):  # server mode (hetumind.capabilities)
        raise ExpressionError(
            "access to env vars denied: $env is blocked in server mode "
            "(HETUMIND_ALLOW_ENV_ACCESS=true allows it)"
        )
    return dict(rt.ctx.env)


VARIABLES: dict[str, Callable[[Runtime], Any]] = {
    "$json": lambda rt: rt.ctx.json,
    "$data": lambda rt: rt.ctx.json,
    "$binary": lambda rt: rt.ctx.binary if rt.ctx.binary is not None else {},
    "$input": _input,
    "$node": lambda rt: _LEGACY_NODES,
    "$itemIndex": lambda rt: rt.ctx.item_index,
    "$runIndex": lambda rt: rt.ctx.run_index,
    "$workflow": lambda rt: dict(rt.ctx.workflow),
    "$execution": lambda rt: dict(rt.ctx.execution),
    "$now": _now,
    "$today": _today,
    "$env": lambda rt: _env(rt),
    "$vars": lambda rt: dict(rt.ctx.vars),
    "$parameter": lambda rt: dict(rt.ctx.parameters),
    "$nodeName": lambda rt: rt.ctx.node_name,
}


def resolve_variable(name: str, pos: int) -> Ev:
    if name == "$json":
        return lambda rt, sc: rt.ctx.json
    fn = _FUNCTIONS.get(name)
    if fn is not None:
        return lambda rt, sc: fn
    getter = VARIABLES.get(name)
    if getter is not None:
        return lambda rt, sc: getter(rt)

    def unknown(rt: Runtime, sc: Any) -> Any:
        raise EvalError(f"{name} is not defined (unknown variable)", pos)

    return unknown
