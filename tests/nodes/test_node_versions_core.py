"""Older typeVersions of the core nodes (If 1, Filter 1, Set 1/2, Switch 1/2, Merge 1/2,
Split In Batches 1/2) and the n8n semantics fixed with them (error-output items, Summarize
includeEmpty, Set null objects, Windows code pages, HTML attributes/images, Markdown).

Whole-workflow behaviour against n8n's own answers is in tests/conformance (ver_* cases);
these tests pin the edge rules each version's code implements.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from helpers_agg import FakeContext, run_node

from hetumind.binary import read_binary
from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin._legacy_compare import LegacyCompareError, compare, to_epoch_ms
from hetumind.nodes.builtin.convert_to_file import ConvertToFile
from hetumind.nodes.builtin.html import extract_from
from hetumind.nodes.builtin.if_filter import Filter, If
from hetumind.nodes.builtin.loop import SplitInBatches
from hetumind.nodes.builtin.markdown import html_to_markdown, markdown_to_html
from hetumind.nodes.builtin.merge import Merge
from hetumind.nodes.builtin.set import Set
from hetumind.nodes.builtin.summarize import Summarize
from hetumind.nodes.builtin.switch import Switch, switch_output_count

ROWS: list[dict[str, Any]] = [{"v": 1, "s": "Ada"}, {"v": 5, "s": "grace"}, {"v": None, "s": ""}]


# -- the legacy operators -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "a", "b", "want"),
    [
        ("larger", 5, 3, True),
        ("larger", None, -1, True),  # (null || 0) > (-1 || 0)
        ("smaller", "10", "9", True),  # two strings compare as text, as in JS
        ("smallerEqual", "a", 1, False),  # NaN is never <=
        ("equal", 1, "1", False),  # ===
        ("contains", ["a", "b"], "a,b", True),  # toString() of an array
        ("notContains", None, "x", True),
        ("regex", "Hello", "/^h/i", True),
        ("notRegex", "Hello", "^h", True),
        ("isEmpty", {}, None, True),
        ("isEmpty", 0, None, False),
        ("isNotEmpty", [1], None, True),
    ],
)
def test_legacy_operators_follow_javascript(op: str, a: Any, b: Any, want: bool) -> None:
    assert compare(op, a, b) is want


def test_string_methods_fail_on_non_strings_like_n8n() -> None:
    with pytest.raises(LegacyCompareError, match=r"value1\.endsWith is not a function"):
        compare("endsWith", 5, "5")


def test_dates_become_epoch_milliseconds_or_fail() -> None:
    assert to_epoch_ms("1970-01-01T00:00:01Z") == 1000
    assert to_epoch_ms("2023-01-01T00:00:00.000-05:00") == 1672549200000
    assert to_epoch_ms(42) == 42
    with pytest.raises(LegacyCompareError, match=r'The value "soon" is not a valid DateTime\.'):
        to_epoch_ms("soon")


# -- If 1 / Filter 1 ------------------------------------------------------------------------


def test_if_v1_combines_all_and_any() -> None:
    conditions = {
        "number": [{"value1": "={{ $json.v }}", "operation": "larger", "value2": 0}],
        "string": [{"value1": "={{ $json.s }}", "operation": "startsWith", "value2": "A"}],
    }
    all_ = run_node(If(), {"conditions": conditions}, ROWS)
    assert [r["v"] for r in all_[0]] == [1] and len(all_[1]) == 2
    any_ = run_node(If(), {"conditions": conditions, "combineOperation": "any"}, ROWS)
    assert [r["v"] for r in any_[0]] == [1, 5]


def test_if_v1_error_names_the_item() -> None:
    params = {"conditions": {"dateTime": [{"value1": "={{ $json.s }}", "value2": "2020-01-01"}]}}
    with pytest.raises(NodeExecutionError, match="not a valid DateTime") as info:
        run_node(If(), params, ROWS)
    assert info.value.item_index == 0


def test_filter_v1_keeps_only_passing_items() -> None:
    params = {
        "conditions": {"string": [{"value1": "={{ $json.s }}", "operation": "isEmpty"}]},
        "combineConditions": "OR",
    }
    out = run_node(Filter(), params, ROWS)
    assert out == [[ROWS[2]]]


# -- Set 1 / 2 ------------------------------------------------------------------------------


SET_VALUES = {
    "values": {
        "string": [{"name": "a.b", "value": "x"}],
        "number": [{"name": "n", "value": "={{ String($json.v) }}"}],
        "boolean": [{"name": "flag", "value": "={{ $json.s }}"}],
    }
}


def test_set_v1_writes_booleans_numbers_strings_in_that_order() -> None:
    out = run_node(Set(), SET_VALUES, ROWS[:1], type_version=1)[0]
    assert out == [{"v": 1, "s": "Ada", "flag": True, "n": "1", "a": {"b": "x"}}]
    assert list(out[0]) == ["v", "s", "flag", "n", "a"]


def test_set_v2_turns_numeric_text_into_numbers() -> None:
    out = run_node(Set(), SET_VALUES, ROWS[:2], type_version=2)[0]
    assert [r["n"] for r in out] == [1, 5]


def test_set_v1_keep_only_set_and_literal_dotted_names() -> None:
    params = {**SET_VALUES, "keepOnlySet": True, "options": {"dotNotation": False}}
    out = run_node(Set(), params, ROWS[:1], type_version=2)[0]
    assert out == [{"flag": True, "n": 1, "a.b": "x"}]


def test_set_v1_without_input_makes_one_item() -> None:
    out = Set().run(FakeContext(SET_VALUES, type_version=1), [ItemBatch.empty()])[0]
    # expressions see an empty item: String(undefined) is the text "undefined"
    assert out.to_json() == [{"flag": False, "n": "undefined", "a": {"b": "x"}}]


def test_set_v3_object_value_null_is_kept_with_ignore_conversion_errors() -> None:
    params = {
        "fields": {"values": [{"name": "o", "type": "objectValue", "objectValue": "={{ null }}"}]},
        "options": {"ignoreConversionErrors": True},
    }
    assert run_node(Set(), params, [{}], type_version=3.2) == [[{"o": None}]]


# -- Switch 1 / 2 ---------------------------------------------------------------------------


def test_switch_legacy_output_counts_by_shape() -> None:
    v1 = {"dataType": "number", "rules": {"rules": [{"value2": 1, "output": 2}]}}
    v2 = {"dataType": "string", "rules": {"rules": [{"value2": "a", "outputKey": "A"}] * 2}}
    assert switch_output_count(v1) == 4
    assert switch_output_count(v2) == 2
    assert switch_output_count({"mode": "expression", "outputsAmount": 6}) == 6


def test_switch_v1_routes_to_the_rules_output_and_the_fallback() -> None:
    params = {
        "dataType": "number",
        "value1": "={{ $json.v }}",
        "rules": {"rules": [{"operation": "larger", "value2": 2, "output": 3}]},
        "fallbackOutput": 1,
    }
    out = run_node(Switch(), params, ROWS[:2], type_version=1)
    assert [len(o) for o in out] == [0, 1, 0, 1]


def test_switch_v2_routes_by_rule_position() -> None:
    params = {
        "dataType": "string",
        "value1": "={{ $json.s }}",
        "rules": {
            "rules": [{"value2": "x", "output": 3}, {"operation": "contains", "value2": "a"}]
        },
    }
    out = run_node(Switch(), params, ROWS, type_version=2)
    assert [[r["s"] for r in o] for o in out] == [[], ["Ada", "grace"]]


def test_switch_v1_continue_on_fail_puts_unpaired_errors_on_output_0() -> None:
    batch = ItemBatch.from_json(ROWS[:2])
    params = {"mode": "expression", "output": "={{ $json.v }}"}
    ctx = FakeContext(params, type_version=1, continue_on_fail=True, inputs=[batch])
    out = Switch().run(ctx, [batch])
    assert out[0].to_json() == [
        {"error": "The ouput 5 is not allowed. It has to be between 0 and 3!"}
    ]
    assert out[0].paired is not None and out[0].paired.to_pylist() == [None]
    assert [len(o) for o in out] == [1, 1, 0, 0]


# -- Merge 1 / 2 ----------------------------------------------------------------------------

LEFT: list[dict[str, Any]] = [{"id": 1, "a": "x"}, {"id": 2, "a": ""}, {"id": True}, {"k": 0}]
RIGHT: list[dict[str, Any]] = [
    {"key": 1, "a": "y", "b": 1},
    {"key": "2", "a": "z"},
    {"key": 0, "b": 9},
]


def merge(version: float, params: dict[str, Any], left: Any = LEFT, right: Any = RIGHT) -> Any:
    return run_node(Merge(), params, left, right, type_version=version)[0]


def test_merge_v1_merge_by_key_overwrite_modes() -> None:
    base = {"mode": "mergeByKey", "propertyName1": "id", "propertyName2": "key"}
    assert merge(1, base)[:2] == [{"id": 1, "a": "y", "b": 1}, {"id": 2, "a": "z"}]
    blank = merge(1, {**base, "overwrite": "blank"})
    assert blank[:2] == [{"id": 1, "a": "x", "b": 1}, {"id": 2, "a": "z"}]
    # a boolean key never matches; an item without the key is dropped
    assert len(merge(1, base)) == 2


def test_merge_v1_key_matches() -> None:
    keep = {"mode": "keepKeyMatches", "propertyName1": "id", "propertyName2": "key"}
    assert [r.get("id") for r in merge(1, keep)] == [1, 2]
    remove = {**keep, "mode": "removeKeyMatches"}
    assert merge(1, remove) == [{"id": True}, {"k": 0}]


def test_merge_v1_by_index_joins_and_wait() -> None:
    out = merge(1, {"mode": "mergeByIndex", "join": "outer"}, LEFT[:1], RIGHT)
    assert out == [{"id": 1, "a": "y", "key": 1, "b": 1}, RIGHT[1], RIGHT[2]]
    assert merge(1, {"mode": "mergeByIndex", "join": "inner"}, LEFT, RIGHT[:1]) == [
        {"id": 1, "a": "y", "key": 1, "b": 1}
    ]
    assert merge(1, {"mode": "wait"}) == [{}]
    assert merge(1, {"mode": "passThrough", "output": "input2"}) == RIGHT


def test_merge_v2_checks_fields_exist_before_2_1() -> None:
    params = {"mode": "combine", "mergeByFields": {"values": [{"field1": "id", "field2": "no"}]}}
    with pytest.raises(NodeExecutionError, match="Field 'no' is not present"):
        merge(2, params)
    assert merge(2.1, params) == []  # keepMatches with no match


def test_merge_v2_by_position_with_an_empty_input_passes_the_other_through() -> None:
    params = {"mode": "combine", "combinationMode": "mergeByPosition"}
    assert merge(2, params, LEFT[:2], []) == LEFT[:2]


# -- Split In Batches 1 / 2 -----------------------------------------------------------------


def _loop_runs(version: float, size: int) -> list[list[list[int]]]:
    state: dict[str, Any] = {}
    items = ItemBatch.from_json([{"i": i} for i in range(5)])
    runs = []
    feed = items
    for _ in range(5):
        ctx = FakeContext({"batchSize": size}, type_version=version, state=state, inputs=[feed])
        out = SplitInBatches().run(ctx, [feed])
        runs.append([[r["i"] for r in o.to_json()] for o in out])
        if not len(out[0]):
            break
        feed = out[0]
    return runs


def test_split_in_batches_v2_loops_on_output_0_and_finishes_on_output_1() -> None:
    runs = _loop_runs(2, 2)
    assert runs == [[[0, 1], []], [[2, 3], []], [[4], []], [[], [0, 1, 2, 3, 4]]]


def test_split_in_batches_v1_just_stops() -> None:
    assert _loop_runs(1, 3) == [[[0, 1, 2], []], [[3, 4], []], [[], []]]


# -- error outputs --------------------------------------------------------------------------


def _code_workflow(code: str) -> dict[str, Any]:
    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
        {
            "name": "Data",
            "type": "n8n-nodes-base.code",
            "typeVersion": 2,
            "parameters": {"jsCode": "return [{a: 1}, {a: 2}, {a: 3}];"},
        },
        {
            "name": "Node",
            "type": "n8n-nodes-base.code",
            "typeVersion": 2,
            "onError": "continueErrorOutput",
            "parameters": {"mode": "runOnceForEachItem", "jsCode": code},
        },
    ]
    for n in nodes:
        n.setdefault("parameters", {})
        n["position"] = [0, 0]
    return {
        "nodes": nodes,
        "connections": {
            "Start": {"main": [[{"node": "Data", "type": "main", "index": 0}]]},
            "Data": {"main": [[{"node": "Node", "type": "main", "index": 0}]]},
        },
        "settings": {"executionOrder": "v1"},
    }


def test_error_items_carry_the_input_json() -> None:
    code = "if ($json.a === 2) throw new Error('two'); return {json: {b: $json.a}};"
    got = run_workflow(_code_workflow(code), backend="inline").to_json()
    ok, failed = got["runData"]["Node"][0]["outputs"]
    assert ok == [{"b": 1}, {"b": 3}]
    assert len(failed) == 1 and failed[0]["a"] == 2 and "two" in failed[0]["error"]


def test_an_error_field_with_other_fields_is_data() -> None:
    code = "return {json: {error: 'not a failure', a: $json.a}};"
    got = run_workflow(_code_workflow(code), backend="inline").to_json()
    ok, failed = got["runData"]["Node"][0]["outputs"]
    assert len(ok) == 3 and failed == []


# -- Summarize, Convert to File, HTML, Markdown ---------------------------------------------


def test_summarize_include_empty_counts_every_item() -> None:
    rows: list[dict[str, Any]] = [{"r": "a"}, {"r": ""}, {"r": None}, {"r": None}, {}, {"r": "a"}]
    field = {"field": "r", "includeEmpty": True}
    count = {"fieldsToSummarize": {"values": [field]}}
    unique = {"fieldsToSummarize": {"values": [{**field, "aggregation": "countUnique"}]}}
    assert run_node(Summarize(), count, rows, type_version=1.1)[0] == [{"count_r": 6}]
    # "a", "", null and undefined (the missing field) are four distinct values
    assert run_node(Summarize(), unique, rows, type_version=1.1)[0] == [{"unique_count_r": 4}]


@pytest.mark.parametrize("page", range(1250, 1259))
def test_convert_to_file_windows_code_pages(page: int) -> None:
    params = {
        "operation": "toText",
        "sourceProperty": "t",
        "options": {"encoding": f"windows{page}"},
    }
    batch = ItemBatch.from_json([{"t": "a€"}])
    out = ConvertToFile().run(FakeContext(params, type_version=1.1, inputs=[batch]), [batch])[0]
    assert out.binary is not None and out.binary[0] is not None
    assert read_binary(out.binary[0]["data"]) == "a€".encode(f"cp{page}")


def test_html_attribute_without_name_and_images_in_text() -> None:
    html = '<div class="c" data-x="1"><img src="s.png" alt="logo"/> <a href="/u">go</a></div>'
    specs = [
        {"key": "attrs", "cssSelector": "div", "returnValue": "attribute"},
        {"key": "text", "cssSelector": "div"},
        {"key": "inner", "cssSelector": "div", "returnValue": "html"},
    ]
    out = extract_from(html, specs, {}, 1.2)
    assert out["attrs"] == {"class": "c", "data-x": "1"}
    assert out["text"] == "logo [s.png] go [/u]"
    assert out["inner"].startswith('<img src="s.png" alt="logo">')


def test_markdown_typography_and_ignored_elements() -> None:
    assert markdown_to_html("Wait... `a...b`", {}) == "<p>Wait\u2026 <code>a...b</code></p>"
    # n8n's node offers no "ellipsis" option: a stored one is dropped, typography stays
    assert markdown_to_html("Wait...", {"ellipsis": False}) == "<p>Wait\u2026</p>"
    page = "<html><head><title>T</title><style>p{}</style></head><body><p>Hi</p></body></html>"
    assert html_to_markdown(page, {}) == "Hi"
    # "ignore" drops an element with its content, but headings keep their translator
    assert html_to_markdown("<div>a<span>b</span></div><h1>H</h1>", {"ignore": "span, h1"}) == (
        "a\n\n# H"
    )


def test_json_of_cases_is_valid() -> None:
    # the recorded ver_ cases are plain n8n exports (a cheap guard against a bad copy)
    from pathlib import Path

    cases = sorted((Path(__file__).parents[1] / "conformance" / "cases").glob("ver_*.json"))
    assert len(cases) >= 50
    for case in cases:
        assert json.loads(case.read_text())["nodes"]


# -- odd parameters never crash -----------------------------------------------------------

_ODD: list[Any] = [None, 1, "s", [], {}, [1, "x", None], {"x": 1}, True, -1, 99, 1.5]
_ODD += ["={{ $json.e }}", "={{ $json.d }}", "={{ $json.c }}"]


def _odd_cases() -> list[tuple[Any, dict[str, Any], float]]:
    import random

    rnd = random.Random(7)
    ops = ["equal", "larger", "contains", "endsWith", "regex", "isEmpty", "after", "bogus", None]
    out: list[tuple[Any, dict[str, Any], float]] = []
    for _ in range(60):
        v, w, op = rnd.choice(_ODD), rnd.choice(_ODD), rnd.choice(ops)
        cond = {"value1": v, "operation": op, "value2": w}
        out += [
            (
                If(),
                {
                    "conditions": rnd.choice([v, {"number": v}, {"string": [cond]}]),
                    "combineOperation": w,
                },
                1,
            ),
            (
                Set(),
                {
                    "values": rnd.choice([v, {"number": [{"name": v, "value": w}]}]),
                    "keepOnlySet": v,
                    "options": rnd.choice([v, {"dotNotation": w}]),
                },
                2,
            ),
            (
                Switch(),
                {
                    "dataType": rnd.choice(["number", "string", "dateTime", v]),
                    "value1": v,
                    "rules": {"rules": rnd.choice([v, [cond]])},
                    "fallbackOutput": w,
                },
                rnd.choice([1, 2]),
            ),
            (
                Merge(),
                {
                    "mode": rnd.choice(["mergeByKey", "mergeByIndex", "combine", v]),
                    "propertyName1": v,
                    "propertyName2": w,
                    "join": w,
                    "combinationMode": rnd.choice(["mergeByFields", "mergeByPosition", v]),
                    "mergeByFields": rnd.choice([v, {"values": [v]}]),
                    "options": rnd.choice([v, {}]),
                },
                rnd.choice([1, 2, 2.1]),
            ),
        ]
    return out


def test_odd_parameters_fail_clearly_or_run() -> None:
    from hetumind.errors import HetumindError

    rows: list[dict[str, Any]] = [{"a": 1, "b": "x", "c": None, "d": [1], "e": {"k": 1}}, {}]
    for node, params, version in _odd_cases():
        inputs = (rows, rows[:1]) if isinstance(node, Merge) else (rows,)
        # a clear, typed error is fine; any other exception fails the test
        with contextlib.suppress(HetumindError):
            run_node(node, params, *inputs, type_version=version)


# -- Item Lists per version -----------------------------------------------------------------


def _item_lists(version: float, params: dict[str, Any], rows: list[dict[str, Any]]) -> Any:
    from hetumind.nodes.builtin.item_lists import ItemLists

    return run_node(ItemLists(), params, rows, type_version=version)[0]


def test_item_lists_split_checks_by_version() -> None:
    rows: list[dict[str, Any]] = [{"a": [1, 2], "n": None, "o": {"x": 1}}]
    split = {"fieldToSplitOut": "nope"}
    with pytest.raises(NodeExecutionError, match="Couldn't find the field 'nope'"):
        _item_lists(2, split, rows)
    assert _item_lists(2.1, split, rows) == []
    with pytest.raises(NodeExecutionError, match=r"'o' is not an array$"):
        _item_lists(1, {"fieldToSplitOut": "o"}, rows)
    with pytest.raises(NodeExecutionError, match="'n' is not an array or object"):
        _item_lists(2.1, {"fieldToSplitOut": "n"}, rows)
    assert _item_lists(2.2, {"fieldToSplitOut": "n"}, rows) == [{"n": None}]


def test_item_lists_aggregate_and_summarize_missing_fields_by_version() -> None:
    rows: list[dict[str, Any]] = [{"a": 1}, {"a": 2}]
    agg = {
        "operation": "aggregateItems",
        "fieldsToAggregate": {"fieldToAggregate": [{"fieldToAggregate": "nope"}]},
    }
    with pytest.raises(NodeExecutionError, match="Couldn't find the field 'nope'"):
        _item_lists(2, agg, rows)
    assert _item_lists(2, {**agg, "options": {"keepMissing": True}}, rows) == [{"nope": [None] * 2}]
    assert _item_lists(2.1, agg, rows) == [{"nope": []}]
    summ = {
        "operation": "summarize",
        "fieldsToSummarize": {"values": [{"aggregation": "count", "field": "nope"}]},
    }
    with pytest.raises(NodeExecutionError, match="does not exist in any items"):
        _item_lists(2, summ, rows)
    assert _item_lists(2.1, summ, rows) == [{"count_nope": 0}]
