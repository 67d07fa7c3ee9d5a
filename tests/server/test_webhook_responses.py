"""What a workflow's webhook answer may contain, over real HTTP: binary files (Respond to
Webhook `binary`, Webhook lastNode `firstEntryBinary`) and the guards on the web app's
origin: HTML and SVG answers run in a CSP sandbox (an opaque origin: no CSRF cookie, no
same-origin API calls), the server's own cookies cannot be set, and nothing is sniffed."""

from __future__ import annotations

import itertools
from typing import Any

from serve_app.webhook_http import SANDBOX_CSP
from tests.server.helpers import Server

HOOK = "n8n-nodes-base.webhook"


def _chain(name: str, *nodes: dict[str, Any]) -> dict[str, Any]:
    names = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(names)
    }
    return {"name": name, "nodes": list(nodes), "connections": connections}


def _hook(path: str, mode: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Hook",
        "type": HOOK,
        "typeVersion": 2,
        "parameters": {"httpMethod": "GET", "path": path, "responseMode": mode, **extra},
    }


def _respond(**parameters: Any) -> dict[str, Any]:
    return {
        "name": "Respond",
        "type": "n8n-nodes-base.respondToWebhook",
        "typeVersion": 1.1,
        "parameters": parameters,
    }


TO_FILE = {
    "name": "To File",
    "type": "n8n-nodes-base.convertToFile",
    "typeVersion": 1.1,
    "parameters": {
        "operation": "toText",
        "sourceProperty": "query.text",
        "options": {"fileName": "note.txt"},
    },
}


def test_html_answers_are_sandboxed_and_json_ones_are_not(server: Server) -> None:
    respond = _respond(
        respondWith="text",
        responseBody="=<script>document.title={{ JSON.stringify($json.query.q) }}</script>",
        options={"responseHeaders": {"entries": [{"name": "content-type", "value": "text/html"}]}},
    )
    server.create(
        _chain("html answer", _hook("html-answer", "responseNode"), respond), activate=True
    )
    r = server.client.get("/webhook/html-answer", params={"q": "hi"})
    assert r.status_code == 200 and r.text.startswith("<script>")
    assert r.headers["content-type"].startswith("text/html")
    assert SANDBOX_CSP in r.headers.get_list("content-security-policy")
    assert "allow-same-origin" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"

    plain = _respond(respondWith="json", responseBody='={"ok": true}')
    server.create(_chain("json answer", _hook("json-answer", "responseNode"), plain), activate=True)
    r = server.client.get("/webhook/json-answer")
    assert r.json() == {"ok": True} and "content-security-policy" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_workflow_cannot_set_the_servers_cookies(server: Server) -> None:
    cookies = [
        {"name": "set-cookie", "value": "hetumind_session=attacker; Path=/"},
    ]
    respond = _respond(respondWith="noData", options={"responseHeaders": {"entries": cookies}})
    server.create(_chain("cookie", _hook("cookie-answer", "responseNode"), respond), activate=True)
    r = server.client.get("/webhook/cookie-answer")
    assert r.status_code == 200
    assert "set-cookie" not in r.headers


def test_respond_to_webhook_answers_a_binary_file(server: Server) -> None:
    respond = _respond(respondWith="binary")
    doc = _chain("binary answer", _hook("binary-answer", "responseNode"), TO_FILE, respond)
    server.create(doc, activate=True)
    r = server.client.get("/webhook/binary-answer", params={"text": "héllo, file"})
    assert r.status_code == 200, r.text
    assert r.content == "héllo, file".encode()
    assert r.headers["content-type"].startswith("text/plain")

    named = _respond(respondWith="binary", responseDataSource="set", inputFieldName="other")
    doc = _chain("binary missing", _hook("binary-missing", "responseNode"), TO_FILE, named)
    server.create(doc, activate=True)
    r = server.client.get("/webhook/binary-missing", params={"text": "x"})
    assert r.status_code == 500
    assert "binary file 'other', but none was found" in r.json()["error"]["message"]


def test_last_node_first_entry_binary(server: Server) -> None:
    hook = _hook("last-binary", "lastNode", responseData="firstEntryBinary")
    server.create(_chain("last binary", hook, TO_FILE), activate=True)
    r = server.client.get("/webhook/last-binary", params={"text": "from the last node"})
    assert r.status_code == 200, r.text
    assert r.content == b"from the last node"

    hook = _hook("last-no-binary", "lastNode", responseData="firstEntryBinary")
    server.create(_chain("last no binary", hook), activate=True)
    r = server.client.get("/webhook/last-no-binary")
    assert r.status_code == 500
    error = r.json()["error"]
    assert "No binary data property 'data'" in error["message"]
    assert error["details"]["node"] == "Hook"
