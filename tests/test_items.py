from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hetumind.items import ItemBatch, exactly_equal

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
rows = st.lists(st.dictionaries(st.sampled_from("abcde"), json_values, max_size=5), max_size=8)


@settings(max_examples=300, deadline=None)
@given(rows)
def test_any_json_items_round_trip_exactly(items: list[dict[str, Any]]) -> None:
    # Top-level keys become columns, so their order is the batch's; all else is exact.
    def by_key(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [dict(sorted(r.items())) for r in rows]

    assert exactly_equal(by_key(ItemBatch.from_json(items).to_json()), by_key(items))


def test_uniform_columns_are_typed_so_nodes_can_compute_on_them() -> None:
    batch = ItemBatch.from_json([{"n": 1, "x": 1.5, "ok": True}, {"n": 2, "x": 2.0, "ok": False}])
    assert batch.typed_column("n").type == pa.int64()
    assert batch.typed_column("x").type == pa.float64()
    assert batch.typed_column("ok").type == pa.bool_()


def test_ints_floats_and_bools_keep_their_types() -> None:
    items = [{"v": 1}, {"v": 1.0}, {"v": True}, {"v": None}]
    out = ItemBatch.from_json(items).to_json()
    assert [type(r["v"]) for r in out] == [int, float, bool, type(None)]


def test_missing_key_differs_from_null() -> None:
    items = [{"a": None}, {}, {"a": 3}]
    assert ItemBatch.from_json(items).to_json() == items
    assert ItemBatch.from_json(items).typed_column("a") is None


def test_items_without_fields_keep_their_count() -> None:
    batch = ItemBatch.from_json([{}, {}, {}])
    assert len(batch) == 3
    assert batch.to_json() == [{}, {}, {}]
    assert len(batch.take([0, 2])) == 2


def test_concat_unifies_differently_typed_columns() -> None:
    a = ItemBatch.from_json([{"k": 1}])
    b = ItemBatch.from_json([{"k": "one"}, {"z": []}])
    assert ItemBatch.concat([a, b]).to_json() == [{"k": 1}, {"k": "one"}, {"z": []}]


def test_take_keeps_binary_and_lineage_aligned() -> None:
    batch = ItemBatch.from_items(
        [{"json": {"i": 0}}, {"json": {"i": 1}, "binary": {"data": {"id": "x"}}}]
    )
    batch = batch._replace(lineage={"Src": pa.array([10, 11], pa.int64())})
    taken = batch.take([1])
    assert taken.to_items() == [{"json": {"i": 1}, "binary": {"data": {"id": "x"}}}]
    assert taken.lineage["Src"].to_pylist() == [11]


def test_non_object_items_are_rejected_with_their_index() -> None:
    with pytest.raises(TypeError, match="item 1"):
        ItemBatch.from_json([{}, 5])  # type: ignore[list-item]


def test_from_arrow_wraps_tables_without_copying() -> None:
    table = pa.table({"a": [1, 2, 3]})
    batch = ItemBatch.from_arrow(table)
    assert batch.table is table
    assert batch.to_json() == [{"a": 1}, {"a": 2}, {"a": 3}]
