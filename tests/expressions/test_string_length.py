"""`string.length` counts UTF-16 code units, as JavaScript does ("🌍".length is 2), on the
per-item interpreter and on the Arrow path alike; indexes still count code points."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from conftest import Evaluate

from hetumind.expressions import ExpressionContext, compile_parameter
from hetumind.expressions.values import js_length

TEXTS = ["", "abc", "héllo", "日本", "🌍", "a🌍b", "👍🏽", "\U0010ffff", "\ud83d"]
UNITS = [0, 3, 5, 2, 2, 4, 4, 2, 1]


@pytest.mark.parametrize(("text", "units"), list(zip(TEXTS, UNITS, strict=True)))
def test_js_length_counts_utf16_units(text: str, units: int) -> None:
    assert js_length(text) == units


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("'🌍'.length", 2),
        ("'a🌍b'.length", 4),
        ("$json.s.length", 3),
        ("[1, '🌍'].length", 2),  # arrays count elements
    ],
)
def test_length_in_expressions(ev: Evaluate, expr: str, expected: Any) -> None:
    assert ev(expr, json={"s": "é🌍"}) == expected


def test_arrow_path_agrees_with_the_interpreter() -> None:
    rows = TEXTS[:-1]  # Arrow strings hold no lone surrogates
    text = "={{ $json.s.length }}"
    plan = compile_parameter(text).vectorize()
    assert plan is not None
    got = plan.evaluate({"s": pa.array(rows, pa.string())}.get, len(rows)).to_pylist()
    assert got == UNITS[:-1]
    one = compile_parameter(text)
    assert [one.evaluate(ExpressionContext(json={"s": r})) for r in rows] == got
