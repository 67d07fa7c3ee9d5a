"""The end of a batch run: the whole-input part, final files and the dead-letter output.

Runs in one Ray task (not the driver) where it has to hold items: the gathered fallback,
the items after a Limit, the combined Summarize groups and whatever follows them.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from hetumind.batch.block import BlockJob, part_name
from hetumind.batch.io import BatchIOError, Location, read_part, write_table
from hetumind.batch.plan import BatchPlan, downstream
from hetumind.batch.twophase import Ineligible, combine
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.core import ManualTrigger
from hetumind.workflow import Workflow

__all__ = ["concat_parts", "finish_whole", "list_files"]


def list_files(loc: Location, suffix: str) -> list[Location]:
    """Files directly under `loc` ending in `suffix`, sorted (block order)."""
    if not loc.exists():
        return []
    infos = loc.fs.get_file_info(pafs.FileSelector(loc.path, recursive=False))
    names = sorted(i.path.rsplit("/", 1)[-1] for i in infos if i.type == pafs.FileType.File)
    return [loc.child(n) for n in names if n.endswith(suffix) and not n.endswith(".tmp")]


def _parts(job: BlockJob) -> list[Location]:
    return [
        p
        for p in list_files(job.stage, f".{job.part_format}")
        if p.path.rsplit("/", 1)[-1].startswith("part-")
    ]


def _subworkflow(plan: BatchPlan, source: str, port: int) -> Workflow:
    """The nodes after `source`, fed by a trigger of the same name emitting its items."""
    wf = plan.plan.workflow
    keep = set(downstream(plan.plan, source))
    nodes = [n for n in wf.nodes if n.name in keep]
    manual = ManualTrigger.definition
    trigger = {
        "name": source,
        "type": manual.type_names[0],
        "typeVersion": manual.versions[0],
        "parameters": {},
    }
    connections: dict[str, Any] = {}
    for src, kinds in wf.connections.items():
        main = kinds.get("main", [])
        if src == source:
            targets = main[port] if port < len(main) else []
            connections[src] = {"main": [[c.model_dump() for c in targets or []]]}
        elif src in keep:
            connections[src] = {"main": [[c.model_dump() for c in t or []] for t in main]}
    doc = {
        "name": wf.name,
        "id": wf.id,
        "nodes": [trigger, *(n.model_dump(by_alias=True) for n in nodes)],
        "connections": connections,
        "settings": wf.settings,
    }
    return Workflow.model_validate(doc)


def _continue(
    job: BlockJob, source: str, port: int, items: ItemBatch, nodes: dict[str, Any]
) -> ItemBatch:
    """Run what follows `source` over `items`; the output node's output 0."""
    from hetumind.engine import run_workflow

    plan = job.plan
    if source == plan.output_node:
        return items
    if not len(items):
        return ItemBatch.empty()  # n8n: the next node never runs
    sub = _subworkflow(plan, source, port)
    result = run_workflow(
        sub, backend="inline", input_batch=items, execution_id=job.info.execution_id
    )
    for name, runs in result.run_data.items():
        if name == source:
            continue
        for r in runs:
            stat = nodes.setdefault(name, {"in": 0, "out": [], "ms": 0.0})
            stat["out"] = [a + b for a, b in _zip_counts(stat["out"], r.meta.counts)]
            stat["ms"] += r.meta.execution_time_ms
    if not result.ok:
        raise _RunFailed(result.error or {"message": "the workflow failed"})
    last = result.run_data.get(plan.output_node)
    if not last:
        return ItemBatch.empty()
    assert result.backend is not None
    return result.backend.outputs(last[-1].outputs)[0]


def _zip_counts(a: list[int], b: list[int]) -> list[tuple[int, int]]:
    n = max(len(a), len(b))
    return list(zip(a + [0] * (n - len(a)), b + [0] * (n - len(b)), strict=True))


class _RunFailed(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.error = error


def sort_range_rest(
    job: BlockJob,
    runs: list[Location],
    bounds: list[Any],
    r: int,
    target: Location,
    fmt: str,
) -> dict[str, Any]:
    """One key range of a sample sort, then the per-item nodes after the Sort over it."""
    from hetumind.batch.sample_sort import read_range

    assert job.sort is not None and job.plan.whole_node is not None
    table = read_range(runs, bounds, r, job.sort[1])
    nodes: dict[str, Any] = {}
    try:
        items = _continue(job, job.plan.whole_node, 0, ItemBatch.from_arrow(table), nodes)
    except _RunFailed as exc:
        return {"error": exc.error, "nodes": nodes, "rows": 0, "sorted": table.num_rows}
    if len(items):
        write_table(items, target, fmt)
    return {"nodes": nodes, "rows": len(items), "sorted": table.num_rows}


def finish_whole(
    job: BlockJob, limit: int | None, dst: Location, fmt: str, single_file: bool
) -> dict[str, Any]:
    """Combine / gather / cut what the blocks left, run the rest, write the output."""
    plan = job.plan
    nodes: dict[str, Any] = {}
    try:
        if plan.mode == "summarize":
            assert job.summarize is not None and plan.whole_node is not None
            partials = [
                read_part(p, "parquet")
                for p in list_files(job.stage.child("_hetumind/partials"), ".parquet")
            ]
            items = combine(partials, job.summarize)
            nodes[plan.whole_node] = {"in": None, "out": [len(items)], "ms": 0.0}
            items = _continue(job, plan.whole_node, 0, items, nodes)
        elif plan.mode == "limit":
            assert plan.whole_node is not None and limit is not None
            held: list[ItemBatch] = []
            count = 0
            for p in _parts(job):
                if count >= limit:
                    break
                part = ItemBatch.from_arrow(read_part(p, job.part_format))
                held.append(part.slice(0, limit - count))
                count += len(held[-1])
            items = ItemBatch.concat(held)
            nodes[plan.whole_node] = {"in": None, "out": [len(items)], "ms": 0.0}
            items = _continue(job, plan.whole_node, 0, items, nodes)
        else:
            gathered = ItemBatch.concat(
                [ItemBatch.from_arrow(read_part(p, job.part_format)) for p in _parts(job)]
            )
            source = plan.steps[-1].name if plan.steps else plan.trigger
            port = plan.steps[-1].port if plan.steps else 0
            if plan.steps:
                items = _continue(job, source, port, gathered, nodes)
            else:
                items = _whole(job, gathered, nodes)
    except _RunFailed as exc:
        return {"error": exc.error, "nodes": nodes, "rowsOut": 0}
    except Ineligible as exc:
        return {"ineligible": str(exc), "nodes": nodes, "rowsOut": 0}
    target = dst if single_file else dst.child(part_name(0, fmt))
    if len(items) or single_file:
        write_table(items, target, fmt)
    return {"nodes": nodes, "rowsOut": len(items)}


def _whole(job: BlockJob, rows: ItemBatch, nodes: dict[str, Any]) -> ItemBatch:
    """No per-block prefix at all: the whole workflow once over every row."""
    from hetumind.engine import run_workflow

    plan = job.plan
    result = run_workflow(
        plan.plan.workflow, backend="inline", input_batch=rows, execution_id=job.info.execution_id
    )
    for name, runs in result.run_data.items():
        for r in runs:
            nodes[name] = {"in": None, "out": list(r.meta.counts), "ms": r.meta.execution_time_ms}
    if not result.ok:
        raise _RunFailed(result.error or {"message": "the workflow failed"})
    last = result.run_data.get(plan.output_node)
    if not last:
        return ItemBatch.empty()
    assert result.backend is not None
    return result.backend.outputs(last[-1].outputs)[0]


def concat_parts(parts: list[Location], fmt: str, dst: Location) -> None:
    """Parts in block order into one file, one part in memory at a time."""
    tmp = dst.path + ".tmp" if isinstance(dst.fs, pafs.LocalFileSystem) else dst.path
    parent = dst.path.rsplit("/", 1)[0]
    dst.fs.create_dir(parent, recursive=True)
    with dst.fs.open_output_stream(tmp) as out:
        if fmt == "jsonl":
            for p in parts:
                with p.fs.open_input_stream(p.path) as fh:
                    out.write(fh.read())
        else:
            writer: Any = None
            for p in parts:
                table = read_part(p, fmt)
                if writer is None:
                    schema = table.schema
                    writer = (
                        pq.ParquetWriter(out, schema)
                        if fmt == "parquet"
                        else pcsv.CSVWriter(out, schema)
                    )
                elif not table.schema.equals(schema):
                    try:
                        table = table.select(schema.names).cast(schema)
                    except (pa.ArrowInvalid, KeyError, ValueError) as exc:
                        raise BatchIOError(
                            f"{dst.uri}: blocks produced different columns ({exc}); "
                            "write to a directory instead"
                        ) from None
                writer.write_table(table)
            if writer is not None:
                writer.close()
    if tmp != dst.path:
        dst.fs.move(tmp, dst.path)
