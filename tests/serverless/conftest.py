"""Serverless fixtures: bundled workflows, a fresh handler state per test, and the store's
PostgreSQL / moto S3 fixtures reused from tests/store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.store.conftest import pg_database, pg_scratch, s3_endpoint, s3_env  # noqa: F401


def webhook_node(path: str, **params: Any) -> dict[str, Any]:
    return {
        "id": "w",
        "name": "Webhook",
        "type": "n8n-nodes-base.webhook",
        "typeVersion": 2,
        "position": [0, 0],
        "parameters": {"path": path, **params},
    }


def set_node() -> dict[str, Any]:
    return {
        "id": "s",
        "name": "Set",
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.4,
        "position": [200, 0],
        "parameters": {
            "assignments": {
                "assignments": [
                    {
                        "id": "a",
                        "name": "greeting",
                        "type": "string",
                        "value": "=hello {{ $json.body.name }}",
                    }
                ]
            }
        },
    }


def chain(name: str, first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": name,
        "name": name,
        "nodes": [first, second],
        "connections": {
            first["name"]: {"main": [[{"node": second["name"], "type": "main", "index": 0}]]}
        },
    }


WORKFLOWS = [
    chain("greet", webhook_node("greet", httpMethod="POST", responseMode="lastNode"), set_node()),
    chain("ack", webhook_node("ack", httpMethod="POST", responseMode="onReceived"), set_node()),
    chain(
        "file",
        webhook_node(
            "file", httpMethod="GET", responseMode="lastNode", responseData="firstEntryBinary"
        ),
        {
            "id": "c",
            "name": "Convert",
            "type": "n8n-nodes-base.convertToFile",
            "typeVersion": 1.1,
            "position": [200, 0],
            "parameters": {"operation": "csv"},
        },
    ),
    chain(
        "secret",
        webhook_node(
            "secret", httpMethod="GET", responseMode="lastNode", authentication="headerAuth"
        ),
        set_node(),
    ),
]


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "workflows"
    folder.mkdir()
    for wf in WORKFLOWS:
        (folder / f"{wf['id']}.json").write_text(json.dumps(wf))
    monkeypatch.setenv("HETUMIND_WORKFLOWS", str(folder))
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HETUMIND_DATABASE_URL", raising=False)
    from hetumind.serverless import _handler

    _handler._STATE.clear()
    yield folder
    store = _handler._STATE.get("store")
    if store is not None:
        store.close_sync()
    _handler._STATE.clear()
