"""The shared item-wise runner (hetumind.nodes.item_wise) on its own: pairing, items that
become several or none, binary data, and the onError decision of each helper."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.item_wise import (
    ItemInputError,
    Output,
    batch_error,
    flat_map_items,
    for_each_item,
    item_error,
    map_items,
)
from tests.nodes.context import node_context

_BATCH = ItemBatch.from_json([{"n": 0}, {"n": 1}, {"n": 2}])


def _paired(batch: ItemBatch) -> list[int | None]:
    assert batch.paired is not None
    return list(batch.paired.to_pylist())


def test_map_items_stops_naming_node_and_item() -> None:
    ctx = node_context({}, [_BATCH], node_name="Shape")

    def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], None]:
        if i == 1:
            raise ItemInputError("'value' must be a number")
        return {"m": row["n"]}, None

    with pytest.raises(NodeExecutionError) as info:
        map_items(ctx, _BATCH, step)
    assert info.value.node == "Shape" and info.value.item_index == 1
    assert info.value.reason == "'value' must be a number"


def test_map_items_continue_keeps_an_error_item_and_pairs_all() -> None:
    ctx = node_context({}, [_BATCH], continue_on_fail=True)

    def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        if i == 1:
            raise HetumindError("bad item")
        return {"m": row["n"]}, None

    out = map_items(ctx, _BATCH, step)
    assert out.to_json() == [{"m": 0}, {"error": "bad item"}, {"m": 2}]
    assert _paired(out) == [0, 1, 2]


def test_map_items_failures_and_wording_are_the_nodes() -> None:
    ctx = node_context({}, [_BATCH], continue_on_fail=True)

    def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], None]:
        raise KeyError(i)

    out = map_items(ctx, _BATCH, step, failures=(KeyError,), describe=lambda e: f"no {e}")
    assert out.to_json()[2] == {"error": "no 2"}
    with pytest.raises(KeyError):  # a failure the node did not name is a bug: not caught
        map_items(ctx, _BATCH, step)


def test_flat_map_items_several_none_and_error_items() -> None:
    ctx = node_context({}, [_BATCH], continue_on_fail=True)

    def step(i: int) -> list[dict[str, Any]]:
        if i == 2:
            raise HetumindError("boom")
        return [{"k": i}] * (i * 2)  # item 0 -> none, item 1 -> two

    out = flat_map_items(ctx, 3, step)
    assert out.to_json() == [{"k": 1}, {"k": 1}, {"error": "boom"}]
    assert _paired(out) == [1, 1, 2]


def test_for_each_item_keeps_binary_and_pairs_error_items() -> None:
    ctx = node_context({}, [_BATCH], continue_on_fail=True)
    out = Output()

    def step(i: int) -> None:
        if i == 0:
            raise ValueError("unreadable")
        out.add({"i": i}, {"data": {"id": f"blob-{i}"}}, i)

    for_each_item(ctx, 3, out, step, failures=(ValueError,))
    batch = out.batch()
    assert batch.to_json() == [{"error": "unreadable"}, {"i": 1}, {"i": 2}]
    assert batch.binary is not None and batch.binary[0] is None
    assert batch.binary[2] == {"data": {"id": "blob-2"}}
    assert _paired(batch) == [0, 1, 2]


def test_item_error_raises_the_given_stop_error() -> None:
    ctx = node_context({}, [_BATCH])
    kept = NodeExecutionError("HTTP 429", node="API", item_index=4)
    with pytest.raises(NodeExecutionError) as info:
        item_error(ctx, 4, "rate limited", stop=kept)
    assert info.value is kept
    assert item_error(node_context({}, [_BATCH], continue_on_fail=True), 4, "x") == {"error": "x"}


def test_batch_error_shapes() -> None:
    with pytest.raises(NodeExecutionError) as info:
        batch_error(node_context({}, [_BATCH], node_name="DB"), "cannot connect")
    assert info.value.node == "DB" and info.value.item_index is None
    ctx = node_context({}, [_BATCH], continue_on_fail=True)
    each = batch_error(ctx, "cannot connect", items=3)
    assert each.to_json() == [{"error": "cannot connect"}] * 3 and _paired(each) == [0, 1, 2]
    unpaired = batch_error(ctx, "script failed", paired=False)
    assert unpaired.to_json() == [{"error": "script failed"}] and unpaired.paired is None
