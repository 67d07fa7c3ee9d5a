"""Summarize: n8n's aggregations and grouping; the Arrow path agrees with the row path."""

from __future__ import annotations

import random
from typing import Any

import pytest
from helpers_agg import PEOPLE, FakeContext, run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin import summarize as summarize_module
from hetumind.nodes.builtin.summarize import Summarize, SummarizeParams


def spec(
    *aggs: tuple[str, str] | dict[str, Any], split: str = "", **options: Any
) -> dict[str, Any]:
    values = [
        dict(zip(("aggregation", "field"), a, strict=True)) if isinstance(a, tuple) else a
        for a in aggs
    ]
    return {"fieldsToSummarize": {"values": values}, "fieldsToSplitBy": split, "options": options}


ALL_AGGS = (
    ("count", "id"),
    ("countUnique", "city"),
    ("sum", "age"),
    ("average", "score"),
    ("min", "name"),
    ("max", "age"),
    ("append", "name"),
    {"aggregation": "concatenate", "field": "name", "separateBy": "other", "customSeparator": ", "},
)


def test_group_by_city_in_first_appearance_order() -> None:
    out = run_node(Summarize(), spec(*ALL_AGGS, split="city"), PEOPLE, type_version=1.1)[0]
    assert out[0] == {
        "city": "London",
        "count_id": 2,
        "unique_count_city": 1,
        "sum_age": 77,
        "average_score": 85.375,
        "min_name": "Ada",
        "max_age": 41,
        "appended_name": ["Ada", "alan"],
        "concatenated_name": "Ada, alan",
    }
    assert [r["city"] for r in out] == ["London", "New York", "Austin", "Boston"]


def test_without_split_one_item() -> None:
    out = run_node(Summarize(), spec(("sum", "age"), ("count", "tags")), PEOPLE, type_version=1.1)[
        0
    ]
    assert out == [{"sum_age": 259, "count_tags": 6}]


def _random_rows(n: int, seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    return [
        {
            "g": rnd.choice(["a", "b", "", "c"]),
            "h": rnd.choice([1, 2, 3]),
            "b": rnd.choice([True, False]),
            "x": rnd.randint(-5, 5),
            "s": rnd.choice(["p", "q", "", "r"]),
            "t": rnd.choice(["p", "", "r"]),
        }
        for _ in range(n)
    ]


@pytest.mark.parametrize("version", [1, 1.1])
@pytest.mark.parametrize("skip", [False, True])
def test_arrow_path_equals_row_path(
    version: float, skip: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _random_rows(300, 7)
    params = spec(
        ("count", "s"),
        ("countUnique", "s"),
        ("sum", "x"),
        ("average", "x"),
        ("min", "s"),
        ("max", "x"),
        ("append", "s"),
        {"aggregation": "append", "field": "t", "includeEmpty": True},
        ("concatenate", "x"),
        {"aggregation": "concatenate", "field": "s", "separateBy": "\n"},
        split="g, h, b",
        skipEmptySplitFields=skip,
    )
    batch = ItemBatch.from_json(rows)
    names = [k.strip() for k in params["fieldsToSplitBy"].split(",")]
    assert (
        summarize_module._fast_summarize(
            batch,
            SummarizeParams.model_validate(params).fieldsToSummarize.values,
            names,
            False,
            version < 1.1,
            skip,
        )
        is not None
    )
    fast = Summarize().run(FakeContext(params, type_version=version), [batch])[0].to_json()
    monkeypatch.setattr(summarize_module, "_fast_summarize", lambda *a, **k: None)
    slow = Summarize().run(FakeContext(params, type_version=version), [batch])[0].to_json()
    assert fast == slow


def test_v1_keys_are_strings_v11_keep_types_and_skip_empty() -> None:
    rows = [{"g": 10, "x": 1}, {"g": 2, "x": 2}, {"g": 10, "x": 3}, {"g": None, "x": 4}, {"x": 5}]
    v1 = run_node(Summarize(), spec(("sum", "x"), split="g"), rows, type_version=1)[0]
    assert v1 == [
        {"g": "10", "sum_x": 4},
        {"g": "2", "sum_x": 2},
        {"g": "null", "sum_x": 4},
        {"g": "undefined", "sum_x": 5},
    ]
    v11 = run_node(Summarize(), spec(("sum", "x"), split="g"), rows, type_version=1.1)[0]
    assert v11 == [
        {"g": 10, "sum_x": 4},
        {"g": 2, "sum_x": 2},
        {"g": None, "sum_x": 4},
        {"sum_x": 5},
    ]
    skipped = spec(("sum", "x"), split="g", skipEmptySplitFields=True)
    assert run_node(Summarize(), skipped, rows, type_version=1.1)[0] == v11[:2]


def test_single_item_output_nests_by_split_values() -> None:
    rows = [{"h": "p", "g": 2, "x": 1}, {"h": "q", "g": 10, "x": 2}, {"h": "p", "g": 10, "x": 3}]
    params = spec(("sum", "x"), split="h, g", outputFormat="singleItem")
    out = run_node(Summarize(), params, rows, type_version=1.1)[0]
    assert out == [{"p": {"2": {"sum_x": 1}, "10": {"sum_x": 3}}, "q": {"10": {"sum_x": 2}}}]


def test_mixed_values_follow_js_rules() -> None:
    rows = [{"v": "10"}, {"v": 2}, {"v": True}, {"v": None}, {"v": {"a": 1}}, {}]
    params = spec(
        ("sum", "v"), ("average", "v"), ("min", "v"), ("count", "v"), ("concatenate", "v")
    )
    out = run_node(Summarize(), params, rows, type_version=1.1)[0]
    assert out == [
        {
            "sum_v": 2,
            "average_v": 2,
            "min_v": True,
            "count_v": 4,
            "concatenated_v": '10,2,true,{"a":1}',
        }
    ]


def test_field_missing_everywhere_fails_in_v1_only() -> None:
    with pytest.raises(NodeExecutionError, match="The field 'nope' does not exist in any items"):
        run_node(Summarize(), spec(("count", "nope")), PEOPLE, type_version=1)
    assert run_node(Summarize(), spec(("count", "nope")), PEOPLE, type_version=1.1)[0] == [
        {"count_nope": 0}
    ]


def test_summarize_in_a_workflow() -> None:
    result = run_single(PEOPLE, "summarize", 1.1, spec(("average", "age"), split="city"))
    assert result["runData"]["Node"][0]["outputs"][0][0] == {"city": "London", "average_age": 38.5}
