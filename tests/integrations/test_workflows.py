"""SaaS nodes inside workflows shaped as n8n exports them, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.engine import run_workflow
from tests.fakes._base import serving
from tests.fakes.fake_telegram import TOKEN, FakeTelegram


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with serving(FakeTelegram()) as fake:
        yield fake


def export(fake: FakeTelegram, token: str, chat: str = "42") -> dict[str, Any]:
    """What n8n exports for Manual Trigger -> Telegram (the credential inline: a Hetumind
    extension for stand-alone runs)."""
    return {
        "name": "notify",
        "nodes": [
            {
                "id": "1",
                "name": "When clicking",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            },
            {
                "id": "2",
                "name": "Telegram",
                "type": "n8n-nodes-base.telegram",
                "typeVersion": 1.2,
                "position": [200, 0],
                "parameters": {
                    "chatId": chat,
                    "text": "={{ 'run ' + $execution.id }}",
                    "additionalFields": {},
                },
                "credentials": {
                    "telegramApi": {
                        "id": "t1",
                        "name": "Bot",
                        "data": {"accessToken": token, "baseUrl": fake.url},
                    }
                },
                "webhookId": "00000000-0000-0000-0000-000000000000",
            },
        ],
        "connections": {
            "When clicking": {"main": [[{"node": "Telegram", "type": "main", "index": 0}]]}
        },
    }


def test_an_exported_telegram_workflow_runs(telegram: FakeTelegram, backend: str) -> None:
    result = run_workflow(export(telegram, TOKEN), backend=backend).to_json()
    assert result["status"] == "success", result
    (item,) = result["runData"]["Telegram"][0]["outputs"][0]
    assert item["ok"] is True and item["result"]["text"] == f"run {result['executionId']}"


def test_a_refused_token_fails_the_run_with_n8ns_message(
    telegram: FakeTelegram, backend: str
) -> None:
    result = run_workflow(export(telegram, "0:bad"), backend=backend).to_json()
    assert result["status"] == "error"
    assert result["error"]["node"] == "Telegram"
    assert result["error"]["message"] == "Authorization failed - please check your credentials"
