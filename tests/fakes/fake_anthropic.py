"""A fake of Anthropic's Messages API (https://docs.anthropic.com/en/api/messages), on
loopback.

From the docs: POST /v1/messages with `x-api-key`, `anthropic-version` (required: 400
without it) and a JSON body of `model`, `max_tokens` (required), `messages` (starting
with a user turn; `content` a string or blocks: `text`, `image`, `tool_use {id, name,
input}`, `tool_result {tool_use_id, content}`), optional `system` (top level: a `system`
role in messages is a 400), `temperature`, `top_p`, `top_k`, `tools [{name,
description, input_schema}]`, `tool_choice`. The answer: `{id, type: "message", role:
"assistant", model, content: [blocks], stop_reason: "end_turn" | "tool_use",
stop_sequence, usage: {input_tokens, output_tokens}}`. Errors: `{"type": "error",
"error": {"type", "message"}}` (authentication_error 401, invalid_request_error 400,
not_found_error 404, rate_limit_error 429, overloaded_error 529).

Deterministic answers as the Gemini fake's: a tool_use of the first tool until a
tool_result arrives, then `Tool said: <content>`; else `Echo: <last user text>`.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

API_KEY = "sk-ant-fake-key"
MODELS = {"claude-sonnet-4-20250514", "claude-3-5-haiku-20241022", "claude-3-5-sonnet-20241022"}


def error(status: int, kind: str, message: str) -> Answer:
    return Answer(status, {"type": "error", "error": {"type": kind, "message": message}})


class FakeAnthropic(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            {
                "type": "error",
                "error": {
                    "type": "rate_limit_error",
                    "message": "Number of requests has exceeded your rate limit",
                },
            },
            {"retry-after": str(wait)},
        )
    )

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)

    def handle(self, req: Request) -> Answer:
        if req.headers.get("x-api-key") != API_KEY:
            return error(401, "authentication_error", "invalid x-api-key")
        if not req.headers.get("anthropic-version"):
            return error(400, "invalid_request_error", "anthropic-version: header is required")
        if (req.method, req.path) != ("POST", "/v1/messages"):
            return error(404, "not_found_error", f"Not found: {req.method} {req.path}")
        body = req.json
        if not isinstance(body, dict):
            return error(400, "invalid_request_error", "body must be a JSON object")
        for field in ("model", "max_tokens", "messages"):
            if field not in body:
                return error(400, "invalid_request_error", f"{field}: Field required")
        if body["model"] not in MODELS:
            return error(404, "not_found_error", f"model: {body['model']}")
        messages = body["messages"]
        if not messages or messages[0].get("role") != "user":
            return error(
                400, "invalid_request_error", 'messages: first message must use the "user" role'
            )
        for i, m in enumerate(messages):
            if m.get("role") not in ("user", "assistant"):
                return error(
                    400,
                    "invalid_request_error",
                    f"messages.{i}.role: Input should be 'user' or 'assistant'",
                )
            if i and m["role"] == messages[i - 1]["role"]:
                return error(
                    400,
                    "invalid_request_error",
                    'messages: roles must alternate between "user" and "assistant"',
                )
        return self._answer(body)

    def _answer(self, body: dict[str, Any]) -> Answer:
        messages = body["messages"]

        def blocks(m: dict[str, Any]) -> list[dict[str, Any]]:
            c = m["content"]
            return [{"type": "text", "text": c}] if isinstance(c, str) else c

        results = [b for m in messages for b in blocks(m) if b.get("type") == "tool_result"]
        uses = {b["id"] for m in messages for b in blocks(m) if b.get("type") == "tool_use"}
        for r in results:
            if r.get("tool_use_id") not in uses:
                return error(
                    400,
                    "invalid_request_error",
                    f"unexpected tool_use_id {r.get('tool_use_id')!r} in tool_result blocks",
                )
        last_user = messages[-1]
        text = " ".join(b["text"] for b in blocks(last_user) if b.get("type") == "text")
        tools = body.get("tools") or []
        if tools and not results:
            tool = tools[0]
            schema = tool.get("input_schema") or {}
            args = {
                name: 2
                if (schema.get("properties", {}).get(name) or {}).get("type")
                in ("number", "integer")
                else text
                for name in schema.get("required", [])
            }
            content: list[dict[str, Any]] = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{next(self._ids):04d}",
                    "name": tool["name"],
                    "input": args,
                }
            ]
            stop = "tool_use"
        elif results:
            content = [{"type": "text", "text": f"Tool said: {results[-1]['content']}"}]
            stop = "end_turn"
        else:
            prefix = f"[system: {body['system']}] " if body.get("system") else ""
            content = [{"type": "text", "text": f"{prefix}Echo: {text}"}]
            stop = "end_turn"
        return Answer(
            200,
            {
                "id": f"msg_{next(self._ids):04d}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": {"input_tokens": 9 * len(messages), "output_tokens": 6},
            },
        )
