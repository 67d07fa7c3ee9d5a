"""A fake of OpenAI's REST API (https://platform.openai.com/docs/api-reference), on loopback.

From the docs: every call carries `Authorization: Bearer <API key>` (optionally
`OpenAI-Organization`); errors are `{"error": {"message", "type", "param", "code"}}`
(401 `invalid_api_key` for a wrong key, a message without code for a missing one, 400
`invalid_request_error` for a bad body, 404 `model_not_found`, 429 `rate_limit_exceeded`
with Retry-After). Endpoints: POST /v1/chat/completions (`chat.completion` with `choices`
of `{index, message, logprobs, finish_reason}` and `usage`), /v1/completions
(`text_completion`, choices of `{text, index, logprobs, finish_reason}`), /v1/edits
(deprecated; `edit`, choices of `{text, index}`), /v1/moderations (`results` of
`{flagged, categories, category_scores}`, one per input), /v1/images/generations
(`{created, data: [{url} | {b64_json}]}`; dall-e-2 sizes 256x256, 512x512, 1024x1024).

Answers are deterministic so tests can assert them: the assistant says
`Echo: <last user message>`, a completion is `\\n\\n<prompt> done.`, an edit applies the
instruction "uppercase" (else returns the input), moderation flags inputs containing
"kill", and images are a 1x1 PNG.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

API_KEY = "sk-fake-openai-key"
CREATED = 1_700_000_000
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
MODELS = {
    "gpt-3.5-turbo",
    "gpt-4o-mini",
    "text-davinci-003",
    "gpt-3.5-turbo-instruct",
    "text-davinci-edit-001",
    "code-davinci-edit-001",
    "text-moderation-latest",
    "text-moderation-stable",
    "dall-e-2",
    "dall-e-3",
    "gpt-image-1",
}
CATEGORIES = ("harassment", "hate", "self-harm", "sexual", "violence")


def error(status: int, message: str, kind: str, code: str | None = None) -> Answer:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return Answer(status, body)


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


class FakeOpenAI(FakeService):
    @staticmethod
    def rate_limit_answer(wait: int) -> Answer:
        answer = error(
            429,
            "Rate limit reached for gpt-3.5-turbo in organization org-fake on requests per "
            "min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
            "requests",
            "rate_limit_exceeded",
        )
        answer.headers["Retry-After"] = str(wait)
        return answer

    def handle(self, req: Request) -> Answer:
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:]:
            return error(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "invalid_request_error",
            )
        key = auth[7:]
        if key != API_KEY:
            shown = key[:3] + "*" * 4 + key[-4:] if len(key) > 8 else key
            return error(
                401,
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        routes = {
            "/v1/chat/completions": self._chat,
            "/v1/completions": self._completion,
            "/v1/edits": self._edit,
            "/v1/moderations": self._moderation,
            "/v1/images/generations": self._image,
        }
        route = routes.get(req.path)
        if route is None or req.method != "POST":
            return error(404, f"Invalid URL ({req.method} {req.path})", "invalid_request_error")
        body = req.json
        if not isinstance(body, dict):
            return error(
                400,
                "We could not parse the JSON body of your request.",
                "invalid_request_error",
            )
        model = body.get("model")
        if model is not None and model not in MODELS:
            return error(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
            )
        return route(body)

    def _chat(self, body: dict[str, Any]) -> Answer:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            missing = "messages" not in body
            return error(
                400,
                "'messages' is a required property" if missing else "[] is too short - 'messages'",
                "invalid_request_error",
            )
        last = next((m for m in reversed(messages) if m.get("role") == "user"), messages[-1])
        n = int(body.get("n", 1))
        choices = [
            {
                "index": i,
                "message": {"role": "assistant", "content": f"Echo: {last.get('content', '')}"},
                "logprobs": None,
                "finish_reason": "stop",
            }
            for i in range(n)
        ]
        return Answer(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": CREATED,
                "model": body.get("model") or "gpt-3.5-turbo",
                "choices": choices,
                "usage": _usage(len(messages) * 5, 4 * n),
            },
        )

    def _completion(self, body: dict[str, Any]) -> Answer:
        if "model" not in body:
            return error(400, "you must provide a model parameter", "invalid_request_error")
        prompt = str(body.get("prompt", ""))
        n = int(body.get("n", 1))
        text = f"\n\n{prompt} done."
        choices = [
            {
                "text": (prompt + text) if body.get("echo") else text,
                "index": i,
                "logprobs": None,
                "finish_reason": "length" if body.get("max_tokens", 16) < 5 else "stop",
            }
            for i in range(n)
        ]
        return Answer(
            200,
            {
                "id": "cmpl-fake",
                "object": "text_completion",
                "created": CREATED,
                "model": body["model"],
                "choices": choices,
                "usage": _usage(len(prompt.split()), 3),
            },
        )

    def _edit(self, body: dict[str, Any]) -> Answer:
        if "instruction" not in body:
            return error(400, "'instruction' is a required property", "invalid_request_error")
        text = str(body.get("input", ""))
        if "uppercase" in str(body["instruction"]).lower():
            text = text.upper()
        n = int(body.get("n", 1))
        return Answer(
            200,
            {
                "object": "edit",
                "created": CREATED,
                "choices": [{"text": text + "\n", "index": i} for i in range(n)],
                "usage": _usage(len(text.split()), len(text.split())),
            },
        )

    def _moderation(self, body: dict[str, Any]) -> Answer:
        if "input" not in body:
            return error(400, "'input' is a required property", "invalid_request_error")
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        results = []
        for text in inputs:
            violent = "kill" in str(text).lower()
            results.append(
                {
                    "flagged": violent,
                    "categories": {c: violent and c == "violence" for c in CATEGORIES},
                    "category_scores": {
                        c: 0.98 if violent and c == "violence" else 0.0001 for c in CATEGORIES
                    },
                }
            )
        return Answer(200, {"id": "modr-fake", "model": "text-moderation-007", "results": results})

    def _image(self, body: dict[str, Any]) -> Answer:
        if not body.get("prompt"):
            return error(400, "'prompt' is a required property", "invalid_request_error")
        model = body.get("model") or "dall-e-2"
        size = body.get("size", "1024x1024")
        sizes = (
            ("256x256", "512x512", "1024x1024")
            if model == "dall-e-2"
            else ("1024x1024", "1792x1024", "1024x1792")
        )
        if size not in sizes:
            return error(
                400,
                f"'{size}' is not one of {list(sizes)} - 'size'",
                "invalid_request_error",
            )
        n = int(body.get("n", 1))
        if model == "dall-e-3" and n != 1:
            return error(400, "You must provide n=1 for this model.", "invalid_request_error")
        fmt = body.get("response_format", "url")
        data: list[dict[str, Any]] = []
        for i in range(n):
            if fmt == "b64_json":
                data.append({"b64_json": base64.b64encode(PNG_1X1).decode()})
            else:
                data.append({"url": f"{self.url}/images/img-{i}.png"})
        return Answer(200, {"created": CREATED, "data": data})
