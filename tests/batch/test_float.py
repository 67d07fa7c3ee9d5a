"""Float sums two-phase without gathering: exactly rounded, whatever the blocks.

A single run adds each group's values left to right (n8n's `total += value`); the batch
adds them exactly and rounds once (exactsum.py). On data where the order of addition
matters the two may differ in the last digits, within the sequential sum's error bound
(docs/batch.md); everything else (groups, their order, counts, non-finite values, signs
of zero) is identical to the single run.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hetumind.batch import BatchOptions, run_batch
from hetumind.batch.exactsum import ExactSum, block_sums
from hetumind.workflow import parse_workflow
from tests.batch.helpers import assign, chain, node, read_jsonl, single_run
from tests.batch.test_equality import TRIGGER, summarize

pytestmark = pytest.mark.usefixtures("ray_session")

ROWS = 3_000
EPS = 2.0**-53


def float_table(rows: int = ROWS, seed: int = 5) -> pa.Table:
    """Mixed magnitudes and signs (naive sums depend on their order), NaN, null, -0.0."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(rows) * 10.0 ** rng.integers(-8, 17, rows)
    values: list[float | None] = x.tolist()
    group = [f"G{i}" for i in rng.integers(0, 6, rows)]
    for i in range(0, rows, 97):
        values[i] = None
    for i in range(5, rows, 389):
        values[i] = float("nan")
        group[i] = "withNaN"
    for i in range(7, rows, 211):
        values[i] = -0.0
        group[i] = "zeros"
    for i in range(11, rows, 421):
        values[i] = 0.0
        group[i] = "zeros"
    return pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "price": pa.array(values, pa.float64()),
            "qty": pa.array(rng.integers(1, 5, rows), pa.int64()),
            "group": pa.array(group),
        }
    )


def sort_by(*fields: tuple[str, str]) -> dict[str, Any]:
    return node(
        "Order",
        "sort",
        1,
        sortFieldsUi={"sortField": [{"fieldName": f, "order": o} for f, o in fields]},
    )


def _batch(doc: dict[str, Any], data: pa.Table, tmp: Path, **options: Any) -> list[Any]:
    pq.write_table(data, tmp / "in.parquet")
    out = tmp / f"out-{len(list(tmp.iterdir()))}.jsonl"
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(input=str(tmp / "in.parquet"), output=str(out), progress=False, **options),
    )
    assert report.status == "success", report.error
    assert report.plan["mode"] == "summarize", report.plan
    return read_jsonl(out)


def _same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and the sign of zero compared."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b) and type(a) is type(b)


def _exact(values: list[Any]) -> float:
    nums = [v for v in values if v is not None]
    if any(math.isnan(v) for v in nums):
        return float("nan")
    return math.fsum(nums) + 0.0


def test_float_sums_are_exactly_rounded_and_match_one_run_elsewhere(tmp_path: Path) -> None:
    doc = chain(
        TRIGGER,
        node(
            "Label", "set", 3.4, **assign("label", '={{ $json.group + "-" + $json.qty }}', "string")
        ),
        sort_by(("id", "descending")),
        summarize(("count", "id"), ("sum", "price"), ("average", "price"), ("count", "price")),
    )
    data = float_table()
    single = single_run(doc, data, "Stats")
    got = _batch(doc, data, tmp_path, block_rows=250)
    assert [r["group"] for r in got] == [r["group"] for r in single]  # first appearance
    totals: dict[str, list[Any]] = {}
    for row in single_run(doc, data, "Order"):
        totals.setdefault(row["group"], []).append(row["price"])
    naive_differs = False
    for mine, one in zip(got, single, strict=True):
        values = totals[mine["group"]]
        assert mine["count_id"] == one["count_id"] and mine["count_price"] == one["count_price"]
        assert _same(mine["sum_price"], _exact(values)), mine
        nums = [v for v in values if v is not None]
        if mine["group"] == "withNaN":
            # NaN in, NaN out (written as null in JSON, as the single run writes it)
            assert one["sum_price"] is None or math.isnan(one["sum_price"])
            continue
        if mine["group"] == "zeros":
            assert _same(mine["sum_price"], 0.0) and _same(one["sum_price"], 0.0)  # never -0
        bound = len(nums) * EPS * math.fsum(abs(v) for v in nums)
        assert abs(mine["sum_price"] - one["sum_price"]) <= bound
        assert mine["average_price"] == mine["sum_price"] / len(nums)
        naive_differs |= mine["sum_price"] != one["sum_price"]
    assert naive_differs, "the data should make the order of addition matter"


@pytest.mark.parametrize("block_rows", [97, 1_000, 10_000])
def test_exact_sums_do_not_depend_on_the_blocks(block_rows: int, tmp_path: Path) -> None:
    doc = chain(TRIGGER, summarize(("sum", "price"), ("average", "price")))
    data = float_table()
    got = _batch(doc, data, tmp_path, block_rows=block_rows)
    by_group: dict[str, list[Any]] = {}
    for g, v in zip(data["group"].to_pylist(), data["price"].to_pylist(), strict=True):
        by_group.setdefault(g, []).append(v)
    assert [r["group"] for r in got] == list(by_group)
    for row in got:
        assert _same(row["sum_price"], _exact(by_group[row["group"]]))


def test_exact_sum_edge_values() -> None:
    big = [1e308, 1e308, -1e308, 1e-300, -1e-300, 5e-324, 2.0**-1074, 1.0, 1e16, -1e16]
    column = pa.chunked_array([pa.array([*big, None, -0.0])])
    codes = np.zeros(len(big) + 2, np.int64)
    exact = float(sum(Fraction(v) for v in big))  # fsum itself overflows on the way
    (total,) = block_sums(codes, 1, column)
    assert total.value() == exact
    halves = [block_sums(codes[:5], 1, column.slice(0, 5))[0]]
    halves.append(block_sums(codes[5:], 1, column.slice(5))[0])
    merged = ExactSum()
    for h in halves:
        merged.add(ExactSum.decode(h.encode()))
    assert merged.value() == exact
    inf = block_sums(np.zeros(3, np.int64), 1, pa.chunked_array([[1.0, math.inf, -math.inf]]))
    assert math.isnan(inf[0].value())
    assert block_sums(np.zeros(2, np.int64), 1, pa.chunked_array([[1e308, 1e308]]))[
        0
    ].value() == float("inf")


def test_sort_feeding_summarize_orders_groups_without_sorting(tmp_path: Path) -> None:
    # Ties on the first sort field across blocks, a second field, lower-cased strings.
    rows = 2_000
    rng = np.random.default_rng(3)
    data = pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "score": pa.array((rng.integers(0, 5, rows) * 0.5).tolist(), pa.float64()),
            "name": pa.array([["b", "A", "a", "C"][i] for i in rng.integers(0, 4, rows)]),
            "group": pa.array([f"g{i}" for i in rng.integers(0, 40, rows)]),
            "value": pa.array(rng.integers(0, 9, rows), pa.int64()),
        }
    )
    for fields in (
        (("score", "descending"),),
        (("score", "ascending"), ("name", "descending")),
        (("name", "ascending"),),
    ):
        doc = chain(TRIGGER, sort_by(*fields), summarize(("count", "id"), ("sum", "score")))
        got = _batch(doc, data, tmp_path, block_rows=150)
        assert got == single_run(doc, data, "Stats"), fields


def test_fallback_is_per_column_not_per_workflow(tmp_path: Path) -> None:
    from hetumind.expressions import compile_parameter

    reversed_name = '={{ [$json.group, "x"].join("-") }}'
    assert compile_parameter(reversed_name).vectorize() is None  # runs item by item
    doc = chain(
        TRIGGER,
        node(
            "Both",
            "set",
            3.4,
            assignments={
                "assignments": [
                    {
                        "id": "a",
                        "name": "total",
                        "value": "={{ $json.qty * 0.5 }}",
                        "type": "number",
                    },
                    {"id": "b", "name": "key", "value": reversed_name, "type": "string"},
                ]
            },
            includeOtherFields=True,
            options={},
        ),
        summarize(("sum", "total"), ("count", "id"), split="key"),
    )
    data = float_table(1_000)
    assert _batch(doc, data, tmp_path, block_rows=300) == single_run(doc, data, "Stats")


def test_ordered_float_sums_gather_and_equal_one_run_bit_for_bit(tmp_path: Path) -> None:
    doc = chain(TRIGGER, summarize(("sum", "price")))
    data = float_table(1_000)
    pq.write_table(data, tmp_path / "in.parquet")
    out = tmp_path / "out.jsonl"
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(
            input=str(tmp_path / "in.parquet"),
            output=str(out),
            block_rows=100,
            float_sums="ordered",
            progress=False,
        ),
    )
    assert report.plan["mode"] == "gather"
    got, want = read_jsonl(out), single_run(doc, data, "Stats")
    assert [r["group"] for r in got] == [r["group"] for r in want]
    for a, b in zip(got, want, strict=True):
        assert _same(a["sum_price"], b["sum_price"])


def test_only_the_columns_the_run_reads_are_read(tmp_path: Path) -> None:
    data = float_table(1_200)
    data = data.append_column("notes", pa.array([f"n{i}" for i in range(1_200)]))
    data = data.append_column("flag", pa.array([i % 2 == 0 for i in range(1_200)]))
    scaled = node("Scaled", "set", 3.4, **assign("scaled", '={{ $json["qty"] * 2 }}'))
    doc = chain(TRIGGER, scaled, sort_by(("id", "ascending")), summarize(("sum", "scaled")))
    pq.write_table(data, tmp_path / "in.parquet")
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(
            input=str(tmp_path / "in.parquet"),
            output=str(tmp_path / "out.jsonl"),
            block_rows=300,
            progress=False,
        ),
    )
    assert report.status == "success" and report.plan["mode"] == "summarize"
    read = set(report.plan["columnsRead"])
    assert {"qty", "id", "group", "scaled"} <= read and not {"notes", "flag", "price"} & read
    assert read_jsonl(tmp_path / "out.jsonl") == single_run(doc, data, "Stats")
    # $json used as a whole: every column is read.
    keys = node("Keys", "set", 3.4, **assign("n", "={{ Object.keys($json).length }}"))
    doc = chain(TRIGGER, keys, summarize(("sum", "n")))
    out = tmp_path / "out2.jsonl"
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(
            input=str(tmp_path / "in.parquet"), output=str(out), block_rows=300, progress=False
        ),
    )
    assert report.status == "success" and "columnsRead" not in report.plan
    assert read_jsonl(out) == single_run(doc, data, "Stats")
