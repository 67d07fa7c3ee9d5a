"""n8n's API error texts: a failed call says what n8n's NodeApiError would say.

n8n replaces the service's own message with a sentence chosen by HTTP status
("Forbidden - perhaps check your credentials?") and keeps what the service said as the
description, found under the first of a list of keys (error, message, description, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hetumind.errors import NodeExecutionError

__all__ = ["STATUS_CODE_MESSAGES", "NodeApiError", "api_error", "find_description"]

STATUS_CODE_MESSAGES: Mapping[str, str] = {
    "4XX": "Your request is invalid or could not be processed by the service",
    "400": "Bad request - please check your parameters",
    "401": "Authorization failed - please check your credentials",
    "402": "Payment required - perhaps check your payment details?",
    "403": "Forbidden - perhaps check your credentials?",
    "404": "The resource you are requesting could not be found",
    "405": "Method not allowed - please check you are using the right HTTP method",
    "429": "The service is receiving too many requests from you",
    "5XX": "The service failed to process your request",
    "500": "The service was not able to process your request",
    "502": "Bad gateway - the service failed to handle your request",
    "503": "Service unavailable - try again later or consider setting this node to retry "
    "automatically (in the node settings)",
    "504": "Gateway timed out - perhaps try again later?",
}
"""n8n's STATUS_CODE_MESSAGES (packages/workflow/src/errors/node-api.error.ts)."""

_MESSAGE_KEYS = (
    "cause",
    "error",
    "message",
    "Message",
    "msg",
    "messages",
    "description",
    "reason",
    "detail",
    "details",
    "errors",
    "errorMessage",
    "errorMessages",
    "ErrorMessage",
    "error_message",
    "_error_message",
    "errorDescription",
    "error_description",
    "error_summary",
    "error_info",
    "title",
    "text",
    "field",
    "err",
    "type",
)
_NESTED_KEYS = ("Error", "error", "err", "response", "body", "data")


class NodeApiError(NodeExecutionError):
    """A service answered with an error: n8n's message, the service's own words as the
    description, and the HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        node: str | None = None,
        item_index: int | None = None,
        http_code: int | None = None,
        description: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, node=node, item_index=item_index)
        self.http_code = http_code
        self.description = description
        self.body = body
        """The service's parsed answer, for nodes that word errors from it (Discord)."""

    def with_node(self, node: str) -> NodeApiError:
        return NodeApiError(
            self.reason,
            node=node,
            item_index=self.item_index,
            http_code=self.http_code,
            description=self.description,
            body=self.body,
        )

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["type"] = "NodeApiError"
        out["httpCode"] = None if self.http_code is None else str(self.http_code)
        out["description"] = self.description
        return out

    def __repr__(self) -> str:
        return f"NodeApiError({self.reason!r}, http_code={self.http_code!r})"


def find_description(body: Any, depth: int = 0) -> str | None:
    """n8n's findProperty over the answer: the first message-like key (strings, numbers,
    lists joined with " | ", nested objects searched), then nested error objects."""
    if depth > 5:
        return None
    if not isinstance(body, Mapping):
        return body if isinstance(body, str) and body.strip() else None
    for key in _MESSAGE_KEYS:
        value = body.get(key)
        if not value:
            continue
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, list):
            parts = [
                v
                if isinstance(v, str)
                else str(v)
                if isinstance(v, int | float)
                else find_description(v, depth + 1)
                if isinstance(v, Mapping)
                else None
                for v in value
            ]
            found = [p for p in parts if p is not None]
            return " | ".join(found) if found else None
        if isinstance(value, Mapping):
            nested = find_description(value, depth + 1)
            if nested:
                return nested
    for key in _NESTED_KEYS:
        nested_value = body.get(key)
        if isinstance(nested_value, Mapping):
            nested = find_description(nested_value, depth + 1)
            if nested:
                return nested
    return None


def api_error(
    status: int,
    body: Any,
    *,
    node: str,
    item_index: int | None = None,
    message: str | None = None,
    description: str | None = None,
) -> NodeApiError:
    """The error n8n's NodeApiError gives for an answer with `status` and `body`."""
    code = str(status)
    text = message or STATUS_CODE_MESSAGES.get(code) or STATUS_CODE_MESSAGES.get(f"{code[0]}XX")
    found = description if description is not None else find_description(body)
    if not text:
        text, found = (found or f"HTTP {status}"), None
    return NodeApiError(
        text,
        node=node,
        item_index=item_index,
        http_code=status,
        description=None if found == text else found,
        body=body,
    )
