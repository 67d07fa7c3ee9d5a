"""A five-node transform over 1,000,000 items.

set (arithmetic expression) -> if -> set -> sort -> summarize, as a Hetumind workflow,
against the same logic hand-written in pyarrow (the floor) and as a plain Python row loop.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.common import best_of
from hetumind.engine import make_backend, run_workflow
from hetumind.engine.ray_backend import ensure_ray
from hetumind.items import ItemBatch
from hetumind.workflow import parse_workflow

ROWS = 1_000_000
GROUPS = [f"g{i}" for i in range(10)]


def make_table(rows: int = ROWS, seed: int = 7) -> pa.Table:
    rng = random.Random(seed)
    return pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "value": pa.array([rng.randint(0, 1000) for _ in range(rows)], pa.int64()),
            "group": pa.array([GROUPS[rng.randrange(10)] for _ in range(rows)]),
        }
    )


def _node(name: str, type_: str, version: float, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "type": f"n8n-nodes-base.{type_}",
        "typeVersion": version,
        "parameters": params,
    }


def transform_workflow() -> dict[str, Any]:
    def assign(name: str, value: Any, type_: str) -> dict[str, Any]:
        return {
            "assignments": {
                "assignments": [{"id": name, "name": name, "value": value, "type": type_}]
            },
            "includeOtherFields": True,
            "options": {},
        }

    nodes = [
        _node("Start", "manualTrigger", 1, {}),
        _node("Score", "set", 3.4, assign("score", "={{ $json.value * 2 + 1 }}", "number")),
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
                            "leftValue": "={{ $json.score }}",
                            "rightValue": 1000,
                            "operator": {"type": "number", "operation": "gt"},
                        }
                    ],
                    "combinator": "and",
                },
                "options": {},
            },
        ),
        _node("Tag", "set", 3.4, assign("tier", "gold", "string")),
        _node(
            "Order",
            "sort",
            1,
            {
                "sortFieldsUi": {"sortField": [{"fieldName": "score", "order": "descending"}]},
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
                        {"aggregation": "sum", "field": "score"},
                        {"aggregation": "average", "field": "value"},
                    ]
                },
                "fieldsToSplitBy": "group",
                "options": {},
            },
        ),
    ]
    names = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(names)
    }
    return {"name": "transform", "nodes": nodes, "connections": connections}


def hand_written_pyarrow(table: pa.Table) -> pa.Table:
    t = table.append_column("score", pc.add(pc.multiply(table["value"], 2), 1))
    t = t.filter(pc.greater(t["score"], 1000))
    t = t.append_column("tier", pa.repeat("gold", t.num_rows))
    t = t.take(pc.sort_indices(t, [("score", "descending")]))
    return t.group_by("group", use_threads=False).aggregate(
        [("id", "count"), ("score", "sum"), ("value", "mean")]
    )


def python_loop(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = dict(row)
        item["score"] = item["value"] * 2 + 1
        if item["score"] > 1000:
            item["tier"] = "gold"
            out.append(item)
    out.sort(key=lambda r: -r["score"])
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in out:
        groups[item["group"]].append(item)
    return [
        {
            "group": g,
            "count_id": len(items),
            "sum_score": sum(i["score"] for i in items),
            "average_value": sum(i["value"] for i in items) / len(items),
        }
        for g, items in groups.items()
    ]


def run(rows: int = ROWS) -> dict[str, float]:
    ensure_ray()
    table = make_table(rows)
    batch = ItemBatch.from_arrow(table)
    wf = parse_workflow(transform_workflow())
    ray_backend = make_backend("ray")
    inline = make_backend("inline")

    def hetumind(backend: Any, save_outputs: bool = False) -> None:
        result = run_workflow(wf, backend=backend, input_batch=batch, save_outputs=save_outputs)
        assert result.ok, result.error
        got = sorted(result.outputs("Stats")[0], key=lambda r: r["group"])
        assert got == expected, (got[:2], expected[:2])

    expected = sorted(
        (
            {
                "group": r["group"],
                "count_id": r["id_count"],
                "sum_score": r["score_sum"],
                "average_value": r["value_mean"],
            }
            for r in hand_written_pyarrow(table).to_pylist()
        ),
        key=lambda r: r["group"],
    )
    py_rows = table.to_pylist()
    return {
        "hand-written pyarrow": best_of(lambda: hand_written_pyarrow(table), repeat=5),
        "Hetumind, Ray backend": best_of(lambda: hetumind(ray_backend), repeat=5),
        "Hetumind, Ray backend, every node's items kept": best_of(
            lambda: hetumind(ray_backend, save_outputs=True), repeat=3
        ),
        "Hetumind, inline backend": best_of(lambda: hetumind(inline), repeat=5),
        "Python row loop": best_of(lambda: python_loop(py_rows), repeat=1, warmup=0),
    }


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name:28s} {seconds:8.3f} s  ({ROWS / seconds / 1e6:.2f} M rows/s)")
