"""Switch 3.x: rules (first / all matches, fallbacks) and expression mode."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_sif import PEOPLE, SifContext, filter_value, workflow

from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.switch import Switch, switch_output_count

LONDON = filter_value(("={{ $json.city }}", "string", "equals", "London"))
OLD = filter_value(("={{ $json.age }}", "number", "gt", 40))


def rules(*filters: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {"rules": {"values": [{"conditions": f} for f in filters]}, "options": options}


def run(
    params: dict[str, Any], *, continue_on_fail: bool = False, version: float = 3.2
) -> list[list[int]]:
    batch = ItemBatch.from_json(PEOPLE)
    out = Switch().run(
        SifContext(params, batch, version=version, continue_on_fail=continue_on_fail), [batch]
    )
    return [[r.get("id", -1) for r in b.to_json()] for b in out]


def test_output_count() -> None:
    assert switch_output_count(rules(LONDON, OLD)) == 2
    assert switch_output_count(rules(LONDON, OLD, fallbackOutput="extra")) == 3
    assert switch_output_count({"mode": "expression", "numberOutputs": 5}) == 5


def test_first_match_wins() -> None:
    assert run(rules(LONDON, OLD)) == [[1, 3], [2, 4]]


def test_all_matching_outputs() -> None:
    assert run(rules(LONDON, OLD, allMatchingOutputs=True)) == [[1, 3], [2, 3, 4]]


def test_fallback_extra_and_index() -> None:
    assert run(rules(LONDON, OLD, fallbackOutput="extra")) == [[1, 3], [2, 4], [5, 6]]
    assert run(rules(LONDON, OLD, fallbackOutput=0)) == [[1, 3, 5, 6], [2, 4]]


def test_rule_type_error_and_continue_on_fail() -> None:
    bad = filter_value(("={{ $json.name }}", "number", "gt", 1))
    with pytest.raises(NodeExecutionError) as info:
        run(rules(bad))
    assert info.value.item_index == 0
    out = run(rules(bad), continue_on_fail=True)
    assert out == [[-1] * 6]


def test_expression_mode() -> None:
    params = {"mode": "expression", "numberOutputs": 3, "output": "={{ $json.age }}"}
    with pytest.raises(NodeExecutionError, match="The ouput 36 is not allowed"):
        run(params)
    params["output"] = "={{ $itemIndex }}"
    params["numberOutputs"] = 6
    assert run(params) == [[1], [2], [3], [4], [5], [6]]


def test_switch_in_a_workflow() -> None:
    wf = workflow(
        {
            "name": "Route",
            "type": "n8n-nodes-base.switch",
            "typeVersion": 3.2,
            "parameters": rules(LONDON, OLD, fallbackOutput="extra"),
        },
        PEOPLE,
    )
    result = run_workflow(wf, backend="inline").to_json()
    assert result["status"] == "success"
    outs = result["runData"]["Route"][0]["outputs"]
    assert [[r["id"] for r in o] for o in outs] == [[1, 3], [2, 4], [5, 6]]
