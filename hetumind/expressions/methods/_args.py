"""Argument helpers shared by the method tables."""

from __future__ import annotations

from typing import Any

from hetumind.expressions.values import UNDEFINED, EvalError, JsCallable, to_integer

__all__ = ["arg", "callback", "int_arg", "relative_index"]


def arg(args: list[Any], i: int) -> Any:
    return args[i] if i < len(args) else UNDEFINED


def int_arg(args: list[Any], i: int, default: int) -> int:
    v = arg(args, i)
    return default if v is UNDEFINED else to_integer(v)


def callback(args: list[Any], name: str) -> JsCallable:
    fn = arg(args, 0)
    if not isinstance(fn, JsCallable):
        raise EvalError(f"{name}: argument is not a function")
    return fn


def relative_index(i: int, length: int) -> int:
    """Resolve a JS slice-style index (negative counts from the end) into [0, length]."""
    if i < 0:
        return max(length + i, 0)
    return min(i, length)
