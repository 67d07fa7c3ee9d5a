"""Loop Over Items (splitInBatches v3): batches on output 1, everything on output 0."""

from __future__ import annotations

from typing import Any

import pytest
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


def _node(name: str, type_: str, version: float, **parameters: Any) -> dict[str, Any]:
    return {"name": name, "type": f"n8n-nodes-base.{type_}", "typeVersion": version,
            "parameters": parameters}  # fmt: skip


def _keys(name: str, *keys: str) -> dict[str, Any]:
    rows = ", ".join(f'{{"key": "{k}"}}' for k in keys)
    return _node(name, "set", 3.4, mode="raw", jsonOutput=f'={{{{ {{"rows": [{rows}]}} }}}}')


def _no_items_left(name: str, loop: str) -> dict[str, Any]:
    value = f'={{{{ $node["{loop}"].context["noItemsLeft"] }}}}'
    return _node(name, "if", 1, conditions={"boolean": [{"value1": value, "value2": True}]})


def _link(*pairs: tuple[str, int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for src, port, dst in pairs:
        ports = out.setdefault(src, {"main": []})["main"]
        while len(ports) <= port:
            ports.append([])
        ports[port].append({"node": dst, "type": "main", "index": 0})
    return out


@pytest.mark.parametrize("version", [1, 2])
def test_nested_loops_end_on_the_node_context_no_items_left(version: int, backend: str) -> None:
    """n8n's own pinned test (SplitInBatches.workflow_v2_done_variable.json, "V1/V2 with
    IF"): an outer loop over 2 items, an inner one over 5, each ended by an If on
    `$node[...].context["noItemsLeft"]`; the result is the inner loop's last item, once."""
    reset = '={{ $node["Inner"].context["noItemsLeft"] }}'
    nodes = [
        _node("Start", "manualTrigger", 1),
        _keys("Outer rows", "0", "1"),
        _node("Outer items", "splitOut", 1, fieldToSplitOut="rows"),
        _node("Outer", "splitInBatches", version, batchSize=1, options={}),
        _keys("Inner rows", "10", "11", "12", "13", "14"),
        _node("Inner items", "splitOut", 1, fieldToSplitOut="rows"),
        _node("Inner", "splitInBatches", version, batchSize=1, options={"reset": reset}),
        _node("Work", "noOp", 1),
        _no_items_left("Inner done?", "Inner"),
        _no_items_left("Outer done?", "Outer"),
        _node("Result", "noOp", 1),
    ]
    doc = {
        "name": "nested loops",
        "nodes": nodes,
        "connections": _link(
            ("Start", 0, "Outer rows"),
            ("Outer rows", 0, "Outer items"),
            ("Outer items", 0, "Outer"),
            ("Outer", 0, "Inner rows"),
            ("Inner rows", 0, "Inner items"),
            ("Inner items", 0, "Inner"),
            ("Inner", 0, "Work"),
            ("Work", 0, "Inner done?"),
            ("Inner done?", 0, "Outer done?"),
            ("Inner done?", 1, "Inner"),
            ("Outer done?", 0, "Result"),
            ("Outer done?", 1, "Outer"),
        ),
        "settings": {"executionOrder": "v1"},
    }
    result = run_workflow(doc, backend=backend)
    assert result.status == "success", result.error
    assert result.outputs("Result")[0] == [{"key": "14"}]  # n8n's pinned output
    assert len(result.run_data["Inner"]) == 10  # 5 batches for each outer item
