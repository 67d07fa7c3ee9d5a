"""The driver of a batch run: submits block tasks with backpressure, then finishes.

At most ``2 x parallelism`` blocks are in flight, so memory stays flat however large the
input grows; the driver holds stats, never rows (CSV / JSON Lines blocks pass through it
once, on their way into the object store).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pyarrow.fs as pafs

from hetumind.batch.block import BlockJob, make_specs, part_name, run_block
from hetumind.batch.executor import Executor, TaskFailed, choose_executor
from hetumind.batch.finish import concat_parts, finish_whole, list_files, sort_range_rest
from hetumind.batch.io import BatchIOError, Location, Source, format_of, locate, write_table
from hetumind.batch.plan import BatchPlan, needed_columns, plan_batch
from hetumind.batch.progress import Progress
from hetumind.batch.report import BatchReport
from hetumind.batch.sample_sort import range_bounds, sort_range
from hetumind.batch.twophase import SummarizeSpec
from hetumind.engine.context import ExecutionInfo
from hetumind.engine.durability import WORKER_RETRIES
from hetumind.items import ItemBatch
from hetumind.workflow import Workflow

__all__ = ["BatchOptions", "BatchReport", "run_batch"]

# SPREAD: blocks go to every node of a cluster, not only to the one holding the driver.
# Every node a block runs is per-item and pure (plan.py), so a block whose worker died is
# re-run with the engine's budget (HETUMIND_WORKER_RETRIES), like any pure segment.
_BLOCK_OPTIONS: dict[str, Any] = {
    "num_cpus": 1,
    "max_retries": WORKER_RETRIES,
    "scheduling_strategy": "SPREAD",
}


def __getattr__(name: str) -> Any:
    """`_run_block`, the block task on Ray, made on first use (PEP 562): importing Ray
    costs an inline run more than the run itself. Assigning `runner._run_block` replaces
    the task (the chaos tests trace attempts that way)."""
    if name == "_run_block":
        import ray

        task = ray.remote(**_BLOCK_OPTIONS)(run_block)
        globals()["_run_block"] = task
        return task
    raise AttributeError(name)


def _block_task() -> Any:
    return globals().get("_run_block") or __getattr__("_run_block")


@dataclass
class BatchOptions:
    """What `hetumind batch` takes on the command line."""

    input: str
    output: str
    input_format: str | None = None
    output_format: str | None = None
    address: str | None = None
    parallelism: int | None = None
    block_rows: int = 250_000
    resume: bool = False
    output_node: str | None = None
    dead_letter: str | None = None
    s3_endpoint: str | None = None
    progress: bool | None = None
    """None: a bar on a terminal, log lines otherwise."""
    executor: str = "auto"
    """auto | inline | ray: see executor.py (small inputs run inline unless a Ray runs)."""
    float_sums: str = "exact"
    """exact: float sums two-phase, exactly rounded; ordered: gathered, added in item order
    as one run does (bit-identical to it)."""


def run_batch(workflow: Workflow, options: BatchOptions) -> BatchReport:
    """Run `workflow` over every row of `options.input`; see docs/batch.md.

    Raises HetumindError subclasses for bad input (nothing is written then); failures at
    run time are in the report's status and error.
    """
    if options.block_rows < 1:
        raise BatchIOError("--block-rows must be at least 1")
    if options.executor not in ("auto", "inline", "ray"):
        raise BatchIOError(f"--executor: {options.executor!r}; choose auto, inline or ray")
    if options.float_sums not in ("exact", "ordered"):
        raise BatchIOError(f"--float-sums: {options.float_sums!r}; choose exact or ordered")
    bplan = plan_batch(workflow, options.output_node)
    return _run(workflow, bplan, options, None)


def _run(
    workflow: Workflow, bplan: BatchPlan, options: BatchOptions, executor: Executor | None
) -> BatchReport:
    t0 = time.perf_counter()
    source = Source(
        options.input,
        fmt=options.input_format,
        block_rows=options.block_rows,
        s3_endpoint=options.s3_endpoint,
    )
    dst = locate(options.output, options.s3_endpoint)
    single = format_of(dst.path) is not None and not dst.is_dir()
    fmt = format_of(dst.path, options.output_format) if single else options.output_format
    fmt = fmt or "parquet"
    if fmt not in ("parquet", "csv", "jsonl"):
        raise BatchIOError(f"--output-format: {fmt!r}; choose parquet, csv or jsonl")
    stage = _stage(dst, single, bplan.mode)
    part_format = fmt if bplan.mode == "stream" else "parquet"
    manifest = {
        "workflow": hashlib.sha256(workflow.model_dump_json().encode()).hexdigest(),
        "input": options.input,
        "blockRows": options.block_rows,
        "mode": bplan.mode,
        "format": part_format,
    }
    done = _prepare_stage(stage, manifest, options.resume, streaming_dir=stage is dst)
    if executor is None:
        executor = choose_executor(
            options.address, source.total_rows(), options.executor, options.parallelism
        )
    info = ExecutionInfo(
        execution_id=uuid.uuid4().hex[:16],
        workflow_id=workflow.id,
        workflow_name=workflow.name,
        now=datetime.now().astimezone(),
        env=ExecutionInfo.environment(),
    )
    spec = None
    if bplan.mode == "summarize":
        assert bplan.whole_node is not None
        sort = bplan.plan.nodes[bplan.sort_node].node.parameters if bplan.sort_node else None
        spec = SummarizeSpec.from_parameters(
            bplan.plan.nodes[bplan.whole_node].node.parameters,
            sort,
            exact_floats=options.float_sums == "exact",
        )
    sort_field = None
    if bplan.mode == "sort":
        assert bplan.whole_node is not None
        params = bplan.plan.nodes[bplan.whole_node].node.parameters
        first = params["sortFieldsUi"]["sortField"][0]
        sort_field = (str(first["fieldName"]), first.get("order") == "descending")
    columns = needed_columns(bplan)
    job = BlockJob(
        bplan, info, stage, part_format, spec, make_specs(bplan, info), sort_field, columns
    )
    report = BatchReport(plan=bplan.describe())
    if columns is not None:
        report.plan["columnsRead"] = sorted(columns)
    report.executor = executor.how
    limit = None
    if bplan.mode == "limit":
        assert bplan.whole_node is not None
        limit = int(bplan.plan.nodes[bplan.whole_node].node.parameters.get("maxItems", 1))
    parallelism = options.parallelism or executor.cpus()
    progress = Progress(source.total_rows(), options.progress)
    try:
        failure = _stream_blocks(executor, source, job, done, parallelism, limit, report, progress)
    finally:
        progress.close()
    if failure is None and bplan.mode == "sort" and len(report.sort_types) > 1:
        failure = "ineligible"
        report.error = {"message": f"sort field types differ: {sorted(report.sort_types)}"}
    if failure is None and bplan.mode == "sort":
        _finish_sort(executor, job, dst, fmt, single, parallelism, options.block_rows, report)
    elif failure is None and not _finish_run(executor, job, dst, fmt, single, limit, report):
        failure = "ineligible"
    if failure == "ineligible":
        # The data did not fit the distributed algorithm: gather instead (correct, slower).
        what = "sample sort" if bplan.mode == "sort" else "two-phase summarize"
        gather = replace(
            bplan,
            mode="gather",
            sort_node=None,
            whole_node=bplan.sort_node or bplan.whole_node,
            notes=(*bplan.notes, f"{what} fell back: {(report.error or {}).get('message')}"),
        )
        return _run(workflow, gather, replace(options, resume=False), executor)
    if report.status == "running":
        report.status = "success"
        _dead_letters(stage, dst, single, options, report)
        _cleanup(stage, dst)
    report.seconds = time.perf_counter() - t0
    return report


def _stage(dst: Location, single: bool, mode: str) -> Location:
    if single:
        return Location(dst.fs, dst.path + ".hetumind-stage", dst.uri + ".hetumind-stage")
    if mode == "stream":
        return dst
    return dst.child("_hetumind_stage")


def _prepare_stage(
    stage: Location, manifest: dict[str, Any], resume: bool, streaming_dir: bool
) -> set[int]:
    marker_dir = stage.child("_hetumind")
    manifest_loc = marker_dir.child("manifest.json")
    if resume and manifest_loc.exists():
        with stage.fs.open_input_stream(manifest_loc.path) as fh:
            previous = json.loads(fh.read())
        if previous != manifest:
            raise BatchIOError(
                f"--resume: {stage.uri} was written by a different workflow, input, "
                "block size or output format; start over without --resume"
            )
        return {
            int(p.path.rsplit("/", 1)[-1][:6])
            for p in list_files(marker_dir.child("blocks"), ".json")
        }
    if stage.exists():
        if streaming_dir:
            infos = stage.fs.get_file_info(pafs.FileSelector(stage.path, recursive=False))
            if infos:
                raise BatchIOError(
                    f"--output: {stage.uri} is not empty; pass --resume to finish an earlier "
                    "run into it, or choose an empty directory"
                )
        else:
            stage.fs.delete_dir(stage.path)
    for sub in ("blocks", "dead", "partials"):
        stage.fs.create_dir(marker_dir.child(sub).path, recursive=True)
    with stage.fs.open_output_stream(manifest_loc.path) as out:
        out.write(json.dumps(manifest).encode())
    return set()


def _stream_blocks(
    executor: Executor,
    source: Source,
    job: BlockJob,
    done: set[int],
    parallelism: int,
    limit: int | None,
    report: BatchReport,
    progress: Progress,
) -> str | None:
    """Submit every block not yet done; returns None, 'error' or 'ineligible'."""
    job_ref = executor.put(job)
    blocks: Any = (
        ((b.index, b) for b in source.parquet_blocks())
        if source.format == "parquet"
        else source.streamed_blocks()
    )
    in_flight: dict[Any, int] = {}
    rows_out: dict[int, int] = {}
    failure: str | None = None
    exhausted = False
    for index in sorted(done):
        stats = _read_stats(job.stage, index)
        rows_out[index] = int(stats.get("rowsOut", 0))
        report.add_block(stats)
        report.blocks_skipped += 1
        progress.advance(int(stats.get("rowsIn", 0)))
    while True:
        while not exhausted and failure is None and len(in_flight) < 2 * parallelism:
            if limit is not None and _enough_read(rows_out, limit):
                exhausted = True
                break
            nxt = next(blocks, None)
            if nxt is None:
                exhausted = True
                break
            index, block = nxt
            if index in done:
                continue
            if executor.kind == "ray":
                handle = _block_task().remote(job_ref, index, block)
            else:
                handle = executor.submit(run_block, job_ref, index, block)
            in_flight[handle] = index
        if not in_flight:
            break
        for ref in [executor.wait_one(list(in_flight))]:
            index = in_flight.pop(ref)
            try:
                stats = executor.get(ref)
            except TaskFailed as exc:
                # Reading or writing failed (a bug in a node is caught inside the task).
                stats = {"error": {"message": str(exc), "node": None, "block": index}}
            if "error" in stats:
                report.status, report.error, failure = "error", stats["error"], "error"
            elif "ineligible" in stats:
                report.error, failure = {"message": stats["ineligible"]}, "ineligible"
            rows_out[index] = int(stats.get("rowsOut", 0))
            report.add_block(stats)
            progress.advance(int(stats.get("rowsIn", 0)))
        if failure is not None or (limit is not None and _limit_reached(rows_out, limit)):
            for ref in in_flight:
                executor.cancel(ref)
            if failure is not None:
                return failure
            exhausted = True
            in_flight.clear()
    return None


def _enough_read(rows_out: dict[int, int], limit: int) -> bool:
    """Whether the blocks finished so far, whatever their order, hold `limit` items: then
    no block after them can be among the first `limit` (blocks are submitted in order), so
    none is read any more; the ones still running before them are waited for."""
    return sum(rows_out.values()) >= limit


def _limit_reached(rows_out: dict[int, int], limit: int) -> bool:
    """Whether the blocks finished so far, in order from the first, hold `limit` items."""
    total, index = 0, 0
    while index in rows_out:
        total += rows_out[index]
        if total >= limit:
            return True
        index += 1
    return False


def _read_stats(stage: Location, index: int) -> dict[str, Any]:
    loc = stage.child(f"_hetumind/blocks/{index:06d}.json")
    with stage.fs.open_input_stream(loc.path) as fh:
        stats: dict[str, Any] = json.loads(fh.read())
    return stats


def _finish_run(
    executor: Executor,
    job: BlockJob,
    dst: Location,
    fmt: str,
    single: bool,
    limit: int | None,
    report: BatchReport,
) -> bool:
    """False when the partials turned out unfit for the two-phase combine."""
    plan = job.plan
    if plan.mode == "stream":
        report.rows_out = _count_out(report, plan)
        if single:
            parts = [
                p
                for p in list_files(job.stage, f".{fmt}")
                if p.path.rsplit("/", 1)[-1].startswith("part-")
            ]
            if parts:
                concat_parts(parts, fmt, dst)
            else:
                write_table(ItemBatch.empty(), dst, fmt)
        return True
    result = executor.get(executor.submit(finish_whole, job, limit, dst, fmt, single, num_cpus=1))
    if "ineligible" in result:
        report.error = {"message": result["ineligible"]}
        return False
    for name, stat in result["nodes"].items():
        mine = report.nodes.setdefault(name, {"rowsIn": None, "rowsOut": [], "ms": 0.0})
        mine["rowsOut"] = stat["out"]
        mine["ms"] = round(float(mine["ms"] or 0) + stat["ms"], 3)
        mine["gathered"] = True
    report.rows_out = int(result["rowsOut"])
    if "error" in result:
        report.status, report.error = "error", result["error"]
    return True


def _finish_sort(
    executor: Executor,
    job: BlockJob,
    dst: Location,
    fmt: str,
    single: bool,
    parallelism: int,
    block_rows: int,
    report: BatchReport,
) -> None:
    """Phase two of the sample sort: one task per key range, parts in range order."""
    assert job.sort is not None and job.plan.whole_node is not None
    total = _count_out(report, job.plan)
    ranges = max(parallelism, -(-total // block_rows))
    bounds = range_bounds(report.sort_samples, ranges)
    runs = list_files(job.stage.child("_hetumind/runs"), ".parquet")
    targets = [
        job.stage.child(f"sorted/{part_name(r, fmt)}") if single else dst.child(part_name(r, fmt))
        for r in range(len(bounds) + 1)
    ]
    t0 = time.perf_counter()
    rest = job.plan.output_node != job.plan.whole_node
    if rest:
        job_ref = executor.put(job)
        refs = [
            executor.submit(sort_range_rest, job_ref, runs, bounds, r, target, fmt, num_cpus=1)
            for r, target in enumerate(targets)
        ]
        results = executor.get_all(refs)
        counts = [int(res["rows"]) for res in results]
        for res in results:
            for name, stat in res["nodes"].items():
                mine = report.nodes.setdefault(name, {"rowsIn": None, "rowsOut": [], "ms": 0.0})
                mine["rowsOut"] = [a + b for a, b in _zip_longest(mine["rowsOut"], stat["out"])]
                mine["ms"] = round(float(mine["ms"] or 0) + stat["ms"], 3)
            if "error" in res and report.status == "running":
                report.status, report.error = "error", res["error"]
    else:
        refs = [
            executor.submit(sort_range, runs, bounds, r, job.sort[1], target, fmt, num_cpus=1)
            for r, target in enumerate(targets)
        ]
        counts = executor.get_all(refs)
    written = [t for t, c in zip(targets, counts, strict=True) if c]
    if single:
        if written:
            concat_parts(written, fmt, dst)
        else:
            write_table(ItemBatch.empty(), dst, fmt)
    report.rows_out = int(sum(counts))
    report.nodes[job.plan.whole_node] = {
        "rowsIn": total,
        "rowsOut": [total],
        "ms": round((time.perf_counter() - t0) * 1000, 3),
        "ranges": len(targets),
    }


def _zip_longest(a: list[int], b: list[int]) -> list[tuple[int, int]]:
    n = max(len(a), len(b))
    return [(a[i] if i < len(a) else 0, b[i] if i < len(b) else 0) for i in range(n)]


def _count_out(report: BatchReport, plan: BatchPlan) -> int:
    last = plan.steps[-1] if plan.steps else None
    name = last.name if last else plan.trigger
    port = last.port if last else 0
    outs = report.nodes.get(name, {}).get("rowsOut", [])
    return int(outs[port]) if port < len(outs) else 0


def _dead_letters(
    stage: Location, dst: Location, single: bool, options: BatchOptions, report: BatchReport
) -> None:
    parts = list_files(stage.child("_hetumind/dead"), ".jsonl")
    if not parts:
        return
    if options.dead_letter:
        target = locate(options.dead_letter, options.s3_endpoint)
    elif single:
        target = Location(dst.fs, dst.path + ".dead-letter.jsonl", dst.uri + ".dead-letter.jsonl")
    else:
        target = dst.child("_dead_letter.jsonl")
    concat_parts(parts, "jsonl", target)
    report.dead_letter_output = target.uri


def _cleanup(stage: Location, dst: Location) -> None:
    if stage is dst or stage.path == dst.path:
        stage.fs.delete_dir(stage.child("_hetumind").path)
    elif stage.exists():
        stage.fs.delete_dir(stage.path)
