"""Request helpers: JSON bodies with size limits and clear errors, cursor pagination."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Path, Query, Request

from serve_app.errors import ApiError

__all__ = [
    "CURSOR_PATTERN",
    "Cursor",
    "DateTime",
    "Limit",
    "WebhookPath",
    "decode_cursor",
    "encode_cursor",
    "list_of",
    "page_args",
    "read_body",
    "read_json",
]

MAX_LIMIT = 250
DEFAULT_LIMIT = 100

Limit = Annotated[int | None, Query(ge=1, le=MAX_LIMIT)]
"""A page size query parameter (1..250, default 100); outside it a 400."""

CURSOR_PATTERN = r"^[0-9]{1,18}$"
"""A page cursor: the decimal offset of the next page. The OpenAPI document declares the
pattern, so every cursor it allows is one the server takes (18 digits stay under the
64-bit offsets databases accept); anything else is a 400."""

Cursor = Annotated[
    str | None,
    Query(pattern=CURSOR_PATTERN, description="the nextCursor of the previous page"),
]


DateTime = Annotated[
    str | None,
    Query(
        json_schema_extra={"type": "string", "anyOf": [{"format": "date-time"}, {"maxLength": 0}]},
        description="ISO 8601 with a timezone; empty for no bound",
    ),
]
"""A date-time query parameter, or empty; the route parses it (400 when it is not one)."""


def list_of(values: Sequence[str]) -> str:
    """The pattern of a comma-separated list of `values` (spaces and empty entries
    allowed), for `Query(pattern=...)`: the server refuses what the pattern refuses."""
    one = "(?:" + "|".join(values) + ")?"
    return f"^ *{one} *(?:, *{one} *)*$"


WebhookPath = Annotated[
    str,
    # Declared, not enforced by FastAPI: a path that is only slashes and whitespace names no
    # route, and is answered 404 as n8n answers an unregistered webhook.
    Path(
        json_schema_extra={"pattern": r"[^\s/]"},
        description="a webhook node's path: more than slashes and spaces",
    ),
]
"""The path of /webhook/{path} (hetumind.store.normalize_path)."""


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw body, refusing (413) anything over `max_bytes` before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise ApiError(400, f"bad Content-Length header {declared!r}") from None
        if size > max_bytes:
            raise ApiError(
                413,
                f"request body of {size} bytes is over the limit of {max_bytes} bytes",
                details={"limit": max_bytes, "size": size},
            )
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > max_bytes:
            raise ApiError(
                413,
                f"request body is over the limit of {max_bytes} bytes",
                details={"limit": max_bytes},
            )
        chunks.append(chunk)
    return b"".join(chunks)


MAX_DEPTH = 200
"""Deepest nesting a body may have: deeper documents cannot be stored, validated or
shown back without recursion limits (n8n workflows are a few levels deep)."""


def parse_json(raw: bytes, what: str = "request body") -> Any:
    try:
        value = json.loads(raw)
    except UnicodeDecodeError:
        raise ApiError(400, f"malformed JSON in the {what}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            f"malformed JSON in the {what} at line {exc.lineno} column {exc.colno}: {exc.msg}",
            details={"line": exc.lineno, "column": exc.colno},
        ) from None
    except RecursionError:
        raise ApiError(400, f"the {what} is nested too deeply (limit {MAX_DEPTH})") from None
    except ValueError as exc:  # e.g. an integer literal over Python's 4300-digit limit
        raise ApiError(400, f"malformed JSON in the {what}: {exc}") from None
    problem = check_value(value)
    if problem:
        raise ApiError(400, f"the {what} {problem}")
    return value


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_value(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """Why a parsed JSON value cannot be stored (too deep, a lone surrogate `\ud800`
    that no database accepts, a number too big to compare), or None. Iterative, so a
    hostile depth cannot blow the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return f"is nested too deeply (limit {max_depth})"
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str) and _lone_surrogate(key):
                    return "has a key with a lone UTF-16 surrogate; send valid Unicode"
                stack.append((child, depth + 1))
        elif isinstance(item, str):
            if _lone_surrogate(item):
                return "has a string with a lone UTF-16 surrogate; send valid Unicode"
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 1 << 63:
            return f"has an integer beyond 64 bits ({str(item)[:20]}...); send it as a string"
        elif isinstance(item, float) and not math.isfinite(item):
            return "has NaN or Infinity, which are not JSON"
    return None


async def read_json(request: Request, max_bytes: int, *, default: Any = None) -> Any:
    """The body as JSON (400 when malformed, 413 when too big); `default` when empty."""
    raw = await read_body(request, max_bytes)
    if not raw.strip():
        if default is None:
            raise ApiError(400, "a JSON request body is required")
        return default
    return parse_json(raw)


def encode_cursor(offset: int) -> str:
    return str(offset)


def decode_cursor(cursor: str | None) -> int:
    """The offset a cursor names (0 without one); 400 for anything but CURSOR_PATTERN,
    also when a caller skips the query validation of `Cursor`."""
    if not cursor:
        return 0
    if not re.fullmatch(CURSOR_PATTERN, cursor, flags=re.ASCII):
        raise ApiError(400, f"invalid cursor {cursor[:40]!r}; pass back a nextCursor value")
    return int(cursor)


def page_args(limit: int | None, cursor: str | None) -> tuple[int, int]:
    """(limit, offset) from the query; limits outside 1..250 are a 400."""
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}, got {size}")
    return size, decode_cursor(cursor)


def page_response(rows: list[Any], limit: int, offset: int) -> dict[str, Any]:
    """`{"data": rows[:limit], "nextCursor"}`; callers fetch limit + 1 rows to know."""
    more = len(rows) > limit
    return {
        "data": rows[:limit],
        "nextCursor": encode_cursor(offset + limit) if more else None,
    }
