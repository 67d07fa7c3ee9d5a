"""Loop Over Items (splitInBatches v3): batches on output 1, everything on output 0."""

from __future__ import annotations

from typing import Any

from helpers_agg import PEOPLE, FakeContext

from hetumind.engine import run_workflow
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.loop import SplitInBatches


def test_runs_hand_out_batches_then_everything_processed() -> None:
    ctx = FakeContext({"batchSize": 4}, type_version=3)
    node = SplitInBatches()
    done, loop = node.run(ctx, [ItemBatch.from_json(PEOPLE)])
    assert (len(done), [r["id"] for r in loop.to_json()]) == (0, [1, 2, 3, 4])
    assert loop.paired is not None and loop.paired.to_pylist() == [0, 1, 2, 3]
    back = ItemBatch.from_json([{**r, "seen": 0} for r in loop.to_json()])
    done, loop = node.run(ctx, [back])
    assert (len(done), [r["id"] for r in loop.to_json()]) == (0, [5, 6])
    # the batch comes from the first run's input, not this run's: it is unpaired and
    # keeps the lineage it was stored with (see engine/node_run.py)
    assert loop.paired is None
    back2 = ItemBatch.from_json([{**r, "seen": 1} for r in loop.to_json()])
    done, loop = node.run(ctx, [back2])
    assert len(loop) == 0
    assert [(r["id"], r["seen"]) for r in done.to_json()] == [
        (1, 0),
        (2, 0),
        (3, 0),
        (4, 0),
        (5, 1),
        (6, 1),
    ]
    assert ctx.state == {}


def test_state_holds_item_batches() -> None:
    ctx = FakeContext({"batchSize": 2}, type_version=3)
    SplitInBatches().run(ctx, [ItemBatch.from_json(PEOPLE)])
    assert isinstance(ctx.state["pending"], ItemBatch)
    assert len(ctx.state["pending"]) == 4


def _loop_workflow(size: Any) -> dict[str, Any]:
    def n(name: str, t: str, v: float, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": name,
            "name": name,
            "type": f"n8n-nodes-base.{t}",
            "typeVersion": v,
            "position": [0, 0],
            "parameters": p,
        }

    import json

    tag = {
        "assignments": {
            "assignments": [
                {"id": "r", "name": "run", "value": "={{ $runIndex }}", "type": "number"}
            ]
        },
        "includeOtherFields": True,
        "options": {},
    }
    nodes = [
        n("Start", "manualTrigger", 1, {}),
        n("Data", "set", 3.4, {"mode": "raw", "jsonOutput": json.dumps({"rows": PEOPLE})}),
        n("Items", "splitOut", 1, {"fieldToSplitOut": "rows"}),
        n("Loop", "splitInBatches", 3, {"batchSize": size, "options": {}}),
        n("Tag", "set", 3.4, tag),
        n("Done", "noOp", 1, {}),
    ]

    def to(node: str) -> list[dict[str, Any]]:
        return [{"node": node, "type": "main", "index": 0}]

    connections = {
        "Start": {"main": [to("Data")]},
        "Data": {"main": [to("Items")]},
        "Items": {"main": [to("Loop")]},
        "Loop": {"main": [to("Done"), to("Tag")]},
        "Tag": {"main": [to("Loop")]},
    }
    return {"nodes": nodes, "connections": connections, "settings": {"executionOrder": "v1"}}


def test_loop_in_a_workflow_with_expression_batch_size() -> None:
    result = run_workflow(_loop_workflow("={{ 2 + 2 }}"), backend="inline").to_json()
    assert result["status"] == "success", result["error"]
    runs = result["runData"]["Loop"]
    assert len(runs) == 3
    done = result["runData"]["Done"][0]["outputs"][0]
    assert [(r["id"], r["run"]) for r in done] == [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (6, 1)]
