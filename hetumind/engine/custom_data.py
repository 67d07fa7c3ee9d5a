"""`$execution.customData`: string pairs a run saves on its execution (n8n's Execution
Data node, `$execution.customData.set()` in Code and expressions).

A node run records what it set under CUSTOM_DATA_KEY in its run data (`ctx.record`); the
coordinator merges that into the execution's facts, so later node runs read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hetumind.expressions.runtime import NativeFunction, Runtime
from hetumind.expressions.values import UNDEFINED, HostObject, to_string

__all__ = ["CUSTOM_DATA_KEY", "CustomDataView"]

CUSTOM_DATA_KEY = "customData"
_METHODS = ("get", "getAll", "set", "setAll")


class CustomDataView(HostObject):
    """The execution's custom data so far plus what this run set (in `own`)."""

    __slots__ = ("execution", "own")
    js_class = "CustomData"

    def __init__(self, execution: Mapping[str, str], own: dict[str, Any]) -> None:
        self.execution = execution
        self.own = own

    def _all(self) -> dict[str, str]:
        return {**self.execution, **(self.own.get(CUSTOM_DATA_KEY) or {})}

    def _set(self, key: Any, value: Any) -> None:
        mine = self.own.setdefault(CUSTOM_DATA_KEY, {})
        mine[to_string(key)[:50]] = to_string(value)[:255]

    def get_member(self, rt: Runtime, key: str) -> Any:
        if key in _METHODS:
            return NativeFunction(key, lambda rt, args: self.call_method(rt, key, args))
        return UNDEFINED

    def call_method(self, rt: Runtime, key: str, args: list[Any]) -> Any:
        if key == "get":
            return self._all().get(to_string(args[0]) if args else "", UNDEFINED)
        if key == "getAll":
            return self._all()
        if key == "set":
            self._set(args[0] if args else "", args[1] if len(args) > 1 else "")
            return UNDEFINED
        if key == "setAll":
            values = args[0] if args else {}
            for k, v in values.items() if isinstance(values, dict) else []:
                self._set(k, v)
            return UNDEFINED
        return super().call_method(rt, key, args)

    def to_json(self) -> Any:
        return self._all()
