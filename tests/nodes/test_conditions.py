"""The filter-parameter evaluator: operators, type validation, and vectorized == row-wise."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_sif import PEOPLE, SifContext, filter_value
from hypothesis import given, settings
from hypothesis import strategies as st

from hetumind.items import ItemBatch
from hetumind.nodes.builtin.conditions import evaluate_filter, filter_options
from hetumind.nodes.builtin.filter_values import FilterFailure, FilterOptions, condition_passes

STRICT = FilterOptions(case_sensitive=True, strict=True, version=2)
LOOSE = FilterOptions(case_sensitive=True, strict=False, version=2)


def check(
    op_type: str,
    operation: str,
    left: Any,
    right: Any = None,
    *,
    options: FilterOptions = STRICT,
    right_type: str | None = None,
) -> bool:
    single = right is None and operation in (
        "exists",
        "notExists",
        "empty",
        "notEmpty",
        "true",
        "false",
    )
    return condition_passes(op_type, operation, right_type or op_type, single, left, right, options)


@pytest.mark.parametrize(
    ("operation", "left", "right", "want"),
    [
        ("equals", "abc", "abc", True),
        ("notEquals", "abc", "abd", True),
        ("contains", "hello", "ell", True),
        ("notContains", "hello", "xyz", True),
        ("startsWith", "hello", "he", True),
        ("notStartsWith", "hello", "lo", True),
        ("endsWith", "hello", "lo", True),
        ("notEndsWith", "hello", "he", True),
        ("regex", "hello", "^h.*o$", True),
        ("regex", "Hello", "/^h/i", True),
        ("notRegex", "hello", "^x", True),
        ("empty", "", None, True),
        ("empty", None, None, True),
        ("notEmpty", "x", None, True),
        ("exists", None, None, False),
        ("notExists", None, None, True),
    ],
)
def test_string_operators(operation: str, left: Any, right: Any, want: bool) -> None:
    assert check("string", operation, left, right) is want


def test_string_ignore_case() -> None:
    opts = FilterOptions(case_sensitive=False, strict=True, version=2)
    assert check("string", "equals", "ABC", "abc", options=opts)
    assert check("string", "regex", "ABC", "^abc$", options=opts)
    assert not check("string", "equals", "ABC", "abc")


@pytest.mark.parametrize(
    ("operation", "left", "right", "want"),
    [
        ("equals", 5, 5, True),
        ("equals", 5, 5.0, True),
        ("notEquals", 5, 6, True),
        ("gt", 6, 5, True),
        ("lt", 4, 5, True),
        ("gte", 5, 5, True),
        ("lte", 5, 5, True),
        ("gt", None, -1, True),  # JS: null > -1
        ("empty", None, None, True),
        ("notEmpty", 0, None, True),
        ("exists", float("nan"), None, False),
    ],
)
def test_number_operators(operation: str, left: Any, right: Any, want: bool) -> None:
    assert check("number", operation, left, right) is want


def test_boolean_datetime_array_object() -> None:
    assert check("boolean", "true", True)
    assert check("boolean", "false", False)
    assert check("boolean", "false", None)
    assert check("boolean", "equals", True, True)
    assert check("boolean", "notEquals", True, False)
    assert check("dateTime", "after", "2024-02-01", "2024-01-01T00:00:00")
    assert check("dateTime", "before", "2024-01-01", "2024-02-01")
    assert check("dateTime", "equals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00+00:00")
    assert check("dateTime", "afterOrEquals", "2024-01-01", "2024-01-01")
    assert check("dateTime", "beforeOrEquals", "2023-12-31", "2024-01-01")
    assert check("array", "contains", ["a", "b"], "b", right_type="any")
    assert check("array", "notContains", ["a", "b"], "c", right_type="any")
    assert check("array", "lengthEquals", [1, 2], 2, right_type="number")
    assert check("array", "lengthGt", [1, 2], 1, right_type="number")
    assert check("array", "lengthLte", [], 0, right_type="number")
    assert check("array", "empty", [])
    assert check("array", "notEmpty", [1])
    assert check("object", "empty", {})
    assert check("object", "notEmpty", {"a": 1})
    assert check("object", "exists", {"a": 1})


def test_array_contains_ignore_case() -> None:
    opts = FilterOptions(case_sensitive=False, strict=True, version=2)
    assert check("array", "contains", ["Math"], "math", right_type="any", options=opts)


def test_strict_type_error_message_is_n8ns() -> None:
    with pytest.raises(FilterFailure) as info:
        condition_passes(
            "number", "gt", "number", False, "36", 35, STRICT, condition_index=0, item_index=3
        )
    assert str(info.value) == (
        "Wrong type: '36' is a string but was expecting a number [condition 0, item 3]"
    )


def test_both_sides_wrong_type() -> None:
    with pytest.raises(FilterFailure, match="Comparison type expects a number but both"):
        condition_passes("number", "gt", "number", False, "a", "b", STRICT)


def test_loose_converts_and_reports_conversion_errors() -> None:
    assert check("number", "gt", "36", "35", options=LOOSE)
    assert check("boolean", "true", "true", options=LOOSE)
    assert check("string", "equals", 5, "5", options=LOOSE)
    with pytest.raises(FilterFailure, match="Conversion error: the string 'abc' can't be"):
        condition_passes("number", "gt", "number", False, "abc", 1, LOOSE)


def test_number_empty_string_is_null_from_version_3() -> None:
    v3 = FilterOptions(case_sensitive=True, strict=True, version=3)
    assert check("number", "empty", "", options=v3)


def test_filter_options_defaults_and_overrides() -> None:
    assert filter_options({}) == FilterOptions(case_sensitive=False, strict=False, version=1)
    saved = filter_value(("a", "string", "equals", "a"))
    assert filter_options(saved).strict
    assert filter_options(saved).case_sensitive


# vectorized and row-wise agree --------------------------------------------------------------
CASES: list[tuple[str, str, str, Any]] = [
    ("age", "number", "gt", 36),
    ("age", "number", "equals", 36),
    ("age", "number", "notEquals", 36),
    ("age", "number", "lte", 41),
    ("score", "number", "gte", 88),
    ("score", "number", "lt", 88.5),
    ("name", "string", "equals", "Ada"),
    ("name", "string", "contains", "a"),
    ("name", "string", "startsWith", "A"),
    ("name", "string", "notEndsWith", "n"),
    ("name", "string", "notEmpty", ""),
    ("email", "string", "empty", ""),
    ("email", "string", "exists", ""),
    ("email", "string", "endsWith", ".org"),
    ("active", "boolean", "true", ""),
    ("active", "boolean", "false", ""),
    ("active", "boolean", "equals", True),
    ("tags", "array", "lengthGte", 2),
    ("tags", "array", "empty", ""),
]


def _both(batch: ItemBatch, value: dict[str, Any]) -> tuple[list[bool], list[bool]]:
    opts = filter_options(value)
    fast = evaluate_filter(SifContext({}, batch, vectorize=True), batch, value, "conditions", opts)
    slow = evaluate_filter(
        SifContext({}, batch, vectorize=False), batch, value, "conditions", opts, vectorize=False
    )
    assert fast.errors == slow.errors
    return fast.passed.to_pylist(), slow.passed.to_pylist()


@pytest.mark.parametrize("case_sensitive", [True, False])
@pytest.mark.parametrize(("field", "typ", "op", "right"), CASES)
def test_vectorized_matches_row_wise(
    field: str, typ: str, op: str, right: Any, case_sensitive: bool
) -> None:
    batch = ItemBatch.from_json(PEOPLE)
    value = filter_value(
        (f"={{{{ $json.{field} }}}}", typ, op, right), case_sensitive=case_sensitive
    )
    if typ == "array":
        value["conditions"][0]["operator"]["rightType"] = "number"
    fast, slow = _both(batch, value)
    assert fast == slow


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5), st.just(float("nan"))),
        min_size=1,
        max_size=8,
    ),
    op=st.sampled_from(["equals", "notEquals", "gt", "lt", "gte", "lte", "exists", "empty"]),
    right=st.integers(-5, 5),
)
def test_numbers_property(values: list[Any], op: str, right: int) -> None:
    batch = ItemBatch.from_json([{"x": v} for v in values])
    value = filter_value(("={{ $json.x }}", "number", op, right))
    fast, slow = _both(batch, value)
    assert fast == slow


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.text("aAbB", max_size=3)), min_size=1, max_size=8),
    op=st.sampled_from(
        [
            "equals",
            "notEquals",
            "contains",
            "notContains",
            "startsWith",
            "endsWith",
            "empty",
            "notEmpty",
        ]
    ),
    right=st.text("aAb", max_size=2),
    case_sensitive=st.booleans(),
)
def test_strings_property(values: list[Any], op: str, right: str, case_sensitive: bool) -> None:
    batch = ItemBatch.from_json([{"x": v} for v in values])
    value = filter_value(("={{ $json.x }}", "string", op, right), case_sensitive=case_sensitive)
    fast, slow = _both(batch, value)
    assert fast == slow


def test_and_short_circuits_type_errors() -> None:
    batch = ItemBatch.from_json([{"a": 1, "b": "x"}, {"a": 5, "b": "y"}])
    value = filter_value(
        ("={{ $json.a }}", "number", "gt", 3), ("={{ $json.b }}", "number", "gt", 3)
    )
    out = evaluate_filter(SifContext({}, batch), batch, value, "conditions", filter_options(value))
    assert out.passed.to_pylist() == [False, False]
    assert list(out.errors) == [1]
    assert "[condition 1, item 1]" in out.errors[1]


def test_or_combinator() -> None:
    batch = ItemBatch.from_json(PEOPLE)
    value = filter_value(
        ("={{ $json.city }}", "string", "equals", "Austin"),
        ("={{ $json.age }}", "number", "lt", 30),
        combinator="or",
    )
    out = evaluate_filter(SifContext({}, batch), batch, value, "conditions", filter_options(value))
    assert out.passed.to_pylist() == [False, False, False, True, True, False]


def test_expression_errors_are_per_item() -> None:
    batch = ItemBatch.from_json([{"a": 1}, {"a": 2}])
    value = filter_value(("={{ $json.boom() }}", "number", "gt", 0))
    out = evaluate_filter(SifContext({}, batch), batch, value, "conditions", filter_options(value))
    assert sorted(out.errors) == [0, 1]
    assert out.passed.to_pylist() == [False, False]
