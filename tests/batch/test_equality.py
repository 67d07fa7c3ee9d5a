"""A batch run writes exactly what one execution over all rows outputs, order included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hetumind.batch import BatchOptions, run_batch
from hetumind.workflow import parse_workflow
from tests.batch.helpers import assign, chain, node, read_jsonl, single_run, table
from tests.engine.workflows import condition

pytestmark = pytest.mark.usefixtures("ray_session")

ROWS = 5_000

TRIGGER = node("Start", "manualTrigger")
SCORE = node("Score", "set", 3.4, **assign("score", "={{ $json.value * 2 + 1 }}"))
BIG = node("Big", "if", 2.2, **condition("={{ $json.score }}", "gt", 1000))
TAG = node("Tag", "set", 3.4, **assign("tier", "gold", "string"))


def sort(order: str = "descending", field: str = "score") -> dict[str, Any]:
    return node(
        "Order", "sort", 1, sortFieldsUi={"sortField": [{"fieldName": field, "order": order}]}
    )


def summarize(*aggs: tuple[str, str], split: str = "group") -> dict[str, Any]:
    return node(
        "Stats",
        "summarize",
        1.1,
        fieldsToSummarize={"values": [{"aggregation": a, "field": f} for a, f in aggs]},
        fieldsToSplitBy=split,
        options={},
    )


CASES: dict[str, tuple[dict[str, Any], str]] = {
    "stream": (chain(TRIGGER, SCORE, BIG, TAG), "stream"),
    "benchmark transform (sort absorbed)": (
        chain(
            TRIGGER,
            SCORE,
            BIG,
            TAG,
            sort(),
            summarize(("count", "id"), ("sum", "score"), ("average", "value")),
        ),
        "summarize",
    ),
    "sort ascending on strings then min/max": (
        chain(
            TRIGGER, SCORE, sort("ascending", "group"), summarize(("min", "value"), ("max", "id"))
        ),
        "summarize",
    ),
    "summarize without split, then more nodes": (
        chain(TRIGGER, summarize(("sum", "value"), ("count", "group"), split=""), TAG),
        "summarize",
    ),
    "limit": (chain(TRIGGER, SCORE, BIG, node("Cap", "limit", 1, maxItems=777)), "limit"),
    "limit then per-item": (chain(TRIGGER, node("Cap", "limit", 1, maxItems=30), TAG), "limit"),
    "sort alone (sample sort)": (chain(TRIGGER, SCORE, sort("ascending", "value")), "sort"),
    "sort descending on strings (sample sort)": (
        chain(TRIGGER, sort("descending", "group")),
        "sort",
    ),
    "sort then per-item (in each key range's task)": (
        chain(TRIGGER, sort("ascending", "value"), TAG),
        "sort",
    ),
    "sort then If and Set (in each key range's task)": (
        chain(TRIGGER, SCORE, sort("descending", "group"), BIG, TAG),
        "sort",
    ),
    "remove duplicates (gathered)": (
        chain(
            TRIGGER,
            node(
                "Dedupe", "removeDuplicates", 2, compare="selectedFields", fieldsToCompare="group"
            ),
        ),
        "gather",
    ),
    "item index expression (whole workflow)": (
        chain(TRIGGER, node("Pos", "set", 3.4, **assign("pos", "={{ $itemIndex }}"))),
        "gather",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_batch_equals_single_run(case: str, tmp_path: Path) -> None:
    doc, mode = CASES[case]
    data = table(ROWS)
    src = tmp_path / "in.parquet"
    pq.write_table(data, src, row_group_size=700)
    out = tmp_path / "out.jsonl"
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(
            input=str(src), output=str(out), block_rows=900, parallelism=2, progress=False
        ),
    )
    assert report.status == "success", report.error
    assert report.plan["mode"] == mode
    expected = single_run(doc, data, doc["nodes"][-1]["name"])
    assert read_jsonl(out) == expected
    assert report.rows_out == len(expected)
    if mode == "limit":  # reading stops once enough items are in hand
        assert report.rows_in < ROWS
    else:
        assert report.rows_in == ROWS
        assert report.blocks == -(-ROWS // 900)


def test_directory_output_is_ordered_parts(tmp_path: Path) -> None:
    doc = chain(TRIGGER, SCORE, BIG, TAG)
    data = table(3_000)
    src = tmp_path / "in"
    src.mkdir()
    pq.write_table(data.slice(0, 1_000), src / "a.parquet")
    pq.write_table(data.slice(1_000), src / "b.parquet")
    out = tmp_path / "out"
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(input=str(src), output=str(out), block_rows=400, progress=False),
    )
    assert report.status == "success"
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == report.blocks == 3 + 5  # blocks never cross files
    rows = [r for p in parts for r in pq.read_table(p).to_pylist()]
    assert rows == single_run(doc, data, "Tag")
    assert not (out / "_hetumind").exists()


@pytest.mark.parametrize(
    ("doc", "column"),
    [
        (chain(TRIGGER, sort("ascending", "value")), pa.array([1, None, 3] * 400, pa.int64())),
        (chain(TRIGGER, summarize(("sum", "value"))), pa.array([0.1, 0.2, 0.7] * 400)),
    ],
    ids=["sort with nulls", "float sum in item order (--float-sums ordered)"],
)
def test_data_the_algorithm_cannot_take_falls_back_to_gathering(
    doc: dict[str, Any], column: pa.Array, tmp_path: Path
) -> None:
    data = table(1_200).set_column(1, "value", column)
    pq.write_table(data, tmp_path / "in.parquet")
    out = tmp_path / "out.jsonl"
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(
            input=str(tmp_path / "in.parquet"),
            output=str(out),
            block_rows=250,
            float_sums="ordered",
        ),
    )
    assert report.status == "success", report.error
    assert report.plan["mode"] == "gather"
    assert any("fell back" in n for n in report.plan["notes"])
    assert read_jsonl(out) == single_run(doc, data, doc["nodes"][-1]["name"])


def test_sorted_directory_output_is_ordered_parts(tmp_path: Path) -> None:
    doc = chain(TRIGGER, SCORE, sort("descending"))
    data = table(4_000)
    pq.write_table(data, tmp_path / "in.parquet")
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(
            input=str(tmp_path / "in.parquet"), output=str(tmp_path / "out"), block_rows=1_000
        ),
    )
    assert report.status == "success" and report.plan["mode"] == "sort"
    parts = sorted((tmp_path / "out").glob("part-*.parquet"))
    assert len(parts) > 1  # several key ranges, each sorted by a task of its own
    rows = [r for p in parts for r in pq.read_table(p).to_pylist()]
    assert rows == single_run(doc, data, "Order")
    assert not (tmp_path / "out" / "_hetumind_stage").exists()


def test_blocks_with_different_column_types_fall_back(tmp_path: Path) -> None:
    from hetumind.engine import run_workflow
    from hetumind.items import ItemBatch

    doc = chain(TRIGGER, summarize(("sum", "value"), ("count", "id")))
    a = table(600)
    b = table(600, seed=9)
    b = b.set_column(2, "group", pa.array([i % 3 for i in range(600)], pa.int64()))
    src = tmp_path / "in"
    src.mkdir()
    pq.write_table(a, src / "a.parquet")
    pq.write_table(b, src / "b.parquet")
    out = tmp_path / "out.jsonl"
    report = run_batch(
        parse_workflow(doc), BatchOptions(input=str(src), output=str(out), block_rows=250)
    )
    assert report.status == "success", report.error
    assert report.plan["mode"] == "gather"
    assert any("fell back" in n for n in report.plan["notes"])
    whole = ItemBatch.concat([ItemBatch.from_arrow(a), ItemBatch.from_arrow(b)])
    single = run_workflow(parse_workflow(doc), backend="inline", input_batch=whole)
    assert read_jsonl(out) == single.outputs("Stats")[0]
