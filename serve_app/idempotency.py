"""The `Idempotency-Key` header on runs and webhooks: a repeated delivery with the same
key for the same workflow (within HETUMIND_IDEMPOTENCY_HOURS) starts no second execution
and is answered with the first one's id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request

from hetumind.engine.runtime import new_execution_id
from serve_app.errors import ApiError
from serve_app.services import Services

__all__ = ["HEADER", "REPLAYED_HEADER", "Claim", "claim"]

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_LENGTH = 255


@dataclass
class Claim:
    """The outcome of a claim: start `execution_id`, or answer with `duplicate_of`."""

    execution_id: str | None = None
    duplicate_of: str | None = None


@asynccontextmanager
async def claim(svc: Services, request: Request, workflow_id: str) -> AsyncIterator[Claim]:
    """Claim the request's key (if any) for a new execution id; if the body of the `with`
    fails, the claim is released so that the client's retry can start the run."""
    key = request.headers.get(HEADER)
    if key is None:
        yield Claim()
        return
    key = key.strip()
    if not key or len(key) > MAX_LENGTH or not key.isprintable():
        raise ApiError(400, f"{HEADER} header must be 1 to {MAX_LENGTH} printable characters")
    wanted = new_execution_id()
    retention = timedelta(hours=svc.settings.idempotency_hours)
    got, created = await svc.store.idempotency.claim(workflow_id, key, wanted, retention)
    if not created:
        yield Claim(duplicate_of=got)
        return
    try:
        yield Claim(execution_id=wanted)
    except BaseException:
        await svc.store.idempotency.release(workflow_id, key, wanted)
        raise
