"""The prompt of a root AI node for one item, from n8n's chainLlm/agent parameters."""

from __future__ import annotations

from typing import Any

from hetumind.ai.errors import AIConfigError
from hetumind.nodes.api import NodeContext

__all__ = ["message_templates", "user_prompt"]

_ROLES = {
    "SystemMessagePromptTemplate": "system",
    "AIMessagePromptTemplate": "assistant",
    "HumanMessagePromptTemplate": "user",
}


def user_prompt(ctx: NodeContext, item_index: int) -> str:
    """promptType "auto" reads `chatInput` from the item (n8n's chat trigger field);
    "define" evaluates the `text` parameter (older versions: `prompt`)."""
    prompt_type = ctx.param("promptType", item_index, None)
    if prompt_type in ("auto", None) and "text" not in ctx.raw_parameters:
        value = ctx.param("prompt", item_index, None)
        if value is None:
            value = ctx.evaluate("={{ $json.chatInput }}", item_index, "promptType")
    else:
        value = ctx.param("text", item_index, None)
        if prompt_type == "auto" and value is None:
            value = ctx.evaluate("={{ $json.chatInput }}", item_index, "promptType")
    if value is None or value == "":
        raise AIConfigError(
            "the prompt is empty: set 'text' (prompt type 'define') or give items a "
            "'chatInput' field"
        )
    return value if isinstance(value, str) else str(value)


def message_templates(ctx: NodeContext, item_index: int) -> list[dict[str, Any]]:
    """Extra messages (chainLlm's `messages.messageValues`), expressions evaluated."""
    values = ctx.param("messages.messageValues", item_index, None) or []
    messages = []
    for entry in values:
        kind = entry.get("type", "SystemMessagePromptTemplate")
        role = _ROLES.get(kind)
        if role is None:
            raise AIConfigError(f"unknown message type {kind!r}; one of {sorted(_ROLES)}")
        if entry.get("messageType", "text") != "text":
            raise AIConfigError("only text messages are supported (no image messages yet)")
        messages.append({"role": role, "content": str(entry.get("message", ""))})
    return messages
