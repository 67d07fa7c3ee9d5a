"""Per-node overhead: 40 chained cheap nodes on one item.

Hetumind on Ray and inline, against the floor: 40 chained raw Ray tasks.
"""

from __future__ import annotations

from typing import Any

import ray

from benchmarks.common import best_of
from hetumind.engine import make_backend, run_workflow
from hetumind.engine.ray_backend import ensure_ray
from hetumind.workflow import parse_workflow

CHAIN = 40


def chain_workflow(length: int = CHAIN) -> dict[str, Any]:
    nodes = [{"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1}]
    connections: dict[str, Any] = {}
    prev = "Start"
    for i in range(length):
        name = f"N{i}"
        nodes.append({"name": name, "type": "n8n-nodes-base.noOp", "typeVersion": 1})
        connections[prev] = {"main": [[{"node": name, "type": "main", "index": 0}]]}
        prev = name
    return {"name": "chain", "nodes": nodes, "connections": connections}


@ray.remote
def _step(item: dict[str, Any]) -> dict[str, Any]:
    return item


def raw_ray_chain(length: int = CHAIN) -> dict[str, Any]:
    ref = _step.remote({"x": 1})
    for _ in range(length - 1):
        ref = _step.remote(ref)
    result: dict[str, Any] = ray.get(ref)
    return result


def run() -> dict[str, float]:
    ensure_ray()
    wf = parse_workflow(chain_workflow())
    ray_backend = make_backend("ray")
    inline = make_backend("inline")
    results = {
        "raw Ray tasks (40 chained)": best_of(raw_ray_chain, repeat=7),
        "Hetumind, Ray backend": best_of(
            lambda: run_workflow(wf, backend=ray_backend, input_items=[{"x": 1}]), repeat=7
        ),
        "Hetumind, Ray backend, unfused (a task per node)": best_of(
            lambda: run_workflow(wf, backend=ray_backend, input_items=[{"x": 1}], fuse=False),
            repeat=7,
        ),
        "Hetumind, inline backend": best_of(
            lambda: run_workflow(wf, backend=inline, input_items=[{"x": 1}]), repeat=7
        ),
    }
    return results


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name:32s} {seconds * 1000:8.1f} ms  ({seconds * 1000 / CHAIN:.2f} ms/node)")
