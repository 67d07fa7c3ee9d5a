"""The requests and item shapes of n8n's LangChain OpenAI node (versions 1 to 1.8), per
(resource, operation), as n8n's `actions/*/*.operation.ts` make them.

Paths are relative to the credential's `url` (default https://api.openai.com/v1), so any
OpenAI-compatible server (vLLM, llama.cpp, a proxy) stands in for the chat operations.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Mapping
from typing import Any

from hetumind.ai.agent import Tool
from hetumind.ai.subnodes import supplied
from hetumind.asyncbridge import run_fresh
from hetumind.binary import put_binary, read_binary
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.http.request import BodyKind, FilePart
from hetumind.integrations import Operation, Params, WithBinary
from hetumind.integrations.client import ServiceClient

__all__ = ["DEFAULT_URL", "OPERATIONS"]

DEFAULT_URL = "https://api.openai.com/v1"
JSON_SYSTEM = "You are a helpful assistant designed to output JSON."
"""The system message n8n puts first when `jsonOutput` is on."""
MAX_TOOL_ROUNDS = 15
"""n8n loops while the model calls tools; Hetumind stops a model that never stops."""

_PNG = b"\x89PNG\r\n\x1a\n"


def _url(client: ServiceClient, path: str) -> str:
    return str(client.data.get("url") or DEFAULT_URL).rstrip("/") + path


def _post(client: ServiceClient, p: Params, path: str, body: Any, kind: BodyKind = "json") -> Any:
    return client.request(
        "POST",
        _url(client, path),
        body=body,
        body_kind=kind,
        item_index=p.index,
    )


def _fail(p: Params, message: str) -> NodeExecutionError:
    return NodeExecutionError(message, node=p.ctx.node_name, item_index=p.index)


def _model(p: Params, default: str) -> str:
    return p.locator("modelId", default=default) or default


def _binary(p: Params, names: str) -> list[tuple[str, Mapping[str, Any], bytes]]:
    """The item's binary fields named (comma separated), with their bytes."""
    out = []
    for name in [n.strip() for n in names.split(",") if n.strip()]:
        entry = p.binary.get(name)
        if not isinstance(entry, Mapping):
            raise _fail(
                p,
                "This operation expects the node's input data to contain a binary file "
                f"'{name}', but none was found [item {p.index}]",
            )
        try:
            data = read_binary(entry, where=f"binary field {name!r}")
        except HetumindError as exc:
            raise _fail(p, exc.message) from None
        out.append((name, entry, data))
    return out


def _binary_item(data: bytes, file_name: str, mime: str, field: str) -> WithBinary:
    """n8n's item for a produced file: the binary entry, and its metadata as the json."""
    entry = put_binary(data, mime_type=mime, file_name=file_name)
    return WithBinary(json=dict(entry), binary={field: entry})


# -- text ---------------------------------------------------------------------------------


def _messages(p: Params) -> list[dict[str, Any]]:
    raw = p.get("messages.values", None)
    if raw is None:
        raw = (p.collection("messages") or {}).get("values", [])
    if not isinstance(raw, list) or not all(isinstance(m, Mapping) for m in raw):
        raise _fail(p, "The parameter 'messages' must hold a list of messages (role and text)")
    out = []
    for m in raw:
        role = str(m.get("role") or "user")
        if role not in ("user", "assistant", "system"):
            raise _fail(
                p, f"The parameter 'messages': role {role!r} is not user, assistant or system"
            )
        content = m.get("content", "")
        out.append(
            {"role": role, "content": content if isinstance(content, str) else json.dumps(content)}
        )
    return out


def _chat_options(p: Params) -> dict[str, Any]:
    options = p.collection("options")
    options.pop("maxToolsIterations", None)
    if "maxTokens" in options:
        options["max_tokens"] = options.pop("maxTokens")
    if "topP" in options:
        options["top_p"] = options.pop("topP")
    return options


def _tools(p: Params) -> list[Tool]:
    if p.get("hideTools", "") == "hide":
        return []
    tools: list[Tool] = supplied(p.ctx, "ai_tool", p.index)
    names = [t.name for t in tools]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _fail(p, f"two tools connected to the node share the name(s) {twice}; rename one")
    return tools


def _call_tool(tools: Mapping[str, Tool], name: str, arguments: str) -> str:
    """A tool's answer for the model (errors too: the model may correct itself)."""
    tool = tools.get(name)
    if tool is None:
        return f"Error: there is no tool named {name!r}"
    try:
        args = json.loads(arguments or "{}")
    except json.JSONDecodeError as exc:
        return f"Error: the arguments are not valid JSON ({exc.msg})"
    if not isinstance(args, dict):
        return "Error: the arguments must be a JSON object"
    try:
        answer: Any = run_fresh(_awaited(tool.call(args)))
    except HetumindError as exc:
        return f"Error: {exc.message}"
    except Exception as exc:  # a tool's failure goes to the model, as n8n's does
        return f"Error: {type(exc).__name__}: {exc}"
    return answer if isinstance(answer, str) else json.dumps(answer)


async def _awaited(pending: Awaitable[str]) -> str:
    return await pending


def _first_message(response: Any) -> Mapping[str, Any]:
    choices = response.get("choices") if isinstance(response, Mapping) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        return {}
    message = choices[0].get("message")
    return message if isinstance(message, Mapping) else {}


def _text_message(client: ServiceClient, p: Params) -> Any:
    messages = _messages(p)
    json_output = bool(p.get("jsonOutput", False))
    max_rounds = int(p.collection("options").get("maxToolsIterations") or MAX_TOOL_ROUNDS)
    body: dict[str, Any] = {"model": _model(p, "gpt-4o-mini"), **_chat_options(p)}
    if json_output:
        body["response_format"] = {"type": "json_object"}
        messages = [{"role": "system", "content": JSON_SYSTEM}, *messages]
    tools = _tools(p)
    by_name = {t.name: t for t in tools}
    if tools:
        body["tools"] = [t.spec() for t in tools]
    body["messages"] = messages
    response = _post(client, p, "/chat/completions", body)
    rounds = 0
    while _first_message(response).get("tool_calls"):
        rounds += 1
        if rounds > max_rounds:
            raise _fail(p, f"the model kept calling tools after {max_rounds} rounds")
        message = dict(_first_message(response))
        messages.append(message)
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            result = _call_tool(
                by_name, str(function.get("name")), str(function.get("arguments") or "")
            )
            messages.append({"tool_call_id": call.get("id"), "role": "tool", "content": result})
        response = _post(client, p, "/chat/completions", body)
    choices = response.get("choices") if isinstance(response, Mapping) else None
    if not isinstance(choices, list):
        raise _fail(p, f"the model's answer has no choices: {str(response)[:200]}")
    if json_output:
        for choice in choices:
            message_out = choice.get("message") if isinstance(choice, dict) else None
            if isinstance(message_out, dict) and isinstance(message_out.get("content"), str):
                # n8n keeps text that is not JSON as it is
                with contextlib.suppress(json.JSONDecodeError):
                    message_out["content"] = json.loads(message_out["content"])
    if p.get("simplify", True) is False:
        return response
    return choices


def _text_classify(client: ServiceClient, p: Params) -> Any:
    stable = bool(p.collection("options").get("useStableModel"))
    body = {
        "input": p.text("input"),
        "model": "text-moderation-stable" if stable else "text-moderation-latest",
    }
    answer = _post(client, p, "/moderations", body)
    results = answer.get("results") if isinstance(answer, Mapping) else None
    if not isinstance(results, list) or not results:
        return []  # n8n gives no item when the answer has no results
    first = results[0] if isinstance(results[0], Mapping) else {}
    if p.get("simplify", True) is not False:
        return {"flagged": first.get("flagged")}
    return dict(first)


# -- image --------------------------------------------------------------------------------


def _image_generate(client: ServiceClient, p: Params) -> Any:
    model = p.text("model", "dall-e-3") or "dall-e-3"
    prompt = p.text("prompt")
    options = p.collection("options")
    as_url = bool(options.pop("returnImageUrls", False))
    field = str(options.pop("binaryPropertyOutput", "") or "data")
    body: dict[str, Any] = {"prompt": prompt, "model": model}
    if model != "gpt-image-1":  # gpt-image-1 refuses response_format
        body["response_format"] = "url" if as_url else "b64_json"
    body.update(options)
    answer = _post(client, p, "/images/generations", body)
    data = answer.get("data") if isinstance(answer, Mapping) else None
    entries = [e for e in (data or []) if isinstance(e, Mapping)]
    if as_url:
        return [dict(e) for e in entries]
    import base64
    import binascii

    out = []
    for entry in entries:
        try:
            raw = base64.b64decode(str(entry.get("b64_json") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise _fail(p, "OpenAI's answer holds an image that is not valid base64") from None
        mime = (
            "image/png"
            if raw.startswith(_PNG)
            else "image/jpeg"
            if raw[:3] == b"\xff\xd8\xff"
            else "application/octet-stream"
        )
        out.append(_binary_item(raw, "data", mime, field))
    return out


def _image_analyze(client: ServiceClient, p: Params) -> Any:
    import base64

    model = "gpt-4-vision-preview" if p.version < 1.4 else _model(p, "gpt-4o")
    options = p.collection("options")
    detail = str(options.get("detail") or "auto")
    content: list[dict[str, Any]] = [
        {"type": "text", "text": p.text("text", "What's in this image?")}
    ]
    if p.text("inputType", "url") == "url":
        for url in [u.strip() for u in p.text("imageUrls").split(",")]:
            content.append({"type": "image_url", "image_url": {"url": url, "detail": detail}})
    else:
        for _, entry, data in _binary(p, p.text("binaryPropertyName", "data") or "data"):
            mime = entry.get("mimeType") or "application/octet-stream"
            url = f"data:{mime};base64,{base64.b64encode(data).decode()}"
            content.append({"type": "image_url", "image_url": {"url": url, "detail": detail}})
    body = {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "max_tokens": int(options.get("maxTokens") or 300),
    }
    response = _post(client, p, "/chat/completions", body)
    if (
        p.get("simplify", True) is not False
        and isinstance(response, Mapping)
        and response.get("choices")
    ):
        return {"content": _first_message(response).get("content")}
    return response


# -- audio --------------------------------------------------------------------------------


def _audio_file(p: Params) -> FilePart:
    (_, entry, data), *_ = _binary(p, p.text("binaryPropertyName", "data") or "data")
    return FilePart(
        data=data,
        file_name=str(entry.get("fileName") or "audio"),
        mime_type=str(entry.get("mimeType") or "application/octet-stream"),
    )


def _audio_transcribe(client: ServiceClient, p: Params, translate: bool = False) -> Any:
    options = p.collection("options")
    form: list[tuple[str, Any]] = [("file", _audio_file(p)), ("model", "whisper-1")]
    if not translate and options.get("language"):
        form.append(("language", str(options["language"])))
    if options.get("temperature") not in (None, ""):
        form.append(("temperature", str(options["temperature"])))
    path = "/audio/translations" if translate else "/audio/transcriptions"
    return _post(client, p, path, form, "multipart")


def _audio_generate(client: ServiceClient, p: Params) -> Any:
    options = p.collection("options")
    fmt = str(options.get("response_format") or "mp3")
    body = {
        "model": p.text("model", "tts-1") or "tts-1",
        "input": p.text("input"),
        "voice": p.text("voice", "alloy") or "alloy",
        "response_format": fmt,
        "speed": options.get("speed") or 1,
    }
    response = client.request(
        "POST", _url(client, "/audio/speech"), body=body, item_index=p.index, raw=True
    )
    field = str(options.get("binaryPropertyOutput") or "data")
    return _binary_item(response.content, f"audio.{fmt}", f"audio/{fmt}", field)


# -- file ---------------------------------------------------------------------------------


def _file_upload(client: ServiceClient, p: Params) -> Any:
    (_, entry, data), *_ = _binary(p, p.text("binaryPropertyName", "data") or "data")
    purpose = str(p.collection("options").get("purpose") or "assistants")
    part = FilePart(
        data=data,
        file_name=str(entry.get("fileName") or "file"),
        mime_type=str(entry.get("mimeType") or "application/octet-stream"),
    )
    return _post(client, p, "/files", [("file", part), ("purpose", purpose)], "multipart")


def _file_list(client: ServiceClient, p: Params) -> Any:
    purpose = p.collection("options").get("purpose")
    answer = client.request(
        "GET", _url(client, "/files"), qs={"purpose": purpose or None}, item_index=p.index
    )
    data = answer.get("data") if isinstance(answer, Mapping) else None
    return list(data or [])


def _file_delete(client: ServiceClient, p: Params) -> Any:
    file_id = p.locator("fileId")
    if not file_id:
        raise _fail(p, "The parameter 'fileId' is required")
    from urllib.parse import quote

    return client.request(
        "DELETE", _url(client, f"/files/{quote(file_id, safe='')}"), item_index=p.index
    )


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("text", "message"): Operation(run=_text_message),
    ("text", "classify"): Operation(run=_text_classify),
    ("image", "generate"): Operation(run=_image_generate),
    ("image", "analyze"): Operation(run=_image_analyze),
    ("audio", "transcribe"): Operation(run=_audio_transcribe),
    ("audio", "translate"): Operation(run=lambda c, p: _audio_transcribe(c, p, translate=True)),
    ("audio", "generate"): Operation(run=_audio_generate),
    ("file", "upload"): Operation(run=_file_upload),
    ("file", "list"): Operation(run=_file_list),
    ("file", "deleteFile"): Operation(run=_file_delete),
}
