"""Hetumind sends what n8n sends: the requests n8n 1.123 made to the fake Telegram Bot API
for recorded/telegram_workflow.json (recorded/telegram_n8n_requests.json, written by
recorded/record_n8n_requests.py) against those Hetumind makes for the same workflow."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hetumind.credentials import get_credential_resolver, set_credential_resolver
from hetumind.engine import run_workflow
from tests.fakes._base import serving
from tests.fakes.fake_telegram import TOKEN, FakeTelegram
from tests.integrations.recorded.record_n8n_requests import requests_seen

RECORDED = Path(__file__).parent / "recorded"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with serving(FakeTelegram()) as fake:
        yield fake


def test_telegram_requests_match_n8ns(telegram: FakeTelegram) -> None:
    def resolve(kind: str, ref: Mapping[str, Any]) -> dict[str, Any] | None:
        if kind == "telegramApi" and ref.get("id") == "tgFakeCred01":
            return {"accessToken": TOKEN, "baseUrl": telegram.url}
        return None

    before = get_credential_resolver()
    set_credential_resolver(resolve)
    try:
        workflow = json.loads((RECORDED / "telegram_workflow.json").read_text())
        result = run_workflow(workflow, backend="inline").to_json()
    finally:
        set_credential_resolver(before)
    assert result["status"] == "success", result["error"]
    n8n = json.loads((RECORDED / "telegram_n8n_requests.json").read_text())
    assert len(n8n) == 6  # one call per Telegram node
    assert requests_seen(telegram) == n8n
