"""If 2.x and Filter 2.x: routing, pairing, errors, continue-on-fail; unit and workflow level."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_sif import PEOPLE, SifContext, filter_value, workflow

from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.if_filter import Filter, If

OLD_AND_GOOD = filter_value(
    ("={{ $json.age }}", "number", "gt", 35), ("={{ $json.score }}", "number", "gte", 88)
)


def run_if(
    params: dict[str, Any],
    rows: list[dict[str, Any]],
    *,
    version: float = 2.2,
    vectorize: bool = True,
    continue_on_fail: bool = False,
) -> list[ItemBatch]:
    batch = ItemBatch.from_json(rows)
    ctx = SifContext(
        params, batch, version=version, vectorize=vectorize, continue_on_fail=continue_on_fail
    )
    return If().run(ctx, [batch])


@pytest.mark.parametrize("vectorize", [True, False])
def test_if_routes_and_pairs(vectorize: bool) -> None:
    yes, no = run_if({"conditions": OLD_AND_GOOD}, PEOPLE, vectorize=vectorize)
    assert [r["id"] for r in yes.to_json()] == [1, 2, 4, 6]
    assert [r["id"] for r in no.to_json()] == [3, 5]
    assert yes.paired is not None and yes.paired.to_pylist() == [0, 1, 3, 5]
    assert no.paired is not None and no.paired.to_pylist() == [2, 4]


def test_if_strict_error_names_item() -> None:
    rows = [{"n": 1}, {"n": "7"}]
    params = {"conditions": filter_value(("={{ $json.n }}", "number", "gt", 0))}
    with pytest.raises(NodeExecutionError) as info:
        run_if(params, rows)
    assert info.value.item_index == 1
    assert "Wrong type: '7' is a string but was expecting a number [condition 0, item 1]" in (
        info.value.message
    )


def test_if_continue_on_fail_sends_item_to_false() -> None:
    rows = [{"n": 1}, {"n": "7"}]
    params = {"conditions": filter_value(("={{ $json.n }}", "number", "gt", 0))}
    yes, no = run_if(params, rows, continue_on_fail=True)
    assert yes.to_json() == [{"n": 1}]
    assert no.to_json() == [{"n": "7"}]


def test_if_node_level_loose_setting_is_not_read_at_run_time() -> None:
    # As n8n 1.123 (recorded: if_loose_node_param): the saved conditions.options decide.
    rows = [{"n": "7"}]
    strict = filter_value(("={{ $json.n }}", "number", "gt", 5))
    with pytest.raises(NodeExecutionError, match="Wrong type"):
        run_if({"conditions": strict, "looseTypeValidation": True}, rows)
    loose = filter_value(("={{ $json.n }}", "number", "gt", 5), strict=False)
    yes, _ = run_if({"conditions": loose}, rows)
    assert yes.to_json() == [{"n": "7"}]


def test_if_empty_input() -> None:
    assert [len(b) for b in run_if({"conditions": OLD_AND_GOOD}, [])] == [0, 0]


def test_filter_keeps_matching() -> None:
    batch = ItemBatch.from_json(PEOPLE)
    params = {
        "conditions": filter_value(
            ("={{ $json.city }}", "string", "equals", "london"), case_sensitive=False
        )
    }
    (kept,) = Filter().run(SifContext(params, batch, version=2.2), [batch])
    assert [r["name"] for r in kept.to_json()] == ["Ada", "alan"]
    assert kept.paired is not None and kept.paired.to_pylist() == [0, 2]


# workflow level --------------------------------------------------------------------------------
def test_if_in_a_workflow() -> None:
    wf = workflow(
        {
            "name": "Check",
            "type": "n8n-nodes-base.if",
            "typeVersion": 2.2,
            "parameters": {"conditions": OLD_AND_GOOD, "options": {}},
        },
        PEOPLE,
    )
    result = run_workflow(wf, backend="inline").to_json()
    assert result["status"] == "success"
    yes, no = result["runData"]["Check"][0]["outputs"]
    assert [r["id"] for r in yes] == [1, 2, 4, 6]
    assert [r["id"] for r in no] == [3, 5]


def test_filter_error_fails_the_run() -> None:
    wf = workflow(
        {
            "name": "Keep",
            "type": "n8n-nodes-base.filter",
            "typeVersion": 2.2,
            "parameters": {"conditions": filter_value(("={{ $json.name }}", "number", "gt", 1))},
        },
        PEOPLE,
    )
    result = run_workflow(wf, backend="inline").to_json()
    assert result["status"] == "error"
    assert "Wrong type: 'Ada' is a string but was expecting a number" in str(result["error"])
