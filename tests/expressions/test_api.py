"""The public surface of hetumind.expressions."""

from __future__ import annotations

import pickle
import timeit

import pytest

import hetumind.expressions as expressions
from hetumind.errors import ExpressionError
from hetumind.expressions import (
    UNDEFINED,
    ExpressionContext,
    compile_parameter,
    evaluate_parameters,
    is_expression,
)


def test_public_names_are_pinned() -> None:
    assert sorted(expressions.__all__) == sorted([
        "UNDEFINED", "CompiledParameter", "ExpressionContext", "ItemsAccessor",
        "NotVectorizable", "VectorPlan", "compile_parameter", "evaluate_parameters",
        "is_expression",
    ])  # fmt: skip


def test_is_expression() -> None:
    assert is_expression("={{ 1 }}")
    assert is_expression("=plain")
    assert not is_expression("{{ 1 }}")
    assert not is_expression(5)


@pytest.mark.parametrize(
    ("text", "json", "expected"),
    [
        ("={{ $json.a }}", {"a": [1, 2]}, [1, 2]),
        ("=  {{ $json.a }}  ", {"a": 5}, 5),
        ("=Hi {{ $json.name }}!", {"name": "Ada"}, "Hi Ada!"),
        ("={{ $json.name }} from {{ $json.city }}", {"name": "A", "city": "B"}, "A from B"),
        ("=n={{ $json.n }}", {"n": 2.5}, "n=2.5"),
        ("=o={{ $json.o }}", {"o": {"a": [1, None]}}, 'o={"a":[1,null]}'),
        ("=x{{ $json.none }}y{{ $json.missing }}z", {"none": None}, "xyz"),
        ("=b={{ true }}", {}, "b=true"),
        ("=just text", {}, "just text"),
        ("=", {}, ""),
        ("={{ }}", {}, None),
        ("=a{{ }}b", {}, "ab"),
    ],
)
def test_parameter_shapes(text: str, json: dict[str, object], expected: object) -> None:
    assert compile_parameter(text).evaluate(ExpressionContext(json=json)) == expected


def test_compile_requires_leading_equals() -> None:
    with pytest.raises(ExpressionError):
        compile_parameter("{{ 1 }}")


def test_evaluate_parameters_walks_dicts_and_lists() -> None:
    params = {
        "a": "={{ $json.x * 2 }}",
        "b": ["={{ $json.x }}", "plain", 3, {"c": "=v{{ $json.x }}"}],
        "d": None,
    }
    out = evaluate_parameters(params, ExpressionContext(json={"x": 4}))
    assert out == {"a": 8, "b": [4, "plain", 3, {"c": "v4"}], "d": None}


def test_errors_can_be_located_by_the_caller() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_parameter("={{ $json.a.b.c }}").evaluate(ExpressionContext(json={}))
    located = info.value.located(node="Set", parameter="value", item_index=3)
    assert located.to_dict()["node"] == "Set"
    assert "item 3" in str(located) and "position 4" in str(located)


def test_compiled_parameters_pickle_by_source() -> None:
    p = compile_parameter("={{ [1, 2].map(x => x + $json.k) }}")
    clone = pickle.loads(pickle.dumps(p))
    assert clone.evaluate(ExpressionContext(json={"k": 1})) == [2, 3]
    assert pickle.loads(pickle.dumps(UNDEFINED)) is UNDEFINED


def test_per_item_evaluation_is_fast() -> None:
    p = compile_parameter("={{ $json.a + 1 }}")
    ctx = ExpressionContext(json={"a": 1})
    per_call = min(timeit.repeat(lambda: p.evaluate(ctx), number=2000, repeat=3)) / 2000
    assert per_call < 50e-6  # a few microseconds normally; generous for slow CI machines
