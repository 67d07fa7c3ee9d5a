"""Rename Keys: plain and dotted renames, regex renames with depth, errors per item."""

from __future__ import annotations

import pytest
from helpers_agg import run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.rename_keys import RenameKeys
from tests.nodes.context import node_context

ROWS = [
    {"name": "Ada", "info": {"city": "London"}, "tags": [{"Name": 1}]},
    {"name": "Grace", "other": True},
]


def keys(*pairs: tuple[str, str]) -> dict[str, object]:
    return {"keys": {"key": [{"currentKey": a, "newKey": b} for a, b in pairs]}}


def regex(search: str, replace: str, **options: object) -> dict[str, object]:
    replacement = {"searchRegex": search, "replaceRegex": replace, "options": options}
    return {"additionalOptions": {"regexReplacement": {"replacements": [replacement]}}}


def test_plain_and_dotted_renames_move_the_value() -> None:
    out = run_node(RenameKeys(), keys(("name", "full"), ("info.city", "address.town")), ROWS)[0]
    assert out[0] == {
        "info": {},
        "tags": [{"Name": 1}],
        "full": "Ada",
        "address": {"town": "London"},
    }
    assert out[1] == {"other": True, "full": "Grace"}


def test_renames_read_the_input_so_they_do_not_chain() -> None:
    out = run_node(RenameKeys(), keys(("name", "a"), ("a", "b"), ("missing", "x")), ROWS)[0]
    assert out[0]["a"] == "Ada" and "b" not in out[0] and "x" not in out[0]


def test_empty_and_identical_names_are_ignored() -> None:
    assert run_node(RenameKeys(), keys(("", "x"), ("name", ""), ("name", "name")), ROWS)[0] == ROWS


def test_regex_with_capture_groups_renames_nested_keys() -> None:
    out = run_node(RenameKeys(), regex("([Nn])ame", "$1ick"), ROWS)[0]
    assert out[0] == {"info": {"city": "London"}, "tags": [{"Nick": 1}], "nick": "Ada"}


def test_regex_depth_zero_and_case_insensitive() -> None:
    out = run_node(RenameKeys(), regex("NAME", "label", caseInsensitive=True, depth=0), ROWS)[0]
    assert out[0]["tags"] == [{"Name": 1}] and out[0]["label"] == "Ada"


def test_regex_onto_an_existing_key_keeps_its_place() -> None:
    rows = [{"a": 1, "b": 2, "B": 3}]
    assert list(run_node(RenameKeys(), regex("^B$", "a"), rows)[0][0].items()) == [
        ("a", 3),
        ("b", 2),
    ]


def test_invalid_regex_names_node_and_item() -> None:
    with pytest.raises(
        NodeExecutionError, match=r"node 'Node', item 0: Invalid regular expression '\('"
    ):
        run_node(RenameKeys(), regex("(", "x"), ROWS)


def test_continue_on_fail_puts_the_error_in_json() -> None:
    batch = ItemBatch.from_items([{"json": {"a": 1}, "binary": {"data": {"data": "eA=="}}}])
    ctx = node_context(regex("(", "x"), [batch], continue_on_fail=True)
    out = RenameKeys().run(ctx, [batch])[0]
    assert out.to_json()[0]["error"].startswith("Invalid regular expression")
    assert out.binary is None or out.binary[0] is None


def test_binary_is_kept_and_empty_input_gives_no_items() -> None:
    batch = ItemBatch.from_items([{"json": {"a": 1}, "binary": {"data": {"data": "eA=="}}}])
    ctx = node_context(keys(("a", "b")), [batch])
    out = RenameKeys().run(ctx, [batch])[0]
    assert out.to_items() == [{"json": {"b": 1}, "binary": {"data": {"data": "eA=="}}}]
    assert run_node(RenameKeys(), keys(("a", "b")), []) == [[]]


def test_rename_keys_in_a_workflow() -> None:
    result = run_single(ROWS, "renameKeys", 1, keys(("name", "who")))
    assert [r["who"] for r in result["runData"]["Node"][0]["outputs"][0]] == ["Ada", "Grace"]
