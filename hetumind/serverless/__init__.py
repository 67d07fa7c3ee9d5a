"""A Lambda-style handler: API Gateway (REST v1, HTTP API v2, function URLs) and direct
invoke, running workflows on the inline backend.

Kept tiny on purpose: importing this package imports nothing heavy; `handler` loads the
engine on its first call (cold start) and keeps it for the warm ones.
"""

from __future__ import annotations

from typing import Any

__all__ = ["handler"]


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """The Lambda entry point (`hetumind.serverless.handler`)."""
    from hetumind.serverless._handler import handle

    return handle(event, context)
