"""The profiler's hot-spot report names causes from the plan: per-item expressions (and
not the ones that run on whole columns), tasks of their own, fused chains."""

from __future__ import annotations

from typing import Any

from hetumind.engine.plan import build_plan
from hetumind.observability.hotspots import hotspots
from hetumind.observability.profile import NodeProfile
from hetumind.workflow import parse_workflow
from tests.engine.workflows import chain, workflow


def _set(name: str, **values: str) -> dict[str, Any]:
    assignments = [{"id": k, "name": k, "type": "string", "value": v} for k, v in values.items()]
    return {
        "name": name,
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.4,
        "parameters": {"assignments": {"assignments": assignments}},
    }


def _plan() -> Any:
    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
        _set("Columns", double="={{ $json.n * 2 }}"),
        _set("Rows", parity="={{ $itemIndex % 2 ? 'odd' : 'even' }}", twice="={{ $json.n * 2 }}"),
        {
            "name": "Code",
            "type": "n8n-nodes-base.code",
            "typeVersion": 2,
            "parameters": {"jsCode": "return $input.all();"},
        },
    ]
    return build_plan(parse_workflow(workflow(nodes, chain(*(n["name"] for n in nodes)))))


def _row(node: str, share: float) -> NodeProfile:
    return NodeProfile(node, "t", 1, 10, 10, share * 100, share * 100, share)


def test_per_item_expressions_are_named_and_column_ones_are_not() -> None:
    lines = hotspots(_plan(), [_row("Rows", 0.5), _row("Columns", 0.3)], on_ray=False)
    assert len(lines) == 1, lines
    assert lines[0].startswith("Rows (50% of the run): parameter 'assignments.assignments[0]")
    assert "$itemIndex" in lines[0] and "whole columns" in lines[0]


def test_on_ray_task_placement_is_explained() -> None:
    lines = hotspots(
        _plan(), [_row("Code", 0.6), _row("Columns", 0.2), _row("Start", 0.01)], on_ray=True
    )
    assert any(
        line.startswith("Code (60% of the run): runs in a Ray task of its own") for line in lines
    ), lines
    assert any("Columns (20% of the run): fused with" in line for line in lines), lines
    assert not any(line.startswith("Start") for line in lines)  # under MIN_SHARE
