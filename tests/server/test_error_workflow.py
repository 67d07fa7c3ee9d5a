"""Error workflows over real HTTP: a failing production run starts the workflow its
settings.errorWorkflow names, once, with n8n's Error Trigger item; never in a loop."""

from __future__ import annotations

import uuid
from itertools import pairwise
from typing import Any

from hetumind.store import Store
from hetumind.store.settings import sqlite_url
from tests.server.helpers import Server


def _node(name: str, type_: str, version: float = 1, **params: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": f"n8n-nodes-base.{type_}",
        "typeVersion": version,
        "parameters": params,
    }


def _chain(*nodes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    names = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]} for a, b in pairwise(names)
    }
    return {"nodes": list(nodes), "connections": connections, **extra}


def _failing(path: str, error_workflow: str) -> dict[str, Any]:
    hook = _node("Webhook", "webhook", 2, httpMethod="POST", path=path, responseMode="onReceived")
    fail = _node("Explode", "stopAndError", errorMessage="={{ 'bad order ' + $json.body.order }}")
    return _chain(hook, fail, name=f"failing {path}", settings={"errorWorkflow": error_workflow})


def _error_workflow(name: str, *after: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return _chain(_node("Error Trigger", "errorTrigger"), *after, name=name, **extra)


def _executions(server: Server, workflow_id: str) -> list[dict[str, Any]]:
    r = server.client.get("/api/v1/executions", params={"workflowId": workflow_id})
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()["data"]
    return rows


def _finished(server: Server, workflow_id: str, count: int) -> list[dict[str, Any]]:
    def check() -> list[dict[str, Any]] | None:
        rows = [e for e in _executions(server, workflow_id) if e["finished"]]
        return rows if len(rows) >= count else None

    rows: list[dict[str, Any]] = server.wait_for(check, 60)
    return rows


def _fire(server: Server, path: str, order: int) -> None:
    r = server.client.post(f"/webhook/{path}", json={"order": order})
    assert r.status_code == 200, r.text


def test_a_failing_run_starts_its_error_workflow_once(server: Server) -> None:
    handler = server.create(_error_workflow("on error", _node("Seen", "noOp")))
    path = f"fails-{uuid.uuid4().hex[:8]}"
    failing = server.create(_failing(path, handler["id"]), activate=True)

    # A manual run fails too, but like n8n starts no error workflow.
    r = server.client.post(f"/api/v1/workflows/{failing['id']}/run", params={"wait": "true"})
    assert r.json()["status"] == "error"
    _fire(server, path, 7)

    [failed] = [e for e in _finished(server, failing["id"], 2) if e["mode"] == "webhook"]
    assert failed["status"] == "error"
    [run] = _finished(server, handler["id"], 1)
    assert (run["mode"], run["status"], run["parentExecutionId"]) == ("error", "success", None)

    r = server.client.get(f"/api/v1/executions/{run['id']}", params={"includeData": "true"})
    [item] = r.json()["runData"]["Seen"][0]["outputs"][0]
    execution = item["execution"]
    assert item["workflow"] == {"id": failing["id"], "name": f"failing {path}"}
    assert execution["id"] == failed["id"]
    assert execution["url"].endswith(f"/workflow/{failing['id']}/executions/{failed['id']}")
    assert execution["mode"] == "webhook"
    assert execution["lastNodeExecuted"] == "Explode"
    assert "retryOf" not in execution
    assert execution["error"]["message"] == "bad order 7"
    assert execution["error"]["node"]["name"] == "Explode"
    assert execution["error"]["node"]["type"] == "n8n-nodes-base.stopAndError"
    assert len(_executions(server, handler["id"])) == 1


def test_a_failing_error_workflow_starts_nothing_more(server: Server) -> None:
    # Fails itself, names itself as its error workflow and has an Error Trigger: a loop
    # waiting to happen if error runs could start error workflows.
    explode = _node("Explode Again", "stopAndError", errorMessage="handler broke")
    handler = server.create(_error_workflow("broken handler", explode))
    server.client.put(
        f"/api/v1/workflows/{handler['id']}",
        json={
            **_error_workflow("broken handler", explode),
            "settings": {"errorWorkflow": handler["id"]},
        },
    ).raise_for_status()
    path = f"fails-{uuid.uuid4().hex[:8]}"
    server.create(_failing(path, handler["id"]), activate=True)

    _fire(server, path, 1)
    [first] = _finished(server, handler["id"], 1)
    assert (first["mode"], first["status"]) == ("error", "error")
    # A second failure: by the time its error run is done, a loop from the first would
    # have started more runs than these two.
    _fire(server, path, 2)
    runs = _finished(server, handler["id"], 2)
    assert len(runs) == 2
    assert {(r["mode"], r["status"]) for r in runs} == {("error", "error")}
    assert len(_executions(server, handler["id"])) == 2


def test_executions_show_and_filter_by_parent(server: Server) -> None:
    store = Store.open_sync(sqlite_url(server.home / "hetumind.db"))
    try:
        parent = store.run_sync(store.executions.create(mode="manual", status="success"))
        child = store.run_sync(
            store.executions.create(
                mode="integrated", status="success", parent_execution_id=parent.id
            )
        )
    finally:
        store.close_sync()
    r = server.client.get(f"/api/v1/executions/{child.id}")
    assert r.json()["parentExecutionId"] == parent.id
    r = server.client.get("/api/v1/executions", params={"parentExecutionId": parent.id})
    assert [e["id"] for e in r.json()["data"]] == [child.id]
    assert server.client.get(f"/api/v1/executions/{parent.id}").json()["parentExecutionId"] is None
