"""What the non-OpenAI chat clients (Gemini, Anthropic) share: one guarded httpx client
per model, JSON posts with retries on 429 / 5xx (Retry-After honoured, capped), and the
provider's error text in a `ModelError`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from hetumind.ai.chat import ChatSettings
from hetumind.ai.errors import ModelError
from hetumind.capabilities import CapabilityDenied
from hetumind.http.client import guarded_async_client

__all__ = ["ProviderHttp"]

MAX_WAIT_S = 10.0


class ProviderHttp:
    """HTTP for one model sub-node's client: connects only where the network policy
    allows (server mode checks every connection's resolved address)."""

    def __init__(self, settings: ChatSettings, provider: str) -> None:
        import httpx

        self.settings = settings
        self.provider = provider
        guarded = guarded_async_client(settings.network, library="httpx", timeout=settings.timeout)
        self._client: Any = guarded or httpx.AsyncClient(timeout=settings.timeout)

    async def post(self, url: str, headers: Mapping[str, str], body: Any) -> dict[str, Any]:
        import httpx

        head = f"{self.provider} model {self.settings.model!r}"
        for attempt in range(max(0, self.settings.max_retries) + 1):
            try:
                response = await self._client.post(url, headers=dict(headers), json=body)
            except CapabilityDenied as exc:
                raise ModelError(f"{head}: {exc.message}") from None
            except httpx.HTTPError as exc:
                if attempt < self.settings.max_retries:
                    await asyncio.sleep(0.5 * 2**attempt)
                    continue
                raise ModelError(f"{head} at {url} failed: {type(exc).__name__}: {exc}") from None
            retry = response.status_code == 429 or response.status_code >= 500
            if retry and attempt < self.settings.max_retries:
                await asyncio.sleep(_wait(response.headers.get("retry-after"), attempt))
                continue
            try:
                parsed = response.json()
            except (json.JSONDecodeError, ValueError):
                parsed = None
            if response.status_code >= 400:
                problem = _message(parsed, response.text)
                raise ModelError(f"{head} answered HTTP {response.status_code}: {problem}")
            if not isinstance(parsed, dict):
                raise ModelError(f"{head} answered with no JSON object: {response.text[:200]}")
            return parsed
        raise ModelError(f"{head}: no answer after retries")  # pragma: no cover

    async def aclose(self) -> None:
        await self._client.aclose()


def _wait(header: str | None, attempt: int) -> float:
    try:
        return min(MAX_WAIT_S, max(0.0, float(header or "")))
    except ValueError:
        return min(MAX_WAIT_S, 0.5 * 2**attempt)


def _message(parsed: Any, text: str) -> str:
    """The provider's own error text: Gemini and Anthropic both answer
    `{"error": {"message": ...}}` (Anthropic adds `type`, Gemini `status`)."""
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and error.get("message"):
        kind = error.get("type") or error.get("status")
        return f"{error['message']} ({kind})" if kind else str(error["message"])
    return text[:300]
