"""A fake of Google's Generative Language API, generateContent only
(https://ai.google.dev/api/generate-content), on loopback.

From the docs: POST /v1beta/models/{model}:generateContent with the key in the
`x-goog-api-key` header (or `?key=`); the body has `contents` (turns of `role` user or
model, each with `parts`: `text`, `inlineData`, `functionCall {name, args}`,
`functionResponse {name, response}`), optional `systemInstruction {parts}`,
`generationConfig` (temperature, topP, topK, maxOutputTokens, responseMimeType), `tools
[{functionDeclarations: [{name, description, parameters}]}]` and `toolConfig`. The answer:
`{candidates: [{content: {role: "model", parts}, finishReason: "STOP", index}],
usageMetadata: {promptTokenCount, candidatesTokenCount, totalTokenCount}, modelVersion}`.
Errors: `{"error": {"code", "message", "status"}}` (400 INVALID_ARGUMENT, 403
PERMISSION_DENIED for a bad key, 404 NOT_FOUND for an unknown model, 429
RESOURCE_EXHAUSTED).

Deterministic answers: with tools declared and no functionResponse yet, a functionCall
of the first declaration (required string properties get the last user text, numbers 2);
after a functionResponse, `Tool said: <result>`; otherwise `Echo: <last user text>`
(with `[system: ...]` first when a systemInstruction is given).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

API_KEY = "AIza-fake-gemini-key"
MODELS = {"gemini-2.5-flash", "gemini-2.0-flash", "gemini-1.5-pro"}
_PATH = re.compile(r"^/v1beta/models/([^/:]+):generateContent$")
_BAD_SCHEMA_KEYS = ("additionalProperties", "$schema")


def error(code: int, message: str, status: str) -> Answer:
    return Answer(code, {"error": {"code": code, "message": message, "status": status}})


def _find(value: Any, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(_find(v, key) for v in value.values())
    if isinstance(value, list):
        return any(_find(v, key) for v in value)
    return False


class FakeGemini(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: error(
            429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED"
        )
    )

    def handle(self, req: Request) -> Answer:
        key = req.headers.get("x-goog-api-key") or req.query.get("key")
        if key != API_KEY:
            return error(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT")
        found = _PATH.match(req.path)
        if req.method != "POST" or not found:
            return error(404, f"Method not found: {req.path}", "NOT_FOUND")
        model = found.group(1)
        if model not in MODELS:
            return error(404, f"models/{model} is not found for API version v1beta", "NOT_FOUND")
        body = req.json
        if not isinstance(body, dict) or not body.get("contents"):
            return error(
                400,
                "* GenerateContentRequest.contents: contents is not specified",
                "INVALID_ARGUMENT",
            )
        contents = body["contents"]
        for turn in contents:
            if turn.get("role") not in ("user", "model"):
                return error(
                    400,
                    f"Please use a valid role: user, model. (got {turn.get('role')!r})",
                    "INVALID_ARGUMENT",
                )
        for first, second in itertools.pairwise(contents):
            if first["role"] == second["role"]:
                return error(
                    400,
                    "Please ensure that multiturn requests alternate between user and model.",
                    "INVALID_ARGUMENT",
                )
        for bad in _BAD_SCHEMA_KEYS:
            if _find(body.get("tools"), bad):
                return error(
                    400, f'Invalid JSON payload received. Unknown name "{bad}"', "INVALID_ARGUMENT"
                )
        return self._answer(body, model)

    def _answer(self, body: dict[str, Any], model: str) -> Answer:
        contents = body["contents"]
        responses = [
            p["functionResponse"]
            for turn in contents
            for p in turn["parts"]
            if "functionResponse" in p
        ]
        last_user = next(t for t in reversed(contents) if t["role"] == "user")
        text = " ".join(str(p["text"]) for p in last_user["parts"] if "text" in p)
        declarations = [
            d for t in body.get("tools") or [] for d in t.get("functionDeclarations", [])
        ]
        if declarations and not responses:
            declaration = declarations[0]
            schema = declaration.get("parameters") or {}
            args = {
                name: 2
                if (schema.get("properties", {}).get(name) or {}).get("type")
                in ("number", "integer")
                else text
                for name in schema.get("required", [])
            }
            parts: list[dict[str, Any]] = [
                {"functionCall": {"name": declaration["name"], "args": args}}
            ]
        elif responses:
            parts = [{"text": f"Tool said: {responses[-1]['response'].get('result')}"}]
        else:
            system = body.get("systemInstruction")
            prefix = f"[system: {system['parts'][0]['text']}] " if system else ""
            parts = [{"text": f"{prefix}Echo: {text}"}]
        return Answer(
            200,
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": parts},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": 7 * len(contents),
                    "candidatesTokenCount": 5,
                    "totalTokenCount": 7 * len(contents) + 5,
                },
                "modelVersion": model,
            },
        )
