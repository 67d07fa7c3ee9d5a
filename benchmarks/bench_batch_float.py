"""The float workflow and data of bench_batch, and the per-block kernel measurement.

`kernels()` times one block's fused segment and partial aggregation in each candidate
engine (Arrow compute, Acero, DuckDB, Polars) and in hetumind's block task, which is how
the batch kernel was chosen (docs/batch.md, "The per-block kernel").

    python -m benchmarks.bench_batch --kernels FILE.parquet [REPEAT]
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

BLOCK_ROWS = 500_000
CATS = [f"c{i}" for i in range(10)]


def _node(name: str, type_: str, version: float, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "type": f"n8n-nodes-base.{type_}",
        "typeVersion": version,
        "parameters": params,
    }


def _assign(name: str, value: str) -> dict[str, Any]:
    return {
        "assignments": {
            "assignments": [{"id": name, "name": name, "value": value, "type": "number"}]
        },
        "includeOtherFields": True,
        "options": {},
    }


def float_workflow() -> dict[str, Any]:
    nodes = [
        _node("Start", "manualTrigger", 1, {}),
        _node("Total", "set", 3.4, _assign("total", "={{ $json.price * $json.qty }}")),
        _node(
            "Big",
            "if",
            2.2,
            {
                "conditions": {
                    "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict"},
                    "conditions": [
                        {
                            "id": "c",
                            "leftValue": "={{ $json.total }}",
                            "rightValue": 100,
                            "operator": {"type": "number", "operation": "gt"},
                        }
                    ],
                    "combinator": "and",
                },
                "options": {},
            },
        ),
        _node("Tax", "set", 3.4, _assign("tax", "={{ $json.total * 0.2 }}")),
        _node(
            "Order",
            "sort",
            1,
            {
                "sortFieldsUi": {"sortField": [{"fieldName": "total", "order": "descending"}]},
                "options": {},
            },
        ),
        _node(
            "Stats",
            "summarize",
            1.1,
            {
                "fieldsToSummarize": {
                    "values": [
                        {"aggregation": "count", "field": "id"},
                        {"aggregation": "sum", "field": "tax"},
                    ]
                },
                "fieldsToSplitBy": "cat",
                "options": {},
            },
        ),
    ]
    names = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(names)
    }
    return {"name": "float transform", "nodes": nodes, "connections": connections}


def make_float_dataset(path: Path, rows: int, seed: int = 11) -> None:
    """Prices with cents, quantities 1-20, ten categories (numpy: Python loops take minutes)."""
    rng = np.random.default_rng(seed)
    chunk = 1_000_000
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        t = pa.table(
            {
                "id": pa.array(np.arange(start, start + n, dtype=np.int64)),
                "price": pa.array(np.round(rng.uniform(0.5, 100.0, n), 2)),
                "qty": pa.array(rng.integers(1, 21, n, dtype=np.int64)),
                "cat": pa.array(np.array(CATS)[rng.integers(0, len(CATS), n)]),
            }
        )
        writer = writer or pq.ParquetWriter(path, t.schema)
        writer.write_table(t, row_group_size=250_000)
    assert writer is not None
    writer.close()


# --- the variants, each run in a child process by `_child` -----------------------------


def kernels(src: str, rows: int = BLOCK_ROWS, repeat: int = 5) -> dict[str, float]:
    """Milliseconds per block (best of `repeat`, 1 thread) for the fused segment and the
    partial aggregation after it, in each candidate engine, from the block's Arrow table.

    The engines compute a plain float sum and the largest total per group (the group's
    first item after the Sort); hetumind's row is the real block task's work: the nodes
    run by the engine (expressions compiled to Arrow compute) and the exact partial.
    """
    import duckdb
    import polars as pl
    import pyarrow.compute as pc
    from pyarrow import acero

    pa.set_cpu_count(1)
    block = pq.read_table(src).slice(0, rows)

    def arrow() -> Any:
        t = block.append_column(
            "total", pc.multiply(block["price"], pc.cast(block["qty"], pa.float64()))
        )
        t = t.filter(pc.greater(t["total"], 100))
        t = t.append_column("tax", pc.multiply(t["total"], 0.2))
        return t.group_by("cat", use_threads=False).aggregate(
            [("id", "count"), ("tax", "sum"), ("total", "max")]
        )

    def acero_plan() -> Any:
        f = pc.field
        total = pc.multiply(f("price"), f("qty").cast(pa.float64()))
        decl = acero.Declaration.from_sequence(
            [
                acero.Declaration("table_source", acero.TableSourceNodeOptions(block)),
                acero.Declaration(
                    "project",
                    acero.ProjectNodeOptions([f("id"), f("cat"), total], ["id", "cat", "total"]),
                ),
                acero.Declaration("filter", acero.FilterNodeOptions(f("total") > 100)),
                acero.Declaration(
                    "project",
                    acero.ProjectNodeOptions(
                        [f("id"), f("cat"), f("total"), pc.multiply(f("total"), 0.2)],
                        ["id", "cat", "total", "tax"],
                    ),
                ),
                acero.Declaration(
                    "aggregate",
                    acero.AggregateNodeOptions(
                        [
                            ("id", "hash_count", None, "count_id"),
                            ("tax", "hash_sum", None, "sum_tax"),
                            ("total", "hash_max", None, "max_total"),
                        ],
                        keys=["cat"],
                    ),
                ),
            ]
        )
        return decl.to_table(use_threads=False)

    con = duckdb.connect()
    con.execute("SET threads=1")
    con.register("block", block)

    def duck() -> Any:
        return con.sql(
            "SELECT cat, count(id), sum(tax), max(total) FROM (SELECT id, cat, total, "
            "total * 0.2 AS tax FROM (SELECT id, cat, price * qty AS total FROM block) "
            "WHERE total > 100) GROUP BY cat"
        ).to_arrow_table()

    def polars() -> Any:
        frame = pl.from_arrow(block)
        assert isinstance(frame, pl.DataFrame)
        return (
            frame.lazy()
            .with_columns(total=pl.col("price") * pl.col("qty"))
            .filter(pl.col("total") > 100)
            .with_columns(tax=pl.col("total") * 0.2)
            .group_by("cat")
            .agg(pl.col("id").count(), pl.col("tax").sum(), pl.col("total").max())
            .collect()
        )

    variants = {
        "pyarrow compute (hand-written)": arrow,
        "Acero plan": acero_plan,
        "DuckDB": duck,
        "Polars (from Arrow)": polars,
        "hetumind block task (nodes + exact partial)": _hetumind_block(block),
    }
    out = {}
    for name, fn in variants.items():
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        out[name] = best * 1000
    return out


def _hetumind_block(block: pa.Table) -> Any:
    from datetime import datetime

    from hetumind.batch.block import make_specs
    from hetumind.batch.plan import plan_batch
    from hetumind.batch.twophase import SummarizeSpec, partial
    from hetumind.engine.context import ExecutionInfo
    from hetumind.engine.node_run import execute_node_run
    from hetumind.items import ItemBatch
    from hetumind.workflow import parse_workflow

    wf = parse_workflow(float_workflow())
    plan = plan_batch(wf)
    info = ExecutionInfo(
        execution_id="bench",
        workflow_id=wf.id,
        workflow_name=wf.name,
        now=datetime.now().astimezone(),
        env={},
    )
    specs = make_specs(plan, info)
    params = {n: plan.plan.nodes[n].node.parameters for n in plan.plan.nodes}
    assert plan.whole_node is not None and plan.sort_node is not None
    spec = SummarizeSpec.from_parameters(params[plan.whole_node], params[plan.sort_node])
    chain = [(plan.trigger, 0), *((s.name, s.port) for s in plan.steps)]

    def go() -> Any:
        current = ItemBatch.from_arrow(block)
        for name, port in chain:
            _, outs, _ = execute_node_run(specs[name], [current], None, {})
            current = outs[port]
        return partial(current, spec, 0)

    return go
