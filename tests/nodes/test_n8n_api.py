"""The n8n node against Hetumind's own API (the shared real server): n8n's public-API
requests, sent with n8n's X-N8N-API-KEY header, do what they do on n8n."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.n8n_api import N8nApi
from tests.nodes.context import node_context
from tests.server.helpers import OWNER_KEY, Server


def run_n8n(
    server: Server,
    parameters: Mapping[str, Any],
    rows: list[dict[str, Any]] | None = None,
    *,
    key: str = OWNER_KEY,
    continue_on_fail: bool = False,
) -> list[dict[str, Any]]:
    batch = ItemBatch.from_json(rows if rows is not None else [{}])
    credential = {"apiKey": key, "baseUrl": f"{server.url}/api/v1/"}
    ctx = node_context(
        parameters,
        [batch],
        node_name="n8n",
        node_type="n8n-nodes-base.n8n",
        continue_on_fail=continue_on_fail,
        credentials={"n8nApi": {"id": "k", "name": "hetumind", "data": credential}},
    )
    (out,) = N8nApi().run(ctx, [batch])
    return out.to_json()


def webhook_workflow(name: str, tag: str) -> dict[str, Any]:
    return {
        "name": name,
        "tags": [tag],
        "nodes": [
            {
                "name": "Hook",
                "type": "n8n-nodes-base.webhook",
                "typeVersion": 2,
                "position": [0, 0],
                "parameters": {"path": f"n8n-node-{uuid.uuid4().hex[:8]}"},
            }
        ],
        "connections": {},
    }


def locator(value: str) -> dict[str, Any]:
    return {"__rl": True, "mode": "id", "value": value}


def test_workflow_lifecycle_through_n8n_requests(server: Server) -> None:
    tag = f"n8n-node-{uuid.uuid4().hex[:8]}"
    doc = webhook_workflow("made by the n8n node", tag)
    (created,) = run_n8n(
        server,
        {"resource": "workflow", "operation": "create", "workflowObject": "={{ $json.doc }}"},
        [{"doc": doc}],
    )
    wf_id = created["id"]
    assert created["name"] == "made by the n8n node" and created["active"] is False
    # n8n sends only name/nodes/settings/connections/staticData: the tags were dropped
    assert created["tags"] == []

    got = run_n8n(server, {"operation": "get", "workflowId": locator(wf_id)})
    assert [w["id"] for w in got] == [wf_id]
    assert got[0]["nodes"][0]["type"] == "n8n-nodes-base.webhook"

    (active,) = run_n8n(server, {"operation": "activate", "workflowId": locator(wf_id)})
    assert active["active"] is True
    (inactive,) = run_n8n(server, {"operation": "deactivate", "workflowId": wf_id})
    assert inactive["active"] is False

    renamed = {**doc, "name": "renamed by the n8n node"}
    (updated,) = run_n8n(
        server,
        {"operation": "update", "workflowId": locator(wf_id), "workflowObject": renamed},
    )
    assert updated["name"] == "renamed by the n8n node"

    run_n8n(server, {"operation": "delete", "workflowId": locator(wf_id)})
    assert server.client.get(f"/api/v1/workflows/{wf_id}").status_code == 404


def test_get_many_follows_the_cursor_and_limit_stops_at_one_page(server: Server) -> None:
    tag = f"n8n-page-{uuid.uuid4().hex[:8]}"
    ids = set()
    for n in range(101):  # the server's pages hold 100 by default: two pages
        r = server.client.post("/api/v1/workflows", json={**webhook_workflow(f"p{n}", tag)})
        assert r.status_code == 201, r.text
        ids.add(r.json()["id"])
    every = run_n8n(server, {"operation": "getAll", "filters": {"tags": tag}})
    assert {w["id"] for w in every} == ids
    assert len(every) == 101
    some = run_n8n(
        server, {"operation": "getAll", "returnAll": False, "limit": 7, "filters": {"tags": tag}}
    )
    assert len(some) == 7 and {w["id"] for w in some} <= ids


def test_executions_and_credentials(server: Server) -> None:
    doc = {
        "name": "n8n node executions",
        "nodes": [
            {
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            }
        ],
        "connections": {},
    }
    wf_id = server.client.post("/api/v1/workflows", json=doc).json()["id"]
    run = server.client.post(f"/api/v1/workflows/{wf_id}/run?wait=true", json=[])
    assert run.status_code == 200, run.text
    execution_id = run.json()["executionId"]

    listed = run_n8n(
        server,
        {
            "resource": "execution",
            "operation": "getAll",
            "filters": {"workflowId": locator(wf_id), "status": "success"},
        },
    )
    assert [e["id"] for e in listed] == [execution_id]
    (one,) = run_n8n(
        server, {"resource": "execution", "operation": "get", "executionId": execution_id}
    )
    assert one["id"] == execution_id and one["status"] == "success"
    run_n8n(server, {"resource": "execution", "operation": "delete", "executionId": execution_id})
    assert server.client.get(f"/api/v1/executions/{execution_id}").status_code == 404

    (cred,) = run_n8n(
        server,
        {
            "resource": "credential",
            "operation": "create",
            "name": "made by the n8n node",
            "credentialTypeName": "httpHeaderAuth",
            "data": '{"name": "X-Token", "value": "s3cret"}',
        },
    )
    assert cred["name"] == "made by the n8n node" and cred["type"] == "httpHeaderAuth"
    assert "s3cret" not in str(cred)  # the API never answers a secret back
    run_n8n(server, {"resource": "credential", "operation": "delete", "credentialId": cred["id"]})
    assert server.client.get(f"/api/v1/credentials/{cred['id']}").status_code == 404


def test_errors_name_the_node_and_item(server: Server) -> None:
    with pytest.raises(NodeExecutionError) as bad_key:
        run_n8n(server, {"operation": "getAll"}, key="hmk_wrong_" + "x" * 40)
    assert "Authorization failed - please check your credentials" in bad_key.value.message
    assert bad_key.value.node == "n8n"

    missing = run_n8n(
        server,
        {"operation": "get", "workflowId": "={{ $json.id }}"},
        [{"id": "does-not-exist"}, {"id": ""}],
        continue_on_fail=True,
    )
    assert "could not be found" in missing[0]["error"]
    assert "'workflowId' must not be empty" in missing[1]["error"]

    with pytest.raises(NodeExecutionError) as bad_json:
        run_n8n(server, {"operation": "create", "workflowObject": "{not json"})
    assert "'workflowObject' property must be valid JSON" in bad_json.value.message
    assert bad_json.value.item_index == 0
