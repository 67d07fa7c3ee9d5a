"""Sort and Limit: n8n's ordering semantics, the Arrow fast path, pairing."""

from __future__ import annotations

import pytest
from helpers_agg import PEOPLE, FakeContext, run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.sort_limit import Limit, Sort


def sort_params(*fields: tuple[str, str]) -> dict[str, object]:
    return {"sortFieldsUi": {"sortField": [{"fieldName": f, "order": o} for f, o in fields]}}


def test_sort_typed_columns_multi_key_descending_then_case_insensitive_name() -> None:
    out = run_node(Sort(), sort_params(("age", "descending"), ("name", "ascending")), PEOPLE)[0]
    assert [r["name"] for r in out] == ["Edsger", "Grace", "alan", "Ada", "Ken", "Barbara"]


def test_sort_is_stable_and_pairs_to_input_positions() -> None:
    batch = ItemBatch.from_json(PEOPLE)
    out = Sort().run(FakeContext(sort_params(("age", "ascending"))), [batch])[0]
    assert out.paired is not None
    assert out.paired.to_pylist() == [4, 0, 5, 2, 1, 3]


def test_sort_strings_ignore_case() -> None:
    rows = [{"k": "b"}, {"k": "A"}, {"k": "a"}, {"k": "C"}]
    out = run_node(Sort(), sort_params(("k", "ascending")), rows)[0]
    assert [r["k"] for r in out] == ["A", "a", "b", "C"]


def test_sort_mixed_types_falls_back_to_js_comparison() -> None:
    rows = [{"v": "10"}, {"v": 2}, {"v": 9}, {"v": "1"}]
    out = run_node(Sort(), sort_params(("v", "ascending")), rows)[0]
    # JS: "10" > 2 and "10" > 9 numerically, "1" < 2
    assert [r["v"] for r in out] == ["1", 2, 9, "10"]


def test_sort_nested_path_through_struct_column() -> None:
    rows = [{"i": {"r": 3}}, {"i": {"r": 1}}, {"i": {"r": 2}}]
    out = run_node(Sort(), sort_params(("i.r", "ascending")), rows)[0]
    assert [r["i"]["r"] for r in out] == [1, 2, 3]


def test_sort_missing_field_is_an_error() -> None:
    with pytest.raises(NodeExecutionError, match="Couldn't find the field 'nope'"):
        run_node(Sort(), sort_params(("nope", "ascending")), PEOPLE)


def test_sort_code_mode_runs_the_comparator_in_the_sandbox() -> None:
    # n8n's own test comparator: an undeclared variable (sloppy mode), -1/1/0 returns
    code = (
        "fieldName = 'age';\nif (a.json[fieldName] < b.json[fieldName]) { return 1; }\n"
        "if (a.json[fieldName] > b.json[fieldName]) { return -1; }\nreturn 0;"
    )
    out = run_node(Sort(), {"type": "code", "code": code}, PEOPLE)[0]
    ages = [r["age"] for r in out]
    assert ages == sorted(ages, reverse=True)
    assert [r["id"] for r in out if r["age"] == 36] == [1, 6]  # a stable sort


def test_sort_code_without_return_and_failing_code() -> None:
    with pytest.raises(NodeExecutionError, match="doesn't return"):
        run_node(Sort(), {"type": "code", "code": "a < b"}, PEOPLE)
    with pytest.raises(NodeExecutionError, match="boom"):
        run_node(Sort(), {"type": "code", "code": "throw new Error('boom'); return 0"}, PEOPLE)


def test_sort_random_keeps_every_item() -> None:
    out = run_node(Sort(), {"type": "random"}, PEOPLE)[0]
    assert sorted(r["id"] for r in out) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        ({"maxItems": 2}, [1, 2]),
        ({"maxItems": 2, "keep": "lastItems"}, [5, 6]),
        ({"maxItems": 50}, [1, 2, 3, 4, 5, 6]),
    ],
)
def test_limit(params: dict[str, object], ids: list[int]) -> None:
    assert [r["id"] for r in run_node(Limit(), params, PEOPLE)[0]] == ids


def test_limit_last_items_pairs_to_their_input_positions() -> None:
    out = Limit().run(
        FakeContext({"maxItems": 2, "keep": "lastItems"}), [ItemBatch.from_json(PEOPLE)]
    )
    assert out[0].paired is not None and out[0].paired.to_pylist() == [4, 5]


def test_sort_then_limit_in_a_workflow() -> None:
    result = run_single(PEOPLE, "sort", 1, sort_params(("score", "descending")))
    assert result["status"] == "success"
    assert [r["id"] for r in result["runData"]["Node"][0]["outputs"][0]] == [4, 1, 2, 6, 3, 5]
