"""Dead letters, resume, CSV / JSON Lines, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from hetumind.batch import BatchOptions, run_batch
from hetumind.batch.io import BatchIOError
from hetumind.batch.plan import BatchPlanError
from hetumind.engine import run_workflow
from hetumind.items import ItemBatch
from hetumind.workflow import parse_workflow
from tests.batch.helpers import assign, chain, node, read_jsonl, single_run, table
from tests.batch.test_equality import BIG, SCORE, TAG, TRIGGER

pytestmark = pytest.mark.usefixtures("ray_session")


def _opts(src: Path, out: Path, **kw: object) -> BatchOptions:
    return BatchOptions(input=str(src), output=str(out), progress=False, **kw)  # type: ignore[arg-type]


def test_failed_rows_go_to_dead_letter_with_reason(tmp_path: Path) -> None:
    risky = node(
        "Risky",
        "set",
        3.4,
        _extra={"onError": "continueErrorOutput"},
        **assign("half", "={{ $json.value > 900 ? $json.nothing.deeper : $json.value / 2 }}"),
    )
    doc = chain(TRIGGER, risky, TAG)
    data = table(2_000)
    src = tmp_path / "in.parquet"
    pq.write_table(data, src)
    out = tmp_path / "out.jsonl"
    report = run_batch(parse_workflow(doc), _opts(src, out, block_rows=300))
    assert report.status == "success", report.error
    assert read_jsonl(out) == single_run(doc, data, "Tag")
    single = run_workflow(
        parse_workflow(doc), backend="inline", input_batch=ItemBatch.from_arrow(data)
    )
    failed = single.outputs("Risky")[1]
    assert failed and report.dead_letters == len(failed)
    dead = read_jsonl(Path(str(out) + ".dead-letter.jsonl"))
    # Reasons name the item's index within its block: blocks run without knowing how many
    # items earlier blocks sent to this node (docs/batch.md).
    assert [_no_index(d["item"]) for d in dead] == [_no_index(f) for f in failed]
    assert all(d["node"] == "Risky" and d["error"] for d in dead)


def _no_index(item: dict[str, object]) -> dict[str, object]:
    import re

    return {k: re.sub(r"item \d+", "item N", v) if k == "error" else v for k, v in item.items()}  # type: ignore[call-overload]


def test_resume_skips_written_blocks(tmp_path: Path) -> None:
    doc = chain(TRIGGER, SCORE, BIG, TAG)
    data = table(3_000)
    src = tmp_path / "in.parquet"
    pq.write_table(data, src)
    out = tmp_path / "out"
    first = run_batch(parse_workflow(doc), _opts(src, out, block_rows=500))
    assert first.status == "success" and first.blocks == 6
    with pytest.raises(BatchIOError, match="not empty"):
        run_batch(parse_workflow(doc), _opts(src, out, block_rows=500))
    # An interrupted run: markers for blocks 0-3 exist, block 4 and 5 were never written.
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*")}
    (out / "part-000004.parquet").unlink()
    (out / "part-000005.parquet").unlink()
    marker_dir = out / "_hetumind" / "blocks"
    marker_dir.mkdir(parents=True)
    for i in range(4):
        (marker_dir / f"{i:06d}.json").write_text(json.dumps({"block": i, "rowsIn": 500}))
    (out / "_hetumind" / "manifest.json").write_text(
        json.dumps(
            {"workflow": _wf_hash(doc), "input": str(src), "blockRows": 500}
            | {"mode": "stream", "format": "parquet"}
        )
    )
    resumed = run_batch(parse_workflow(doc), _opts(src, out, block_rows=500, resume=True))
    assert resumed.status == "success", resumed.error
    assert resumed.blocks_skipped == 4 and resumed.blocks == 6
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*")}
    assert all(after[n] == before[n] for n in sorted(before)[:4])
    rows = [r for p in sorted(out.glob("part-*")) for r in pq.read_table(p).to_pylist()]
    assert rows == single_run(doc, data, "Tag")


def _wf_hash(doc: dict[str, object]) -> str:
    import hashlib

    return hashlib.sha256(parse_workflow(doc).model_dump_json().encode()).hexdigest()


def test_resume_refuses_another_workflow(tmp_path: Path) -> None:
    data = table(1_000)
    src = tmp_path / "in.parquet"
    pq.write_table(data, src)
    out = tmp_path / "out"
    run_batch(parse_workflow(chain(TRIGGER, TAG)), _opts(src, out, block_rows=500))
    (out / "_hetumind" / "blocks").mkdir(parents=True)
    (out / "_hetumind" / "manifest.json").write_text("{}")
    with pytest.raises(BatchIOError, match="different workflow"):
        run_batch(parse_workflow(chain(TRIGGER, SCORE)), _opts(src, out, resume=True))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_and_json_lines_in_and_out(fmt: str, tmp_path: Path) -> None:
    doc = chain(TRIGGER, SCORE, BIG, TAG)
    data = table(1_500)
    src = tmp_path / f"in.{fmt}"
    if fmt == "csv":
        pcsv.write_csv(data, src)
    else:
        src.write_text("".join(json.dumps(r) + "\n" for r in data.to_pylist()))
    out = tmp_path / f"out.{fmt}"
    report = run_batch(parse_workflow(doc), _opts(src, out, block_rows=400))
    assert report.status == "success", report.error
    expected = single_run(doc, data, "Tag")
    got = pcsv.read_csv(out).to_pylist() if fmt == "csv" else read_jsonl(out)
    assert got == expected


def test_bad_input_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    doc = parse_workflow(chain(TRIGGER, TAG))
    out = tmp_path / "out.parquet"
    with pytest.raises(BatchIOError, match="does not exist"):
        run_batch(doc, _opts(tmp_path / "missing.parquet", out))
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(BatchIOError, match="unknown format"):
        run_batch(doc, _opts(tmp_path / "x.txt", out))
    branching = chain(TRIGGER, TAG)
    branching["nodes"].append(node("Other", "noOp"))
    branching["connections"]["Start"]["main"][0].append({"node": "Other", "index": 0})
    with pytest.raises(BatchPlanError, match="--output-node"):
        run_batch(parse_workflow(branching), _opts(tmp_path / "x.txt", out))
    assert not out.exists()


def test_a_failing_node_fails_the_run_with_node_and_block(tmp_path: Path) -> None:
    stop = node("Halt", "stopAndError", 1, errorMessage="bad row")
    doc = chain(TRIGGER, SCORE, node("Odd", "filter", 2.2, **_gt("id", 2_500)), stop)
    data = table(3_000)
    src = tmp_path / "in.parquet"
    pq.write_table(data, src)
    report = run_batch(parse_workflow(doc), _opts(src, tmp_path / "o.parquet", block_rows=500))
    assert report.status == "error"
    assert report.error is not None
    assert report.error["node"] == "Halt" and report.error["message"] == "bad row"
    assert report.error["block"] == 5


def _gt(field: str, value: int) -> dict[str, object]:
    from tests.engine.workflows import condition

    return condition(f"={{{{ $json.{field} }}}}", "gt", value)
