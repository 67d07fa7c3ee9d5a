"""Execute Workflow on both backends: sources, modes, pairing, waiting, failures, depth."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.store import ExecutionData, Store
from hetumind.subworkflows import MAX_DEPTH, drain
from tests.store.conftest import new_pg_database
from tests.subworkflows.conftest import save
from tests.subworkflows.helpers import (
    NAMES,
    by_id,
    by_json,
    callee,
    caller,
    failing_callee,
    node,
    set_node,
    workflow,
)

GREETED = [{"id": i + 1, "name": n, "greeting": f"hi {n}"} for i, n in enumerate(NAMES)]


def wait_until(check: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Poll `check` (work that runs elsewhere, e.g. in a Ray worker) until true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def run(doc: dict[str, Any], backend: str) -> dict[str, Any]:
    result: dict[str, Any] = run_workflow(doc, backend=backend).to_json()
    return result


def outputs(result: dict[str, Any], name: str = "Call") -> list[dict[str, Any]]:
    assert result["status"] == "success", result["error"]
    items: list[dict[str, Any]] = result["runData"][name][-1]["outputs"][0]
    return items


def test_once_by_id_from_the_store_records_the_child(backend: str, store: Store) -> None:
    callee_id = save(store, callee())
    result = run(caller(by_id(callee_id)), backend)
    assert outputs(result) == GREETED
    children = store.run_sync(store.executions.children(result["executionId"]))
    assert len(children) == 1
    child = children[0]
    assert child.parent_execution_id == result["executionId"]
    assert (child.workflow_id, child.mode, child.status) == (callee_id, "integrated", "success")
    assert child.workflow_version == 1
    listed = store.run_sync(store.executions.list(parent_execution_id=result["executionId"]))
    assert [r.id for r in listed] == [child.id]


def test_plain_v1_workflow_id(backend: str, store: Store) -> None:
    callee_id = save(store, callee())
    doc = caller({"source": "database", "workflowId": callee_id})
    doc["nodes"][3]["typeVersion"] = 1
    assert outputs(run(doc, backend)) == GREETED


def test_each_runs_one_sub_execution_per_item_in_order(backend: str, store: Store) -> None:
    callee_id = save(store, callee())
    # The node after Call reads its paired Items item: pairing must lead back to it.
    after = [set_node("Check", source="={{ $('Items').item.json.name }}")]
    result = run(caller(by_id(callee_id, mode="each"), after=after), backend)
    assert outputs(result) == GREETED
    assert [i["source"] for i in outputs(result, "Check")] == NAMES
    children = store.run_sync(store.executions.children(result["executionId"]))
    assert len(children) == 3
    assert {c.status for c in children} == {"success"}


def test_once_pairs_result_items_through_the_sub_workflow(backend: str) -> None:
    reverse = node(
        "Reverse",
        "sort",
        1,
        sortFieldsUi={"sortField": [{"fieldName": "id", "order": "descending"}]},
    )
    after = [set_node("Check", source="={{ $('Items').item.json.name }}")]
    result = run(caller(by_json(callee(reverse)), after=after), backend)
    got = outputs(result, "Check")
    assert [i["name"] for i in got] == NAMES[::-1]
    assert [i["source"] for i in got] == [i["name"] for i in got]


def test_json_parameter_is_not_recorded_outside_a_server(backend: str) -> None:
    result = run(caller(by_json(callee())), backend)
    assert outputs(result) == GREETED


def test_local_file(backend: str, tmp_path: Path) -> None:
    path = tmp_path / "callee.json"
    path.write_text(json.dumps(callee()))
    result = run(caller({"source": "localFile", "workflowPath": str(path)}), backend)
    assert outputs(result) == GREETED


def test_missing_local_file_names_node_and_path(backend: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = run(caller({"source": "localFile", "workflowPath": str(missing)}), backend)
    assert result["status"] == "error"
    assert result["error"]["node"] == "Call"
    assert f'"{missing}" could not be found' in result["error"]["message"]


def test_unknown_id_fails_naming_the_node(backend: str, store: Store) -> None:
    result = run(caller(by_id("does-not-exist")), backend)
    assert result["status"] == "error"
    assert result["error"]["node"] == "Call"
    assert "workflow 'does-not-exist' not found" in result["error"]["message"]


def test_wait_false_returns_the_input_and_runs_later(store: Store) -> None:
    callee_id = save(store, callee())
    params = by_id(callee_id, options={"waitForSubWorkflow": False})
    result = run(caller(params), "inline")
    assert outputs(result) == [{"id": i + 1, "name": n} for i, n in enumerate(NAMES)]
    assert drain(60)
    children = store.run_sync(store.executions.children(result["executionId"]))
    assert [(c.status, c.parent_execution_id) for c in children] == [
        ("success", result["executionId"])
    ]


def test_wait_false_each(backend: str, store: Store) -> None:
    callee_id = save(store, callee())
    params = by_id(callee_id, mode="each", options={"waitForSubWorkflow": False})
    result = run(caller(params), backend)
    assert [i["name"] for i in outputs(result)] == NAMES
    drain(60)  # inline: here; ray: the worker finishes them, we wait on the store

    def children() -> list[Any]:
        rows = store.run_sync(store.executions.children(result["executionId"]))
        return [r for r in rows if r.status == "success"]

    assert wait_until(lambda: len(children()) == 3)


def test_sub_workflow_failure_fails_the_caller_with_its_message(backend: str) -> None:
    result = run(caller(by_json(failing_callee("the callee broke"))), backend)
    assert result["status"] == "error"
    assert result["error"] == {"message": "the callee broke", "node": "Call"}


@pytest.mark.parametrize("mode", ["once", "each"])
def test_failure_with_continue_regular_output_sets_json_error(backend: str, mode: str) -> None:
    doc = caller(
        by_json(failing_callee("the callee broke"), mode=mode),
        call_extra={"onError": "continueRegularOutput"},
    )
    got = outputs(run(doc, backend))
    assert got == [{"error": "the callee broke"}] * (1 if mode == "once" else 3)


def test_failure_with_continue_error_output_routes_error_items(backend: str) -> None:
    doc = caller(
        by_json(failing_callee("the callee broke"), mode="each"),
        call_extra={"onError": "continueErrorOutput"},
    )
    result = run(doc, backend)
    assert result["status"] == "success"
    ok, errors = result["runData"]["Call"][0]["outputs"]
    # as in n8n, an error item is its paired input item's json plus `error`
    assert ok == []
    assert errors == [
        {"id": i + 1, "name": n, "error": "the callee broke"} for i, n in enumerate(NAMES)
    ]


def test_each_failure_names_the_item(backend: str) -> None:
    # Only Grace's sub-execution fails.
    check = node(
        "Only Grace",
        "stopAndError",
        errorMessage="={{ $json.name === 'Grace' ? 'Grace failed' : '' }}",
    )
    sub = callee(
        node(
            "If Grace",
            "if",
            2,
            conditions={
                "options": {"caseSensitive": True, "typeValidation": "strict"},
                "combinator": "and",
                "conditions": [
                    {
                        "leftValue": "={{ $json.name }}",
                        "rightValue": "Grace",
                        "operator": {"type": "string", "operation": "equals"},
                    }
                ],
            },
        ),
        check,
    )
    result = run(caller(by_json(sub, mode="each")), backend)
    assert result["status"] == "error"
    assert result["error"]["message"] == "Grace failed"
    [run_data] = result["runData"]["Call"]
    assert run_data["error"]["itemIndex"] == 1


@pytest.mark.parametrize(
    ("policy", "caller_id", "allowed"),
    [
        ({"callerPolicy": "any"}, "caller-1", True),
        ({}, "caller-1", True),  # n8n's default: workflows of the same owner (one here)
        ({"callerPolicy": "workflowsFromSameOwner"}, "caller-1", True),
        ({"callerPolicy": "none"}, "caller-1", False),
        ({"callerPolicy": "workflowsFromAList", "callerIds": "x, caller-1"}, "caller-1", True),
        ({"callerPolicy": "workflowsFromAList", "callerIds": "x,y"}, "caller-1", False),
        ({"callerPolicy": "workflowsFromAList", "callerIds": "caller-1"}, None, False),
    ],
)
def test_caller_policy(
    backend: str, policy: dict[str, str], caller_id: str | None, allowed: bool
) -> None:
    sub = callee(id="callee-9", settings=policy)
    doc = caller(by_json(sub))
    if caller_id:
        doc["id"] = caller_id
    result = run(doc, backend)
    if allowed:
        assert outputs(result) == GREETED
    else:
        assert result["status"] == "error"
        assert result["error"]["node"] == "Call"
        assert (
            "The sub-workflow (callee-9) cannot be called by this workflow"
            in (result["error"]["message"])
        )


def test_depth_is_bounded(backend: str, tmp_path: Path) -> None:
    path = tmp_path / "self.json"
    call = node("Call", "executeWorkflow", 1.2, source="localFile", workflowPath=str(path))
    path.write_text(
        json.dumps(workflow("itself", [node("When Called", "executeWorkflowTrigger"), call]))
    )
    result = run(caller({"source": "localFile", "workflowPath": str(path)}), backend)
    assert result["status"] == "error"
    assert result["error"]["node"] == "Call"
    assert f"nested more than {MAX_DEPTH} deep" in result["error"]["message"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"source": "parameter", "workflowJson": "{not json"}, "'Workflow JSON' is not valid JSON"),
        ({"source": "parameter", "workflowJson": "[]"}, "expected a workflow object, got list"),
        ({"source": "url", "workflowUrl": "http://x"}, "from a URL is not supported"),
        ({"source": "database", "workflowId": ""}, "no workflow ID given"),
        ({"source": "parameter", "mode": "sometimes", "workflowJson": "{}"}, "unknown mode"),
        (
            by_json({"name": "no trigger", "nodes": [node("S", "manualTrigger")]}),
            "contains an Execute Workflow Trigger node",
        ),
        (
            by_json(
                {
                    "name": "bad",
                    "nodes": [
                        node("When Called", "executeWorkflowTrigger"),
                        node("X", "noSuchNode"),
                    ],
                }
            ),
            "noSuchNode",
        ),
    ],
)
def test_bad_parameters_give_clear_errors(params: dict[str, Any], message: str) -> None:
    result = run(caller(params), "inline")
    assert result["status"] == "error"
    assert result["error"]["node"] == "Call"
    assert message in result["error"]["message"]


def test_workflow_inputs_mapping_v12(data: ExecutionData) -> None:
    store = data.store
    callee_id = save(store, callee(node("Done", "noOp")))
    params = by_id(
        callee_id,
        workflowInputs={
            "mappingMode": "defineBelow",
            "value": {"upper": "={{ $json.name.toUpperCase() }}"},
            "schema": [{"id": "id", "displayName": "id", "removed": True}],
        },
    )
    got = outputs(run(caller(params), "inline"))
    assert got == [{"name": n, "upper": n.upper()} for n in NAMES]


@pytest.mark.slow
def test_by_id_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, home: Path, pg_scratch: list[str]
) -> None:
    monkeypatch.setenv("HETUMIND_DATABASE_URL", new_pg_database(pg_scratch))
    from hetumind.subworkflows import execution_data

    store = execution_data().store
    assert store.dialect == "postgresql"
    callee_id = save(store, callee())
    result = run(caller(by_id(callee_id, mode="each")), "inline")
    assert outputs(result) == GREETED
    children = store.run_sync(store.executions.children(result["executionId"]))
    assert [c.parent_execution_id for c in children] == [result["executionId"]] * 3


def test_nested_calls_by_id_record_a_chain_of_parents(backend: str, store: Store) -> None:
    # In a Ray worker the inner call must still find the store of the outer execution.
    inner_id = save(store, callee())
    middle = callee(node("Inner", "executeWorkflow", 1.2, options={}, **by_id(inner_id)))
    middle_id = save(store, middle)
    result = run(caller(by_id(middle_id)), backend)
    assert outputs(result) == GREETED
    [child] = store.run_sync(store.executions.children(result["executionId"]))
    [grandchild] = store.run_sync(store.executions.children(child.id))
    assert (child.workflow_id, grandchild.workflow_id) == (middle_id, inner_id)


def test_callee_credentials_are_resolved_from_the_store(data: ExecutionData) -> None:
    from hetumind.credentials import credential_key
    from hetumind.subworkflows import Caller, from_json, prepare
    from hetumind.subworkflows.runner import _credentials

    store = data.store
    view = store.run_sync(
        store.credentials.create(
            name="basic", type="httpBasicAuth", data={"user": "u", "password": "p"}
        )
    )
    uses = node("Uses", "noOp")
    uses["credentials"] = {"httpBasicAuth": {"id": view.id, "name": "basic"}}
    inherited = {"x:1:": {"token": "from the caller"}}
    prepared = prepare(from_json(callee(uses)), Caller("Call", credentials=inherited))
    found = _credentials(prepared, data)
    key = credential_key("httpBasicAuth", {"id": view.id, "name": "basic"})
    assert found[key] == {"user": "u", "password": "p"}
    assert found["x:1:"] == {"token": "from the caller"}
    assert _credentials(prepared, None) == inherited
