"""Escape attempts must end in undefined or an ExpressionError, never a Python object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hetumind.errors import ExpressionError
from hetumind.expressions import ExpressionContext, compile_parameter

Evaluate = Callable[..., Any]

ATTEMPTS = [
    "$json.constructor",
    "$json.__class__",
    "$json.__proto__",
    "''.constructor",
    "[].constructor",
    "(1).constructor",
    "Math.constructor",
    "Math.__class__",
    "Math.__dict__",
    "Math.members",
    "$now.dt",
    "$now.__class__",
    "$input.accessor",
    "$input.__dict__",
    "(x => x).__globals__",
    "(x => x).body",
    "(x => x).constructor",
    "Math.max.impl",
    "Math.max.__call__",
    "'abc'.__len__",
    "[].__class__",
    "$json.tags.__class__",
    "String.statics",
    "String.prototype",
    "Object.prototype",
    "({}).__proto__",
    "$json['__class__']",
    "/a/.compiled",
]


@pytest.mark.parametrize("expr", ATTEMPTS)
def test_no_python_internals(ev: Evaluate, expr: str) -> None:
    assert ev(expr) is None


@pytest.mark.parametrize(
    "expr",
    [
        "''.constructor.constructor('return 1')()",
        "$json['constructor']['constructor']",
        "[].constructor.constructor('return process')()",
        "$json.__class__.__mro__",
        "Math.max.__call__(1)",
        "(x => x).__globals__['os']",
        "$now.dt.replace()",
        "$input.accessor.all()",
        "$json.tags.__len__()",
        "''.format()",
        "'x'.__add__('y')",
        "Object.__subclasses__()",
    ],
)
def test_escape_calls_raise(ev: Evaluate, expr: str) -> None:
    with pytest.raises(ExpressionError):
        ev(expr)


def test_data_keys_named_like_internals_are_just_data(ev: Evaluate) -> None:
    assert ev("$json.constructor", json={"constructor": "x"}) == "x"
    assert ev("$json.__proto__.a", json={"__proto__": {"a": 1}}) == 1


def test_step_budget_stops_runaway_work() -> None:
    ctx = ExpressionContext(step_budget=1000)
    p = compile_parameter("={{ Array.from({length: 5000}, (v, i) => i).map(x => x * 2).length }}")
    with pytest.raises(ExpressionError, match="step budget"):
        p.evaluate(ctx)
    assert compile_parameter("={{ [1, 2].map(x => x) }}").evaluate(ctx) == [1, 2]


def test_unbounded_recursion_is_caught() -> None:
    p = compile_parameter("={{ (() => { const f = n => f(n + 1); return f(0) })() }}")
    with pytest.raises(ExpressionError, match="call stack"):
        p.evaluate(ExpressionContext())


@pytest.mark.parametrize(
    "expr",
    [
        "'x'.repeat(1e9)",
        "'x'.padStart(1e9)",
        "'xxxxxxxxxx'.repeat(1e6).repeat(100)",
        "Array.from({length: 1e9})",
    ],
)
def test_huge_allocations_are_refused(ev: Evaluate, expr: str) -> None:
    with pytest.raises(ExpressionError, match=r"Invalid (string|array) length"):
        ev(expr)


def test_huge_numbers_stay_numbers(ev: Evaluate) -> None:
    assert ev("9 ** 9 ** 9") == float("inf")
    assert ev("(2 ** 53 + 2) * (2 ** 53)") == pytest.approx(8.112963841460672e31)


def test_no_eval_like_globals(ev: Evaluate) -> None:
    for name in ("eval", "Function", "require", "process", "globalThis", "window", "this"):
        with pytest.raises(ExpressionError):
            ev(f"{name}")
