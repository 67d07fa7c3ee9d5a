"""The legacy OpenAI node's requests and outputs, as n8n's declarative routing makes them.

n8n describes the node (nodes-base OpenAi, hidden since the LangChain node replaced it)
as routing rules: every top-level parameter shown for the operation is sent under its
body property, with its default when the workflow leaves it out (an export omits
defaults); a collection's options are sent only when set. After the answer, the
`postReceive` steps shape the items: simplify takes `choices` (or moderation `results`)
as one item each, trimming completion `text`; images are one item per generated image,
either `{url}` or binary `data` decoded from `b64_json`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from hetumind.binary import put_binary
from hetumind.errors import NodeExecutionError
from hetumind.integrations import Operation, Params, WithBinary
from hetumind.integrations.client import ServiceClient

__all__ = ["OPERATIONS", "base_url"]

DEFAULT_URL = "https://api.openai.com"

# option name in n8n -> body property
_COMPLETION_OPTIONS = {
    "echo": "echo",
    "frequency_penalty": "frequency_penalty",
    "maxTokens": "max_tokens",
    "n": "n",
    "presence_penalty": "presence_penalty",
    "temperature": "temperature",
    "topP": "top_p",
}
_EDIT_OPTIONS = {  # echo and maxTokens are shown for complete only, so n8n never sends them
    k: v for k, v in _COMPLETION_OPTIONS.items() if k not in ("echo", "maxTokens")
}

# The file types OpenAI's image endpoints return, by their first bytes (n8n detects the
# type from the content when it stores the image).
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF8", "image/gif", "gif"),
)


def base_url(credential: Mapping[str, Any]) -> str:
    """n8n's `$credentials.url.split("/").slice(0, -1).join("/")`: the credential's URL
    (default `https://api.openai.com/v1`) without its last segment, since every path
    starts with `/v1`. A trailing slash is dropped first (n8n would keep `/v1` twice)."""
    url = str(credential.get("url") or "").rstrip("/")
    if not url:
        return DEFAULT_URL
    return url.rsplit("/", 1)[0] if "/" in url.split("://", 1)[-1] else url


def _options(p: Params, names: Mapping[str, str]) -> dict[str, Any]:
    given = p.collection("options")
    return {body: given[name] for name, body in names.items() if name in given}


def _simplify(p: Params) -> bool:
    value = p.get("simplifyOutput", True)
    return value is not False and str(value).lower() != "false"


def _post(client: ServiceClient, p: Params, path: str, body: dict[str, Any]) -> Any:
    return client.request("POST", base_url(client.data) + path, body=body, item_index=p.index)


def _listed(answer: Any, key: str) -> list[Any]:
    found = answer.get(key) if isinstance(answer, Mapping) else None
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def _messages(p: Params) -> list[dict[str, Any]] | None:
    prompt = p.get("prompt", {})
    if prompt in (None, "", {}):
        return None  # n8n sends `$value.messages`: undefined, so no messages at all
    raw = prompt.get("messages") if isinstance(prompt, Mapping) else None
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(m, Mapping) for m in raw):
        raise NodeExecutionError(
            "The parameter 'prompt.messages' must be a list of messages with a role and content",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    return [{**m, "role": m.get("role", "user"), "content": m.get("content", "")} for m in raw]


def _chat_complete(client: ServiceClient, p: Params) -> Any:
    # version 1 names the model `model`; 1.1 and later `chatModel` (n8n hides one per version)
    name = "model" if p.version < 1.1 else "chatModel"
    body: dict[str, Any] = {"model": p.get(name, "gpt-3.5-turbo")}
    messages = _messages(p)
    if messages is not None:
        body["messages"] = messages
    body.update(_options(p, _COMPLETION_OPTIONS))
    answer = _post(client, p, "/v1/chat/completions", body)
    return _listed(answer, "choices") if _simplify(p) else answer


def _trimmed(choices: list[Any]) -> list[Any]:
    out = []
    for choice in choices:
        if isinstance(choice, Mapping) and isinstance(choice.get("text"), str):
            choice = {**choice, "text": choice["text"].strip()}
        out.append(choice)
    return out


def _text_complete(client: ServiceClient, p: Params) -> Any:
    body = {"model": p.get("model", "gpt-3.5-turbo-instruct"), "prompt": p.get("prompt", "")}
    body.update(_options(p, _COMPLETION_OPTIONS))
    answer = _post(client, p, "/v1/completions", body)
    return _trimmed(_listed(answer, "choices")) if _simplify(p) else answer


def _text_edit(client: ServiceClient, p: Params) -> Any:
    body = {
        "model": p.get("model", "text-davinci-edit-001"),
        "input": p.get("input", ""),
        "instruction": p.get("instruction", ""),
    }
    body.update(_options(p, _EDIT_OPTIONS))
    answer = _post(client, p, "/v1/edits", body)
    return _trimmed(_listed(answer, "choices")) if _simplify(p) else answer


def _text_moderate(client: ServiceClient, p: Params) -> Any:
    body = {"model": p.get("model", "text-moderation-latest"), "input": p.get("input", "")}
    answer = _post(client, p, "/v1/moderations", body)
    return _listed(answer, "results") if _simplify(p) else answer


def _image_create(client: ServiceClient, p: Params) -> Any:
    as_url = p.get("responseFormat", "binaryData") == "imageUrl"
    model = p.get("model" if p.version < 1.1 else "imageModel", "dall-e-2")
    body: dict[str, Any] = {
        "prompt": p.get("prompt", ""),
        "model": model,
        "response_format": "url" if as_url else "b64_json",
    }
    # quality and style exist for dall-e-3, size for both models (n8n shows them by the
    # parameter `model`, which 1.1 renamed, so n8n 1.1 drops them: see the docs)
    names = {"n": "n"}
    if model in ("dall-e-2", "dall-e-3"):
        names["size"] = "size"
    if model == "dall-e-3":
        names.update(quality="quality", style="style")
    body.update(_options(p, names))
    images = _listed(_post(client, p, "/v1/images/generations", body), "data")
    if as_url:
        return images
    return [_binary_image(p, image) for image in images]


def _binary_image(p: Params, image: Any) -> WithBinary:
    encoded = image.get("b64_json") if isinstance(image, Mapping) else None
    try:
        raw = base64.b64decode(str(encoded or ""), validate=False)
    except (binascii.Error, ValueError):
        raise NodeExecutionError(
            "OpenAI's answer holds an image that is not valid base64",
            node=p.ctx.node_name,
            item_index=p.index,
        ) from None
    mime, extension = "text/plain", "txt"  # n8n's default when the type is unknown
    for magic, kind, ext in _MAGIC:
        if raw.startswith(magic):
            mime, extension = kind, ext
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        mime, extension = "image/webp", "webp"
    entry = put_binary(raw, mime_type=mime, file_name="data")
    entry["fileExtension"] = extension
    return WithBinary(json={}, binary={"data": entry})


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("chat", "complete"): Operation(run=_chat_complete),
    ("text", "complete"): Operation(run=_text_complete),
    ("text", "edit"): Operation(run=_text_edit),
    ("text", "moderate"): Operation(run=_text_moderate),
    ("image", "create"): Operation(run=_image_create),
}
