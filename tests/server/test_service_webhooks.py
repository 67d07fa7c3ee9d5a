"""Service webhook triggers on the real server (hetumind.nodes.service_webhooks), with the
Telegram Trigger against the fake Bot API: activation registers the node's URL and a
secret, calls without the secret are refused before anything runs, an update starts an
execution with the update as its item, deactivation removes the webhook."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes._base import serving
from tests.fakes.fake_telegram import TOKEN, FakeTelegram
from tests.server.helpers import Server

pytestmark = pytest.mark.slow


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with serving(FakeTelegram()) as fake:
        fake.allow_http_webhooks = True  # the test server is plain HTTP on loopback
        yield fake


def test_telegram_trigger_registers_verifies_and_runs(
    server: Server, telegram: FakeTelegram
) -> None:
    c = server.client
    credential = c.post(
        "/api/v1/credentials",
        json={
            "name": f"bot {uuid.uuid4().hex[:6]}",
            "type": "telegramApi",
            "data": {"accessToken": TOKEN, "baseUrl": telegram.url},
        },
    )
    assert credential.status_code == 201, credential.text
    hook_id = str(uuid.uuid4())
    wf = server.create(
        {
            "name": "bot updates",
            "nodes": [
                {
                    "name": "Updates",
                    "type": "n8n-nodes-base.telegramTrigger",
                    "typeVersion": 1.1,
                    "webhookId": hook_id,
                    "parameters": {"updates": ["message"]},
                    "credentials": {"telegramApi": {"id": credential.json()["id"]}},
                },
                {"name": "Pass", "type": "n8n-nodes-base.noOp", "typeVersion": 1},
            ],
            "connections": {"Updates": {"main": [[{"node": "Pass", "type": "main", "index": 0}]]}},
        }
    )
    assert c.post(f"/api/v1/workflows/{wf['id']}/activate").status_code == 200
    assert telegram.webhook is not None
    assert telegram.webhook["url"].endswith(f"/webhook/{hook_id}/webhook")
    assert telegram.webhook["allowed_updates"] == ["message"]
    secret = telegram.webhook["secret_token"]

    update: dict[str, Any] = {"update_id": 7, "message": {"message_id": 1, "text": "hi"}}
    path = f"/webhook/{hook_id}/webhook"
    refused = c.post(path, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert refused.status_code == 403
    assert "Provided secret is not valid" in refused.text
    accepted = c.post(path, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
    assert accepted.status_code == 200, accepted.text

    def finished() -> list[dict[str, Any]]:
        rows = c.get("/api/v1/executions", params={"workflowId": wf["id"]}).json()["data"]
        return rows if rows and all(e["finished"] for e in rows) else []

    (run,) = server.wait_for(finished)  # the refused call started nothing
    data = c.get(f"/api/v1/executions/{run['id']}", params={"includeData": "true"}).json()
    assert data["runData"]["Pass"][0]["outputs"][0] == [update]

    assert c.post(f"/api/v1/workflows/{wf['id']}/deactivate").status_code == 200
    assert telegram.webhook is None
    assert (
        c.post(path, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}).status_code
        == 404
    )


def test_activation_fails_when_the_service_refuses(server: Server, telegram: FakeTelegram) -> None:
    c = server.client
    credential = c.post(
        "/api/v1/credentials",
        json={
            "name": f"bad bot {uuid.uuid4().hex[:6]}",
            "type": "telegramApi",
            "data": {"accessToken": "1:wrong", "baseUrl": telegram.url},
        },
    ).json()
    wf = server.create(
        {
            "name": "bot with a wrong token",
            "nodes": [
                {
                    "name": "Updates",
                    "type": "n8n-nodes-base.telegramTrigger",
                    "typeVersion": 1.1,
                    "webhookId": str(uuid.uuid4()),
                    "parameters": {"updates": ["*"]},
                    "credentials": {"telegramApi": {"id": credential["id"]}},
                }
            ],
            "connections": {},
        }
    )
    answer = c.post(f"/api/v1/workflows/{wf['id']}/activate")
    assert answer.status_code == 400
    assert "could not register the webhook of node 'Updates'" in answer.text
    assert c.get(f"/api/v1/workflows/{wf['id']}").json()["active"] is False
