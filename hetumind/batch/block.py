"""One block's task: read it, run the per-item prefix fused, write what the mode needs.

The block's stats file is written last: its presence is what `--resume` trusts.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from hetumind.batch.io import Location, SourceBlock, read_table, write_table
from hetumind.batch.plan import BatchPlan
from hetumind.batch.sample_sort import sort_run
from hetumind.batch.twophase import Ineligible, SummarizeSpec, partial
from hetumind.engine.context import ExecutionInfo
from hetumind.engine.node_run import NodeRunSpec, execute_node_run
from hetumind.items import ItemBatch

__all__ = ["BlockJob", "run_block"]


@dataclass(frozen=True)
class BlockJob:
    """What every block task shares (put in the object store once)."""

    plan: BatchPlan
    info: ExecutionInfo
    stage: Location
    """Where parts, dead letters and stats go (the output dir itself when streaming to one)."""
    part_format: str
    summarize: SummarizeSpec | None = None
    specs: dict[str, NodeRunSpec] = field(default_factory=dict)
    sort: tuple[str, bool] | None = None
    """(field, descending) of a Sort run as a sample sort (sample_sort.py)."""
    columns: frozenset[str] | None = None
    """The only input columns the run reads (plan.needed_columns), or None for all."""


def make_specs(plan: BatchPlan, info: ExecutionInfo) -> dict[str, NodeRunSpec]:
    # A block reads one output of each step (plus its error output, for dead letters):
    # nodes may skip computing the others.
    needed: dict[str, set[int]] = {plan.trigger: {0}}
    for step in plan.steps:
        needed[step.name] = {step.port}
        if step.error_port is not None:
            needed[step.name].add(step.error_port)
    specs = {}
    for name in (plan.trigger, *plan.prefix):
        p = plan.plan.nodes[name]
        specs[name] = NodeRunSpec(
            node=p.node,
            outputs=p.outputs,
            run_index=0,
            info=info,
            tracked=plan.plan.tracked,
            trigger=p.definition.trigger,
            references=p.references,
            keep_outputs=False,
            needed_outputs=frozenset(needed.get(name, {0})),
        )
    return specs


def part_name(index: int, fmt: str) -> str:
    return f"part-{index:06d}.{fmt}"


def run_block(job: BlockJob, index: int, source: SourceBlock | pa.Table) -> dict[str, Any]:
    """Run one block; returns its stats (also written to the stage for resume)."""
    # Ray only when it runs the block: importing it costs an inline run more than it does.
    ray = sys.modules.get("ray")
    t0 = time.perf_counter()
    if isinstance(source, SourceBlock):
        table = read_table(source, job.columns)
    elif job.columns is not None:
        table = source.select([n for n in source.column_names if n in job.columns])
    else:
        table = source
    stats: dict[str, Any] = {
        "block": index,
        "rowsIn": table.num_rows,
        "nodes": {},
        "errors": 0,
        "rowsOut": 0,
        "nodeId": (
            ray.get_runtime_context().get_node_id()
            if ray is not None and ray.is_initialized()
            else None
        ),
    }
    current = ItemBatch.from_arrow(table)
    dead: list[dict[str, Any]] = []
    plan = job.plan
    chain = [(plan.trigger, 0, None), *((s.name, s.port, s.error_port) for s in plan.steps)]
    for name, port, error_port in chain:
        if not len(current):
            break
        meta, outs, _ = execute_node_run(job.specs[name], [current], None, {})
        stats["nodes"][name] = {
            "in": len(current),
            "out": meta.counts,
            "ms": meta.execution_time_ms,
        }
        if meta.stop:
            error = dict(meta.error or {})
            stats["error"] = {
                "message": error.get("message", "node failed"),
                "node": name,
                "itemIndex": error.get("itemIndex"),
                "block": index,
            }
            break
        if error_port is not None and len(outs[error_port]):
            for row in outs[error_port].to_json():
                dead.append({"node": name, "block": index, "error": row.get("error"), "item": row})
        current = outs[port] if port < len(outs) else ItemBatch.empty()
    else:
        _finish(job, index, current, stats)
    if dead:
        stats["errors"] = len(dead)
        with job.stage.fs.open_output_stream(
            job.stage.child(f"_hetumind/dead/{index:06d}.jsonl").path
        ) as out:
            out.write("".join(json.dumps(d, default=str) + "\n" for d in dead).encode())
    stats["ms"] = round((time.perf_counter() - t0) * 1000, 3)
    if "error" not in stats:
        marker = job.stage.child(f"_hetumind/blocks/{index:06d}.json")
        with job.stage.fs.open_output_stream(marker.path) as out:
            out.write(json.dumps(stats).encode())
    return stats


def _finish(job: BlockJob, index: int, items: ItemBatch, stats: dict[str, Any]) -> None:
    if not len(items):
        return
    if job.sort is not None:
        run = job.stage.child(f"_hetumind/runs/{index:06d}.parquet")
        try:
            stats.update(sort_run(items, job.sort[0], job.sort[1], run))
        except Ineligible as exc:
            stats["ineligible"] = str(exc)
            return
        stats["rowsOut"] = len(items)
        return
    if job.summarize is not None:
        try:
            table = partial(items, job.summarize, index)
        except Ineligible as exc:
            stats["ineligible"] = str(exc)
            return
        write_table(
            ItemBatch.from_arrow(table),
            job.stage.child(f"_hetumind/partials/{index:06d}.parquet"),
            "parquet",
        )
        stats["rowsOut"] = len(items)
        return
    write_table(items, job.stage.child(part_name(index, job.part_format)), job.part_format)
    stats["rowsOut"] = len(items)
