"""Execute Workflow Trigger (input schemas) and Error Trigger, as nodes of a workflow."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.nodes.builtin.error_trigger import EXAMPLE
from tests.subworkflows.helpers import node, workflow

ITEMS = [{"name": "Ada", "age": 36}, {"name": "Grace", "age": 45}]


def trigger_output(params: dict[str, Any], version: float = 1.1, **kw: Any) -> dict[str, Any]:
    doc = workflow("t", [node("When Called", "executeWorkflowTrigger", version, **params)])
    result: dict[str, Any] = run_workflow(doc, input_items=ITEMS, **kw).to_json()
    return result


def items_of(result: dict[str, Any], name: str) -> list[dict[str, Any]]:
    assert result["status"] == "success", result["error"]
    out: list[dict[str, Any]] = result["runData"][name][0]["outputs"][0]
    return out


def test_v1_passes_everything() -> None:
    assert items_of(trigger_output({}, 1), "When Called") == ITEMS


def test_passthrough() -> None:
    got = items_of(trigger_output({"inputSource": "passthrough"}), "When Called")
    assert got == ITEMS


def test_schema_fields_keep_only_those_with_null_defaults() -> None:
    values = [{"name": "name", "type": "string"}, {"name": "city", "type": "any"}]
    got = items_of(trigger_output({"workflowInputs": {"values": values}}), "When Called")
    assert got == [{"name": "Ada", "city": None}, {"name": "Grace", "city": None}]


def test_json_example_fields() -> None:
    params = {"inputSource": "jsonExample", "jsonExample": json.dumps({"age": 1})}
    assert items_of(trigger_output(params), "When Called") == [{"age": 36}, {"age": 45}]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "no input fields are defined"),
        ({"inputSource": "jsonExample", "jsonExample": "{nope"}, "'JSON Example' is not valid"),
        ({"inputSource": "jsonExample", "jsonExample": "[1]"}, "but got array"),
        ({"inputSource": "sideways"}, "unknown input data mode 'sideways'"),
    ],
)
def test_bad_schemas_fail_naming_the_node(params: dict[str, Any], message: str) -> None:
    result = trigger_output(params)
    assert result["status"] == "error"
    assert result["error"]["node"] == "When Called"
    assert message in result["error"]["message"]


def test_no_items_gives_one_empty_item() -> None:
    doc = workflow("t", [node("When Called", "executeWorkflowTrigger", 1)])
    result = run_workflow(doc).to_json()
    assert items_of(result, "When Called") == [{}]


def error_workflow() -> dict[str, Any]:
    return workflow("errors", [node("Error Trigger", "errorTrigger"), node("Done", "noOp")])


def test_error_trigger_shows_example_data_in_manual_runs() -> None:
    got = items_of(run_workflow(error_workflow()).to_json(), "Done")
    assert got == [EXAMPLE]
    assert got[0]["execution"]["error"]["message"] == "Example Error Message"


def test_error_trigger_emits_the_failure_it_was_started_with() -> None:
    item = {
        "execution": {"id": "e1", "error": {"message": "boom"}, "mode": "webhook"},
        "workflow": {"id": "w1", "name": "failing"},
    }
    result = run_workflow(error_workflow(), input_items=[item], mode="error").to_json()
    assert items_of(result, "Done") == [item]


def test_error_trigger_outside_manual_mode_never_invents_data() -> None:
    result = run_workflow(error_workflow(), mode="error").to_json()
    assert items_of(result, "Done") == [{}]
