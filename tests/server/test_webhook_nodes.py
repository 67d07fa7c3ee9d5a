"""Webhook and Respond to Webhook as nodes (no server): items and computed responses."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.engine.events import Event
from hetumind.nodes.builtin.webhook import RESPONSE_KEY, WebhookResponse, webhook_methods

REQUEST = {"headers": {"x": "1"}, "params": {}, "query": {"q": "a"}, "body": {"name": "Ada"}}


def respond_workflow(respond: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodes": [
            {
                "name": "Webhook",
                "type": "n8n-nodes-base.webhook",
                "typeVersion": 2,
                "parameters": {"path": "p", "responseMode": "responseNode"},
            },
            {
                "name": "Respond",
                "type": "n8n-nodes-base.respondToWebhook",
                "typeVersion": 1.1,
                "parameters": respond,
            },
        ],
        "connections": {"Webhook": {"main": [[{"node": "Respond", "type": "main", "index": 0}]]}},
    }


class Catch:
    def __init__(self) -> None:
        self.responses: list[dict[str, Any]] = []

    def on_event(self, event: Event) -> None:
        extra = getattr(getattr(event, "meta", None), "extra", {})
        if RESPONSE_KEY in extra:
            self.responses.append(extra[RESPONSE_KEY])


def respond(params: dict[str, Any], backend: str = "inline") -> tuple[Any, WebhookResponse]:
    catch = Catch()
    result = run_workflow(
        respond_workflow(params), backend=backend, input_items=[REQUEST], listeners=[catch]
    )
    assert len(catch.responses) <= 1
    return result, WebhookResponse.from_dict(catch.responses[0]) if catch.responses else None


def test_webhook_node_passes_the_request_item(backend: str) -> None:
    result, response = respond({"respondWith": "firstIncomingItem"}, backend)
    assert result.outputs("Webhook") == [[REQUEST]]
    assert result.outputs("Respond") == [[REQUEST]]  # Respond passes its items on
    assert response == WebhookResponse(200, {}, REQUEST)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"respondWith": "allIncomingItems", "options": {"responseKey": "data"}},
            WebhookResponse(200, {}, {"data": [REQUEST]}),
        ),
        (
            {
                "respondWith": "json",
                "responseBody": '={"n": "{{ $json.body.name }}"}',
                "options": {"responseCode": 201},
            },
            WebhookResponse(201, {}, {"n": "Ada"}),
        ),
        (
            {"respondWith": "text", "responseBody": "=hi {{ $json.query.q }}"},
            WebhookResponse(200, {"content-type": "text/plain; charset=utf-8"}, "hi a", "text"),
        ),
        (
            {
                "respondWith": "noData",
                "options": {"responseHeaders": {"entries": [{"name": "x-k", "value": "v"}]}},
            },
            WebhookResponse(200, {"x-k": "v"}, None, "empty"),
        ),
        (
            {"respondWith": "redirect", "redirectURL": "https://example.org"},
            WebhookResponse(307, {"location": "https://example.org"}, None, "empty"),
        ),
    ],
)
def test_respond_modes(params: dict[str, Any], expected: WebhookResponse) -> None:
    result, response = respond(params)
    assert result.ok and response == expected


def test_respond_bad_json_body_fails_the_node_with_a_clear_message() -> None:
    result, response = respond({"respondWith": "json", "responseBody": "{nope"})
    assert result.status == "error" and response is None
    assert "Invalid JSON in 'Response Body'" in result.error["message"]
    assert result.error["node"] == "Respond"


def test_webhook_methods() -> None:
    assert webhook_methods({}) == ["GET"]
    assert webhook_methods({"httpMethod": ["post", "PUT"]}) == ["POST", "PUT"]
