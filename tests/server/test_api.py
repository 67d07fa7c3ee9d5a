"""The REST API over real HTTP: CRUD, validation errors, runs, executions, credentials."""

from __future__ import annotations

import copy

import pytest

from tests.server.helpers import Server, manual_workflow, webhook_workflow

pytestmark = pytest.mark.slow


def test_health_docs_and_openapi(server: Server) -> None:
    assert server.client.get("/healthz").json()["status"] == "ok"
    spec = server.client.get("/openapi.json").json()
    assert "/api/v1/workflows/{workflow_id}/run" in spec["paths"]
    assert "swagger" in server.client.get("/docs").text.lower()


def test_workflow_crud_versions_and_pagination(server: Server) -> None:
    c = server.client
    created = server.create({**manual_workflow("crud one"), "tags": [{"name": "crud"}]})
    wf_id = created["id"]
    assert created["versionId"] == "1" and created["tags"][0]["name"] == "crud"
    assert c.get(f"/api/v1/workflows/{wf_id}").json()["name"] == "crud one"

    changed = copy.deepcopy(manual_workflow("crud renamed"))
    r = c.put(f"/api/v1/workflows/{wf_id}", json=changed)
    assert r.status_code == 200 and r.json()["versionId"] == "2"
    versions = c.get(f"/api/v1/workflows/{wf_id}/versions").json()["data"]
    assert [v["versionId"] for v in versions] == ["2", "1"]
    assert versions[1]["name"] == "crud one"

    for i in range(3):
        server.create(manual_workflow(f"crud page {i}"))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "name": "crud page", **({"cursor": cursor} if cursor else {})}
        page = c.get("/api/v1/workflows", params=params).json()
        assert len(page["data"]) <= 2
        seen += [w["name"] for w in page["data"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == ["crud page 0", "crud page 1", "crud page 2"]

    assert c.delete(f"/api/v1/workflows/{wf_id}").status_code == 200
    r = c.get(f"/api/v1/workflows/{wf_id}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_invalid_workflow_is_422_naming_every_problem_and_writes_nothing(server: Server) -> None:
    c = server.client
    before = len(c.get("/api/v1/workflows", params={"limit": 250}).json()["data"])
    bad = manual_workflow("bad")
    bad["nodes"].append({"name": "Mystery", "type": "n8n-nodes-base.nope", "typeVersion": 1})
    bad["nodes"].append({"name": "Other", "type": "n8n-nodes-base.alsoNope", "typeVersion": 1})
    r = c.post("/api/v1/workflows", json=bad)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "workflow_invalid"
    assert {d["node"] for d in error["details"]} >= {"Mystery", "Other"}
    assert all("text" in d for d in error["details"])
    assert len(c.get("/api/v1/workflows", params={"limit": 250}).json()["data"]) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/api/v1/workflows", b"{not json", 400, "bad_request"),
        ("POST", "/api/v1/workflows", b"[1, 2]", 422, "invalid"),
        ("GET", "/api/v1/workflows/nope", None, 404, "not_found"),
        ("GET", "/api/v1/executions/nope", None, 404, "not_found"),
        ("GET", "/api/v1/workflows?limit=0", None, 400, "bad_request"),
        ("GET", "/api/v1/workflows?cursor=%%%", None, 400, "bad_request"),
        ("GET", "/api/v1/executions?status=bogus", None, 400, "bad_request"),
        ("GET", "/api/v1/executions?startedAfter=yesterday", None, 400, "bad_request"),
        (
            "POST",
            "/api/v1/workflows",
            b"{" + b'"a": "' + b"x" * 70_000 + b'"}',
            413,
            "payload_too_large",
        ),
    ],
)
def test_bad_requests_get_json_errors(
    server: Server, method: str, path: str, body: bytes | None, status: int, code: str
) -> None:
    r = server.client.request(
        method, path, content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]


def test_run_with_wait_returns_run_json_shape_and_is_stored(server: Server) -> None:
    c = server.client
    wf = server.create(manual_workflow("runner"))
    r = c.post(
        f"/api/v1/workflows/{wf['id']}/run", params={"wait": "true"}, json=[{"n": 2}, {"n": 5}]
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["lastNodeExecuted"] == "Double"
    assert body["runData"]["Double"][0]["outputs"] == [
        [{"n": 2, "double": 4}, {"n": 5, "double": 10}]
    ]
    stored = c.get(
        f"/api/v1/executions/{body['executionId']}", params={"includeData": "true"}
    ).json()
    assert stored["status"] == "success" and stored["workflowId"] == wf["id"]
    assert stored["runData"]["Double"][0]["outputs"] == body["runData"]["Double"][0]["outputs"]
    listed = c.get("/api/v1/executions", params={"workflowId": wf["id"]}).json()["data"]
    assert [e["id"] for e in listed] == [body["executionId"]]


def test_run_without_wait_is_202_then_retry_and_delete(server: Server) -> None:
    c = server.client
    wf = server.create(manual_workflow("async runner"))
    r = c.post(f"/api/v1/workflows/{wf['id']}/run", json={"n": 1})
    assert r.status_code == 202
    execution_id = r.json()["executionId"]
    assert c.get(f"/api/v1/executions/{execution_id}").status_code == 200
    done = server.wait_for(lambda: c.get(f"/api/v1/executions/{execution_id}").json()["finished"])
    assert done
    retry = c.post(f"/api/v1/executions/{execution_id}/retry", params={"wait": "true"})
    assert retry.status_code == 200, retry.text
    assert retry.json()["runData"]["Double"][0]["outputs"] == [[{"n": 1, "double": 2}]]
    again = c.get(f"/api/v1/executions/{retry.json()['executionId']}").json()
    assert again["retryOf"] == execution_id and again["mode"] == "retry"
    assert c.post(f"/api/v1/executions/{execution_id}/stop").status_code == 409
    assert c.delete(f"/api/v1/executions/{execution_id}").status_code == 200
    assert c.get(f"/api/v1/executions/{execution_id}").status_code == 404


def test_run_input_must_be_objects(server: Server) -> None:
    wf = server.create(manual_workflow("strict input"))
    r = server.client.post(f"/api/v1/workflows/{wf['id']}/run", json=[{"n": 1}, 7])
    assert r.status_code == 422 and "[1]" in r.json()["error"]["message"]


def test_execution_filters_by_status_and_time(server: Server) -> None:
    c = server.client
    wf = server.create(manual_workflow("filtered"))
    ok = c.post(f"/api/v1/workflows/{wf['id']}/run?wait=true", json={"n": 1}).json()
    rows = c.get("/api/v1/executions", params={"workflowId": wf["id"], "status": "error"})
    assert rows.json()["data"] == []
    rows = c.get(
        "/api/v1/executions",
        params={"workflowId": wf["id"], "startedAfter": "2000-01-01T00:00:00Z"},
    )
    assert [e["id"] for e in rows.json()["data"]] == [ok["executionId"]]
    rows = c.get(
        "/api/v1/executions",
        params={"workflowId": wf["id"], "startedBefore": "2000-01-01T00:00:00Z"},
    )
    assert rows.json()["data"] == []


def test_credentials_secrets_are_write_only(server: Server) -> None:
    c = server.client
    r = c.post(
        "/api/v1/credentials",
        json={
            "name": "api",
            "type": "httpHeaderAuth",
            "data": {"name": "X-Key", "value": "s3cret"},
        },
    )
    assert r.status_code == 201, r.text
    cred = r.json()
    assert "s3cret" not in r.text
    assert "s3cret" not in c.get(f"/api/v1/credentials/{cred['id']}").text
    assert "s3cret" not in c.get("/api/v1/credentials").text
    r = c.patch(f"/api/v1/credentials/{cred['id']}", json={"name": "api 2"})
    assert r.status_code == 200 and r.json()["name"] == "api 2"
    bad = c.post("/api/v1/credentials", json={"name": "x", "type": "httpHeaderAuth", "data": {}})
    assert bad.status_code == 422
    assert c.delete(f"/api/v1/credentials/{cred['id']}").status_code == 200
    assert c.get(f"/api/v1/credentials/{cred['id']}").status_code == 404


def test_duplicate_webhook_path_is_409_and_leaves_nothing(server: Server) -> None:
    c = server.client
    server.create(webhook_workflow("dup-path"), activate=True)
    second = server.create(webhook_workflow("dup-path"))
    r = c.post(f"/api/v1/workflows/{second['id']}/activate")
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert c.get(f"/api/v1/workflows/{second['id']}").json()["active"] is False
    # importing an active workflow that clashes leaves no row behind either
    before = len(c.get("/api/v1/workflows", params={"limit": 250}).json()["data"])
    r = c.post("/api/v1/workflows", json={**webhook_workflow("dup-path"), "active": True})
    assert r.status_code == 409
    assert len(c.get("/api/v1/workflows", params={"limit": 250}).json()["data"]) == before


def looping_workflow() -> dict:
    """One Ray task per item, one after another: long enough to be stopped."""
    return {
        "name": "long loop",
        "settings": {"backend": "ray"},
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            {
                "name": "Loop",
                "type": "n8n-nodes-base.splitInBatches",
                "typeVersion": 3,
                "parameters": {"batchSize": 1},
            },
            {"name": "Body", "type": "n8n-nodes-base.noOp", "typeVersion": 1},
        ],
        "connections": {
            "Start": {"main": [[{"node": "Loop", "type": "main", "index": 0}]]},
            "Loop": {"main": [[], [{"node": "Body", "type": "main", "index": 0}]]},
            "Body": {"main": [[{"node": "Loop", "type": "main", "index": 0}]]},
        },
    }


def test_stop_ends_a_running_execution_as_canceled(server: Server) -> None:
    c = server.client
    wf = server.create(looping_workflow())
    r = c.post(f"/api/v1/workflows/{wf['id']}/run", json=[{"i": i} for i in range(3000)])
    assert r.status_code == 202
    execution_id = r.json()["executionId"]
    server.wait_for(
        lambda: c.get(f"/api/v1/executions/{execution_id}").json()["status"] == "running"
    )
    stop = c.post(f"/api/v1/executions/{execution_id}/stop")  # either replica may get it
    assert stop.status_code == 200 and stop.json()["stopping"] is True
    # It ends once its checkpoints are written: one per loop pass so far, which takes a
    # while on a loaded machine.
    done = server.wait_for(
        lambda: (e := c.get(f"/api/v1/executions/{execution_id}").json())["finished"] and e,
        timeout=120,
    )
    assert done["status"] == "canceled"
    assert done["error"] == {"message": "execution was stopped"}
    assert c.delete(f"/api/v1/executions/{execution_id}").status_code == 200
