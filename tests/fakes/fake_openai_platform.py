"""A fake of the parts of OpenAI's REST API that the LangChain OpenAI node calls
(https://platform.openai.com/docs/api-reference), on loopback, served under /v1.

From the docs: `Authorization: Bearer <key>` on every call (401 `invalid_api_key`
otherwise); errors are `{"error": {"message", "type", "param", "code"}}`.

- POST /v1/chat/completions: `chat.completion` with `choices[{index, message,
  logprobs, finish_reason}]` and `usage`. With `tools` and no tool result yet, the
  assistant calls the first tool (`finish_reason: "tool_calls"`, `message.tool_calls
  [{id, type: "function", function: {name, arguments}}]`), filling each required
  string property with the last user message and each number with 2; after a `tool`
  message it answers `Tool said: <result>`. A user message whose content is a list of
  parts (`text`, `image_url`) is answered `I see <n> image(s): <text>`. With
  `response_format: {"type": "json_object"}` the content is a JSON object.
- POST /v1/moderations: `{id, model, results: [{flagged, categories, category_scores}]}`
  (inputs with "kill" are flagged for violence).
- POST /v1/images/generations: `{created, data: [{b64_json} | {url}], ...}` (a 1x1 PNG).
- POST /v1/audio/transcriptions and /v1/audio/translations: multipart with `file` and
  `model` (`whisper-1`), optional `language`, `temperature`; answer `{"text"}`.
- POST /v1/audio/speech: JSON `{model, input, voice, response_format, speed}`; the
  audio's bytes (Content-Type by format: audio/mpeg, audio/opus, audio/aac, audio/flac).
- POST /v1/files (multipart `file`, `purpose`), GET /v1/files (`{object: "list", data}`,
  `?purpose=` filters), DELETE /v1/files/{id} (`{id, object: "file", deleted: true}`;
  404 for an unknown id).
- Assistants v2 (header `OpenAI-Beta: assistants=v2`, 400 without it): POST/GET
  /v1/assistants (cursor pages: `limit`, `after`, `has_more`), DELETE /v1/assistants/{id}
  (`assistant.deleted`), POST /v1/threads/runs (thread and run at once; `tools` override
  the assistant's), GET /v1/threads/{t}/runs/{r} (each poll advances queued ->
  in_progress -> requires_action with `submit_tool_outputs.tool_calls` when function tools
  exist, else completed), POST .../submit_tool_outputs (every call id answered, else 400),
  GET /v1/threads/{t}/messages (`run_id` filter, `order`; content `[{type: "text",
  text: {value, annotations}}]`).
"""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any

from tests.fakes._base import Answer, FakeService, Request
from tests.fakes.fake_openai import API_KEY, CREATED, PNG_1X1, error

__all__ = ["API_KEY", "PNG_1X1", "FakeOpenAIPlatform"]

AUDIO_TYPES = {"mp3": "audio/mpeg", "opus": "audio/opus", "aac": "audio/aac", "flac": "audio/flac"}
VOICES = {"alloy", "echo", "fable", "nova", "onyx", "shimmer"}


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if p.get("type") == "text")
    return str(content or "")


class FakeOpenAIPlatform(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, dict[str, Any]] = {}
        self.assistants: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, list[dict[str, Any]]] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def handle(self, req: Request) -> Answer:
        if req.headers.get("authorization", "") != f"Bearer {API_KEY}":
            return error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )
        path = req.path.removeprefix("/v1")
        if (req.method, path) == ("POST", "/chat/completions"):
            return self._chat(req.json)
        if (req.method, path) == ("POST", "/moderations"):
            return self._moderation(req.json)
        if (req.method, path) == ("POST", "/images/generations"):
            return self._image(req.json)
        if req.method == "POST" and path in ("/audio/transcriptions", "/audio/translations"):
            return self._transcribe(req, path.endswith("translations"))
        if (req.method, path) == ("POST", "/audio/speech"):
            return self._speech(req.json)
        if path == "/files" and req.method in ("POST", "GET"):
            return self._upload(req) if req.method == "POST" else self._list(req)
        if path.startswith("/files/") and req.method == "DELETE":
            return self._delete(path.removeprefix("/files/"))
        if path.startswith(("/assistants", "/threads")):
            if req.headers.get("openai-beta") != "assistants=v2":
                return error(
                    400, "You must provide the 'OpenAI-Beta' header.", "invalid_request_error"
                )
            return self._assistants(req, path)
        return error(404, f"Invalid URL ({req.method} {req.path})", "invalid_request_error")

    # -- assistants (v2) ------------------------------------------------------------------

    def _assistants(self, req: Request, path: str) -> Answer:
        parts = path.strip("/").split("/")
        body = req.json if isinstance(req.json, dict) else {}
        if parts == ["assistants"] and req.method == "POST":
            assistant = {
                "id": f"asst_{next(self._ids)}",
                "object": "assistant",
                "created_at": CREATED,
                "model": body.get("model"),
                "name": body.get("name"),
                "description": body.get("description"),
                "instructions": body.get("instructions"),
                "tools": body.get("tools", []),
                "temperature": body.get("temperature", 1),
                "top_p": body.get("top_p", 1),
            }
            self.assistants[assistant["id"]] = assistant
            return Answer(200, assistant)
        if parts == ["assistants"] and req.method == "GET":
            return self._page(list(self.assistants.values()), req)
        if len(parts) == 2 and parts[0] == "assistants" and req.method == "DELETE":
            if self.assistants.pop(parts[1], None) is None:
                return error(
                    404, f"No assistant found with id '{parts[1]}'.", "invalid_request_error"
                )
            return Answer(200, {"id": parts[1], "object": "assistant.deleted", "deleted": True})
        if parts == ["threads", "runs"] and req.method == "POST":
            assistant = self.assistants.get(str(body.get("assistant_id")))
            if assistant is None:
                return error(
                    404,
                    f"No assistant found with id '{body.get('assistant_id')}'.",
                    "invalid_request_error",
                )
            thread = f"thread_{next(self._ids)}"
            messages = list((body.get("thread") or {}).get("messages") or [])
            self.threads[thread] = [
                {"role": m["role"], "text": str(m["content"])} for m in messages
            ]
            tools = body.get("tools", assistant["tools"])
            run: dict[str, Any] = {
                "id": f"run_{next(self._ids)}",
                "object": "thread.run",
                "thread_id": thread,
                "assistant_id": assistant["id"],
                "status": "queued",
                "tools": tools,
            }
            self.runs[run["id"]] = run
            return Answer(200, dict(run))
        if len(parts) == 4 and parts[0] == "threads" and parts[2] == "runs" and req.method == "GET":
            run = self.runs.get(parts[3])
            if run is None:
                return error(404, f"No run found with id '{parts[3]}'.", "invalid_request_error")
            self._advance(run)
            return Answer(200, dict(run))
        if len(parts) == 5 and parts[4] == "submit_tool_outputs" and req.method == "POST":
            run = self.runs.get(parts[3])
            if run is None or run["status"] != "requires_action":
                return error(
                    400,
                    "Runs in status other than requires_action do not accept tool outputs.",
                    "invalid_request_error",
                )
            outputs = body.get("tool_outputs") or []
            wanted = {c["id"] for c in run["required_action"]["submit_tool_outputs"]["tool_calls"]}
            if {o.get("tool_call_id") for o in outputs} != wanted:
                return error(
                    400,
                    "Expected tool outputs for call_ids " + str(sorted(wanted)),
                    "invalid_request_error",
                )
            self.threads[run["thread_id"]].append(
                {
                    "role": "assistant",
                    "text": f"Tool said: {outputs[0].get('output')}",
                    "run_id": run["id"],
                }
            )
            run.pop("required_action")
            run["status"] = "in_progress"
            return Answer(200, dict(run))
        if (
            len(parts) == 3
            and parts[0] == "threads"
            and parts[2] == "messages"
            and req.method == "GET"
        ):
            thread = self.threads.get(parts[1])
            if thread is None:
                return error(404, f"No thread found with id '{parts[1]}'.", "invalid_request_error")
            run_id = req.query.get("run_id")
            data = [
                {
                    "id": f"msg_{i}",
                    "object": "thread.message",
                    "role": m["role"],
                    "run_id": m.get("run_id"),
                    "content": [{"type": "text", "text": {"value": m["text"], "annotations": []}}],
                }
                for i, m in enumerate(thread)
                if run_id is None or m.get("run_id") == run_id
            ]
            if req.query.get("order", "desc") == "desc":
                data.reverse()
            return Answer(200, {"object": "list", "data": data, "has_more": False})
        return error(404, f"Invalid URL ({req.method} {req.path})", "invalid_request_error")

    def _advance(self, run: dict[str, Any]) -> None:
        """queued -> in_progress -> requires_action (function tools, first time) or completed."""
        if run["status"] == "queued":
            run["status"] = "in_progress"
            return
        if run["status"] != "in_progress":
            return
        thread = self.threads[run["thread_id"]]
        functions = [t["function"] for t in run["tools"] if t.get("type") == "function"]
        answered = any(m.get("run_id") == run["id"] for m in thread)
        if functions and not answered:
            schema = functions[0].get("parameters") or {}
            args = {
                n: 2
                if (schema.get("properties", {}).get(n) or {}).get("type") in ("number", "integer")
                else thread[-1]["text"]
                for n in schema.get("required", [])
            }
            call = {
                "id": f"call_{next(self._ids)}",
                "type": "function",
                "function": {"name": functions[0]["name"], "arguments": json.dumps(args)},
            }
            run["status"] = "requires_action"
            run["required_action"] = {
                "type": "submit_tool_outputs",
                "submit_tool_outputs": {"tool_calls": [call]},
            }
            return
        if not answered:
            thread.append(
                {"role": "assistant", "text": f"Echo: {thread[-1]['text']}", "run_id": run["id"]}
            )
        run["status"] = "completed"

    def _page(self, items: list[dict[str, Any]], req: Request) -> Answer:
        limit = int(req.query.get("limit", 20))
        after = req.query.get("after")
        if after:
            ids = [i["id"] for i in items]
            items = items[ids.index(after) + 1 :] if after in ids else []
        page = items[:limit]
        return Answer(200, {"object": "list", "data": page, "has_more": len(items) > limit})

    def _chat(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not body.get("messages"):
            return error(400, "'messages' is a required property", "invalid_request_error")
        messages = body["messages"]
        tool_results = [m for m in messages if m.get("role") == "tool"]
        last_user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        message: dict[str, Any] = {"role": "assistant", "content": None}
        finish = "stop"
        tools = body.get("tools") or []
        if tools and not tool_results:
            function = tools[0]["function"]
            schema = function.get("parameters") or {}
            args: dict[str, Any] = {}
            for name in schema.get("required", []):
                kind = (schema.get("properties", {}).get(name) or {}).get("type")
                args[name] = (
                    2 if kind in ("number", "integer") else _text_of(last_user.get("content"))
                )
            message["tool_calls"] = [
                {
                    "id": f"call_{next(self._ids)}",
                    "type": "function",
                    "function": {"name": function["name"], "arguments": json.dumps(args)},
                }
            ]
            finish = "tool_calls"
        elif tool_results:
            message["content"] = f"Tool said: {tool_results[-1].get('content')}"
        elif isinstance(last_user.get("content"), list):
            parts = last_user["content"]
            images = [p for p in parts if p.get("type") == "image_url"]
            message["content"] = f"I see {len(images)} image(s): {_text_of(parts)}"
        else:
            text = _text_of(last_user.get("content"))
            if (body.get("response_format") or {}).get("type") == "json_object":
                message["content"] = json.dumps({"echo": text})
            else:
                message["content"] = f"Echo: {text}"
        n = int(body.get("n", 1))
        choices = [
            {"index": i, "message": message, "logprobs": None, "finish_reason": finish}
            for i in range(n)
        ]
        return Answer(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": CREATED,
                "model": body.get("model") or "gpt-4o-mini",
                "choices": choices,
                "usage": _usage(len(messages) * 5, 4 * n),
            },
        )

    def _moderation(self, body: Any) -> Answer:
        if not isinstance(body, dict) or "input" not in body:
            return error(400, "'input' is a required property", "invalid_request_error")
        flagged = "kill" in str(body["input"]).lower()
        result = {
            "flagged": flagged,
            "categories": {"violence": flagged, "hate": False},
            "category_scores": {"violence": 0.97 if flagged else 0.001, "hate": 0.0001},
        }
        model = body.get("model") or "text-moderation-latest"
        return Answer(200, {"id": "modr-fake", "model": model, "results": [result]})

    def _image(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not body.get("prompt"):
            return error(400, "'prompt' is a required property", "invalid_request_error")
        model = body.get("model", "dall-e-2")
        if model == "gpt-image-1" and "response_format" in body:
            return error(400, "Unknown parameter: 'response_format'.", "invalid_request_error")
        n = int(body.get("n", 1))
        if model == "dall-e-3" and n != 1:
            return error(400, "You must provide n=1 for this model.", "invalid_request_error")
        data: list[dict[str, Any]] = []
        for i in range(n):
            if body.get("response_format") == "url":
                data.append({"url": f"{self.url}/images/img-{i}.png"})
            else:
                data.append({"b64_json": base64.b64encode(PNG_1X1).decode()})
            if model == "dall-e-3":
                data[-1]["revised_prompt"] = f"{body['prompt']}, detailed"
        return Answer(200, {"created": CREATED, "data": data})

    def _transcribe(self, req: Request, translate: bool) -> Answer:
        if "file" not in req.files:
            return error(400, "'file' is a required property", "invalid_request_error")
        if req.form.get("model") != "whisper-1":
            return error(400, f"Invalid model {req.form.get('model')!r}", "invalid_request_error")
        name, _, data = req.files["file"]
        if translate:
            return Answer(200, {"text": f"translated {name} ({len(data)} bytes)"})
        language = req.form.get("language", "auto")
        return Answer(200, {"text": f"transcript of {name} ({len(data)} bytes, {language})"})

    def _speech(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not body.get("input"):
            return error(400, "'input' is a required property", "invalid_request_error")
        if body.get("voice") not in VOICES:
            return error(400, f"Invalid voice {body.get('voice')!r}", "invalid_request_error")
        fmt = str(body.get("response_format", "mp3"))
        audio = f"AUDIO[{fmt}|{body.get('speed', 1)}]:{body['input']}".encode()
        return Answer(
            200, headers={"Content-Type": AUDIO_TYPES.get(fmt, "audio/mpeg")}, content=audio
        )

    def _upload(self, req: Request) -> Answer:
        if "file" not in req.files:
            return error(400, "'file' is a required property", "invalid_request_error")
        purpose = req.form.get("purpose", "")
        if purpose not in ("assistants", "fine-tune", "batch", "vision", "user_data"):
            return error(400, f"'{purpose}' is not a valid purpose", "invalid_request_error")
        name, _, data = req.files["file"]
        file = {
            "id": f"file-{next(self._ids)}",
            "object": "file",
            "bytes": len(data),
            "created_at": CREATED,
            "filename": name,
            "purpose": purpose,
        }
        self.files[file["id"]] = file
        return Answer(200, file)

    def _list(self, req: Request) -> Answer:
        purpose = req.query.get("purpose")
        data = [f for f in self.files.values() if purpose in (None, f["purpose"])]
        return Answer(200, {"object": "list", "data": data, "has_more": False})

    def _delete(self, file_id: str) -> Answer:
        if self.files.pop(file_id, None) is None:
            return error(404, f"No such File object: {file_id}", "invalid_request_error")
        return Answer(200, {"id": file_id, "object": "file", "deleted": True})
