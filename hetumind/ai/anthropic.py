"""Anthropic's Messages API as a `ChatModel` (n8n's lmChatAnthropic).

Translated from OpenAI's shapes (https://docs.anthropic.com/en/api/messages): system
messages go in the top-level `system`, assistant tool calls become `tool_use` blocks,
tool results `tool_result` blocks in the next user turn, tools `{name, description,
input_schema}`; `max_tokens` is required. Headers: `x-api-key`, `anthropic-version`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from hetumind.ai.chat import ChatResult, ChatSettings, ToolCall, Usage
from hetumind.ai.provider_http import ProviderHttp
from hetumind.observability import metrics

__all__ = [
    "ANTHROPIC_URL",
    "ANTHROPIC_VERSION",
    "AnthropicChatModel",
    "anthropic_request",
    "parse_anthropic",
]

ANTHROPIC_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
"""n8n's `maxTokensToSample` default."""
Message = dict[str, Any]


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, list):
        blocks: list[dict[str, Any]] = []
        for part in content:
            if part.get("type") == "text":
                blocks.append({"type": "text", "text": str(part.get("text", ""))})
            elif part.get("type") == "image_url":
                url = str((part.get("image_url") or {}).get("url", ""))
                if url.startswith("data:") and ";base64," in url:
                    mime, data = url[5:].split(";base64,", 1)
                    source = {"type": "base64", "media_type": mime, "data": data}
                else:
                    source = {"type": "url", "url": url}
                blocks.append({"type": "image", "source": source})
        return blocks
    return [{"type": "text", "text": str(content or "")}]


def anthropic_request(
    settings: ChatSettings,
    messages: Sequence[Message],
    tools: Sequence[Mapping[str, Any]] | None,
    tool_choice: str | None,
    top_k: int | None = None,
) -> dict[str, Any]:
    system: list[str] = []
    turns: list[dict[str, Any]] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        # the API wants user and assistant turns to alternate: merge neighbours
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})

    for m in messages:
        role = m.get("role")
        if role == "system":
            system.append(str(m.get("content") or ""))
        elif role == "assistant":
            blocks = [{"type": "text", "text": m["content"]}] if m.get("content") else []
            for call in m.get("tool_calls") or []:
                function = call.get("function") or {}
                try:
                    args = json.loads(function.get("arguments") or "{}")
                except json.JSONDecodeError:
                    args = {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call.get("id"),
                        "name": function.get("name"),
                        "input": args if isinstance(args, dict) else {},
                    }
                )
            add("assistant", blocks or [{"type": "text", "text": " "}])
        elif role == "tool":
            result = {
                "type": "tool_result",
                "tool_use_id": m.get("tool_call_id"),
                "content": str(m.get("content") or ""),
            }
            add("user", [result])
        else:
            add("user", _blocks(m.get("content")))
    body: dict[str, Any] = {
        "model": settings.model,
        "max_tokens": settings.max_tokens or DEFAULT_MAX_TOKENS,
        "messages": turns,
    }
    if system:
        body["system"] = "\n\n".join(system)
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    if settings.top_p is not None:
        body["top_p"] = settings.top_p
    if top_k is not None:
        body["top_k"] = top_k
    if tools:
        body["tools"] = [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "input_schema": t["function"].get("parameters") or {"type": "object"},
            }
            for t in tools
        ]
        if tool_choice == "required":
            body["tool_choice"] = {"type": "any"}
    return body


def parse_anthropic(answer: Mapping[str, Any], model: str) -> ChatResult:
    blocks = answer.get("content") or []
    texts = [str(b.get("text", "")) for b in blocks if b.get("type") == "text"]
    calls = tuple(
        ToolCall(
            id=str(b.get("id") or f"toolu_{i}"),
            name=str(b.get("name", "")),
            arguments=json.dumps(b.get("input") or {}),
        )
        for i, b in enumerate(blocks)
        if b.get("type") == "tool_use"
    )
    usage = answer.get("usage") or {}
    result = ChatResult(
        content="".join(texts) if texts else None,
        tool_calls=calls,
        usage=Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)),
        finish_reason=str(answer.get("stop_reason") or "") or None,
        model=str(answer.get("model") or model),
    )
    metrics.llm_tokens(model, result.usage.prompt_tokens, result.usage.completion_tokens)
    return result


class AnthropicChatModel:
    def __init__(self, settings: ChatSettings, url: str, top_k: int | None = None) -> None:
        self.settings = settings
        self.url = url.rstrip("/")
        self.top_k = top_k
        self._http = ProviderHttp(settings, "Anthropic")

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        response_format: Mapping[str, Any] | None = None,
        tool_choice: str | None = None,
    ) -> ChatResult:
        # The Messages API has no JSON mode: structured output comes from the parser's
        # instructions in the prompt (as LangChain's ChatAnthropic in n8n).
        body = anthropic_request(self.settings, messages, tools, tool_choice, self.top_k)
        headers = {
            "x-api-key": self.settings.api_key or "",
            "anthropic-version": ANTHROPIC_VERSION,
        }
        base = self.url if self.url.endswith("/v1") else f"{self.url}/v1"
        return parse_anthropic(
            await self._http.post(f"{base}/messages", headers, body), self.settings.model
        )

    async def stream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        """The reply in one piece (no server-sent events)."""
        result = await self.chat(messages)
        if result.content:
            yield result.content

    async def aclose(self) -> None:
        await self._http.aclose()
