"""Google Gemini's generateContent API as a `ChatModel` (n8n's lmChatGoogleGemini).

The agent and chains speak OpenAI's message shapes; this module translates them
(https://ai.google.dev/api/generate-content): system messages become `systemInstruction`,
assistant turns `role: "model"` with `functionCall` parts, tool results `functionResponse`
parts in a user turn (named by the call they answer), tools `functionDeclarations`, and
sampling options `generationConfig`. The key goes in the `x-goog-api-key` header.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from hetumind.ai.chat import ChatResult, ChatSettings, ToolCall, Usage
from hetumind.ai.errors import ModelError
from hetumind.ai.provider_http import ProviderHttp
from hetumind.observability import metrics

__all__ = ["GEMINI_URL", "GeminiChatModel", "gemini_request", "parse_gemini"]

GEMINI_URL = "https://generativelanguage.googleapis.com"
Message = dict[str, Any]

# JSON-schema keywords Gemini's OpenAPI-subset schemas refuse (a 400 names the first)
_UNSUPPORTED = {"$schema", "additionalProperties", "$id", "$ref", "definitions", "$defs", "default"}


def _schema(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _schema(v) for k, v in value.items() if k not in _UNSUPPORTED}
        if isinstance(value.get("properties"), dict):
            # property names are the tool's, not keywords: keep every one
            out["properties"] = {k: _schema(v) for k, v in value["properties"].items()}
        return out
    if isinstance(value, list):
        return [_schema(v) for v in value]
    return value


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, list):  # OpenAI content parts: text and image_url (data URLs)
        parts: list[dict[str, Any]] = []
        for part in content:
            if part.get("type") == "text":
                parts.append({"text": str(part.get("text", ""))})
            elif part.get("type") == "image_url":
                url = str((part.get("image_url") or {}).get("url", ""))
                if url.startswith("data:") and ";base64," in url:
                    mime, data = url[5:].split(";base64,", 1)
                    parts.append({"inlineData": {"mimeType": mime, "data": data}})
                else:
                    parts.append({"fileData": {"fileUri": url}})
        return parts
    return [{"text": str(content or "")}]


def gemini_request(
    settings: ChatSettings,
    messages: Sequence[Message],
    tools: Sequence[Mapping[str, Any]] | None,
    tool_choice: str | None,
    json_mode: bool,
    top_k: int | None = None,
) -> dict[str, Any]:
    """The generateContent body for OpenAI-shaped `messages` and `tools`."""
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool_call_id -> function name (functionResponse needs it)

    def add(role: str, parts: list[dict[str, Any]]) -> None:
        # Gemini wants turns to alternate: consecutive same-role turns are merged
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})

    for m in messages:
        role = m.get("role")
        if role == "system":
            system.append(str(m.get("content") or ""))
        elif role == "assistant":
            parts = [{"text": m["content"]}] if m.get("content") else []
            for call in m.get("tool_calls") or []:
                function = call.get("function") or {}
                names[str(call.get("id"))] = str(function.get("name"))
                try:
                    args = json.loads(function.get("arguments") or "{}")
                except json.JSONDecodeError:
                    args = {}
                parts.append({"functionCall": {"name": function.get("name"), "args": args}})
            add("model", parts or [{"text": ""}])
        elif role == "tool":
            name = names.get(str(m.get("tool_call_id")), "tool")
            response = {"name": name, "response": {"result": str(m.get("content") or "")}}
            add("user", [{"functionResponse": response}])
        else:
            add("user", _parts(m.get("content")))
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    config: dict[str, Any] = {}
    if settings.temperature is not None:
        config["temperature"] = settings.temperature
    if settings.max_tokens:
        config["maxOutputTokens"] = settings.max_tokens
    if settings.top_p is not None:
        config["topP"] = settings.top_p
    if top_k is not None:
        config["topK"] = top_k
    if json_mode:
        config["responseMimeType"] = "application/json"
    if config:
        body["generationConfig"] = config
    if tools:
        declarations = [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "parameters": _schema(t["function"].get("parameters") or {"type": "object"}),
            }
            for t in tools
        ]
        body["tools"] = [{"functionDeclarations": declarations}]
        if tool_choice == "required":
            body["toolConfig"] = {"functionCallingConfig": {"mode": "ANY"}}
    return body


def parse_gemini(answer: Mapping[str, Any], model: str) -> ChatResult:
    candidates = answer.get("candidates") or []
    if not candidates:
        feedback = answer.get("promptFeedback") or {}
        reason = feedback.get("blockReason") or "no candidates"
        raise ModelError(f"Gemini model {model!r} gave no answer ({reason})")
    candidate = candidates[0]
    parts = (candidate.get("content") or {}).get("parts") or []
    texts = [str(p["text"]) for p in parts if "text" in p and not p.get("thought")]
    calls = tuple(
        ToolCall(
            id=f"call_{i}",
            name=str(p["functionCall"].get("name", "")),
            arguments=json.dumps(p["functionCall"].get("args") or {}),
        )
        for i, p in enumerate(parts)
        if "functionCall" in p
    )
    usage = answer.get("usageMetadata") or {}
    result = ChatResult(
        content="".join(texts) if texts else None,
        tool_calls=calls,
        usage=Usage(
            int(usage.get("promptTokenCount") or 0), int(usage.get("candidatesTokenCount") or 0)
        ),
        finish_reason=str(candidate.get("finishReason") or "").lower() or None,
        model=str(answer.get("modelVersion") or model),
    )
    metrics.llm_tokens(model, result.usage.prompt_tokens, result.usage.completion_tokens)
    return result


class GeminiChatModel:
    """A Gemini model over the REST API (`host` is the credential's, for proxies/fakes)."""

    def __init__(self, settings: ChatSettings, host: str, top_k: int | None = None) -> None:
        self.settings = settings
        self.host = host.rstrip("/")
        self.top_k = top_k
        self._http = ProviderHttp(settings, "Gemini")

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        response_format: Mapping[str, Any] | None = None,
        tool_choice: str | None = None,
    ) -> ChatResult:
        json_mode = self.settings.response_format == "json_object" or bool(
            response_format and response_format.get("type") in ("json_object", "json_schema")
        )
        body = gemini_request(self.settings, messages, tools, tool_choice, json_mode, self.top_k)
        model = self.settings.model.removeprefix("models/")
        url = f"{self.host}/v1beta/models/{quote(model, safe='.-_')}:generateContent"
        headers = {"x-goog-api-key": self.settings.api_key or ""}
        return parse_gemini(await self._http.post(url, headers, body), model)

    async def stream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        """The reply in one piece (generateContent, not streamGenerateContent)."""
        result = await self.chat(messages)
        if result.content:
            yield result.content

    async def aclose(self) -> None:
        await self._http.aclose()
