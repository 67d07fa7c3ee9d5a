"""/webhook and /webhook-test in every response mode, over real HTTP."""

from __future__ import annotations

import pytest

from tests.server.helpers import Server, webhook_workflow

pytestmark = pytest.mark.slow


def test_last_node_mode_answers_with_first_item(server: Server) -> None:
    server.create(webhook_workflow("hello", "lastNode"), activate=True)
    r = server.client.post("/webhook/hello?q=x", json={"name": "Ada"})
    assert r.status_code == 200, r.text
    assert r.json() == {"greeting": "Hello Ada", "q": "x"}


def test_last_node_all_entries_code_and_headers(server: Server) -> None:
    extra = {
        "responseData": "allEntries",
        "responseCode": 201,
        "options": {"responseHeaders": {"entries": [{"name": "x-hetu", "value": "yes"}]}},
    }
    server.create(webhook_workflow("all-entries", "lastNode", extra=extra), activate=True)
    r = server.client.post("/webhook/all-entries", json={"name": "Bo"})
    assert r.status_code == 201 and r.headers["x-hetu"] == "yes"
    assert r.json() == [{"greeting": "Hello Bo", "q": None}]


def test_on_received_answers_at_once_and_runs_anyway(server: Server) -> None:
    wf = server.create(webhook_workflow("fire", "onReceived"), activate=True)
    r = server.client.post("/webhook/fire", json={"name": "Cy"})
    assert r.status_code == 200 and r.json() == {"message": "Workflow was started"}

    def stored() -> list:
        rows = server.client.get("/api/v1/executions", params={"workflowId": wf["id"]})
        return [e for e in rows.json()["data"] if e["finished"]]

    done = server.wait_for(stored)
    assert done[0]["mode"] == "webhook" and done[0]["status"] == "success"
    data = server.client.get(
        f"/api/v1/executions/{done[0]['id']}", params={"includeData": "true"}
    ).json()
    item = data["runData"]["Webhook"][0]["outputs"][0][0]
    assert set(item) >= {"headers", "params", "query", "body"}
    assert item["body"] == {"name": "Cy"}
    assert data["runData"]["Set"][0]["outputs"] == [[{"greeting": "Hello Cy", "q": None}]]


@pytest.mark.parametrize(
    ("respond", "status", "content_type", "expected"),
    [
        (
            {"respondWith": "firstIncomingItem", "options": {}},
            200,
            "application/json",
            {"greeting": "Hello Di", "q": None},
        ),
        (
            {"respondWith": "allIncomingItems", "options": {"responseKey": "items"}},
            200,
            "application/json",
            {"items": [{"greeting": "Hello Di", "q": None}]},
        ),
        (
            {
                "respondWith": "json",
                "responseBody": '={"who": "{{ $json.greeting }}"}',
                "options": {"responseCode": 202},
            },
            202,
            "application/json",
            {"who": "Hello Di"},
        ),
        (
            {
                "respondWith": "text",
                "responseBody": "=plain {{ $json.greeting }}",
                "options": {"responseHeaders": {"entries": [{"name": "x-a", "value": "1"}]}},
            },
            200,
            "text/plain",
            "plain Hello Di",
        ),
        ({"respondWith": "noData", "options": {"responseCode": 204}}, 204, None, None),
    ],
)
def test_response_node_modes(
    server: Server, respond: dict, status: int, content_type: str | None, expected: object
) -> None:
    path = f"respond-{respond['respondWith']}"
    server.create(webhook_workflow(path, "responseNode", respond=respond), activate=True)
    r = server.client.post(f"/webhook/{path}", json={"name": "Di"})
    assert r.status_code == status, r.text
    if content_type is None:
        assert r.content == b""
        return
    assert r.headers["content-type"].startswith(content_type)
    if content_type == "application/json":
        assert r.json() == expected
    else:
        assert r.text == expected and r.headers["x-a"] == "1"


def test_test_webhook_runs_latest_saved_version_without_activation(server: Server) -> None:
    wf = server.create(webhook_workflow("draft", "lastNode"))
    assert server.client.post("/webhook/draft", json={"name": "Ed"}).status_code == 404
    r = server.client.post("/webhook-test/draft", json={"name": "Ed"})
    assert r.status_code == 200 and r.json()["greeting"] == "Hello Ed"
    changed = webhook_workflow("draft", "lastNode")
    changed["nodes"][1]["parameters"]["assignments"]["assignments"][0]["value"] = (
        "=Hi {{ $json.body.name }}"
    )
    assert server.client.put(f"/api/v1/workflows/{wf['id']}", json=changed).status_code == 200
    assert (
        server.client.post("/webhook-test/draft", json={"name": "Ed"}).json()["greeting"] == "Hi Ed"
    )


def test_deactivation_unregisters_and_method_and_path_params(server: Server) -> None:
    wf = server.create(webhook_workflow("users/:id", "lastNode", method="GET"), activate=True)
    r = server.client.get("/webhook/users/42")
    assert r.status_code == 200, r.text
    assert server.client.post("/webhook/users/42").status_code == 404
    off = server.client.post(f"/api/v1/workflows/{wf['id']}/deactivate")
    assert off.status_code == 200 and off.json()["active"] is False
    server.wait_for(lambda: server.client.get("/webhook/users/42").status_code == 404)


def test_webhook_bad_input_is_4xx(server: Server) -> None:
    server.create(webhook_workflow("strict", "lastNode"), activate=True)
    r = server.client.post(
        "/webhook/strict", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    r = server.client.post(
        "/webhook/strict", content=b"x" * 70_000, headers={"content-type": "text/plain"}
    )
    assert r.status_code == 413
    # no path, or only slashes and whitespace: no webhook is registered there (n8n: 404)
    assert server.client.post("/webhook/").status_code == 404
    assert server.client.post("/webhook/%0D").status_code == 404
