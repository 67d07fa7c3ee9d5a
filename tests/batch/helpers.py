"""Small workflows and the single-run oracle the batch tests compare against."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from hetumind.engine import run_workflow
from hetumind.items import ItemBatch
from hetumind.workflow import parse_workflow


def node(name: str, type_: str, version: float = 1, **params: Any) -> dict[str, Any]:
    extra = params.pop("_extra", {})
    return {
        "name": name,
        "type": f"n8n-nodes-base.{type_}",
        "typeVersion": version,
        "parameters": params,
        **extra,
    }


def chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    names = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(names)
    }
    return {"name": "t", "nodes": list(nodes), "connections": connections}


def assign(name: str, value: Any, type_: str = "number") -> dict[str, Any]:
    return {
        "assignments": {"assignments": [{"id": name, "name": name, "value": value, "type": type_}]},
        "includeOtherFields": True,
        "options": {},
    }


def table(rows: int, seed: int = 3) -> pa.Table:
    import random

    rng = random.Random(seed)
    return pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "value": pa.array([rng.randint(0, 1000) for _ in range(rows)], pa.int64()),
            "group": pa.array(
                [
                    f"G{rng.randrange(7)}" if rng.random() > 0.1 else f"g{rng.randrange(7)}"
                    for _ in range(rows)
                ]
            ),
        }
    )


def single_run(doc: dict[str, Any], data: pa.Table, node_name: str) -> list[dict[str, Any]]:
    """The definition of correct: one inline execution over every row."""
    result = run_workflow(
        parse_workflow(doc), backend="inline", input_batch=ItemBatch.from_arrow(data)
    )
    assert result.ok, result.error
    runs = result.run_data.get(node_name)
    return result.outputs(node_name)[0] if runs else []


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]
