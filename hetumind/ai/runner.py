"""Running a root AI node over its items: concurrent requests, ordered results, errors
per item, and the steps recorded in the node's run data (RunMeta.extra["ai"])."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from hetumind.asyncbridge import gather_limited, run_fresh
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext

__all__ = ["record_steps", "run_items"]

Row = dict[str, Any]


def run_items(
    ctx: NodeContext,
    count: int,
    one: Callable[[int], Awaitable[Row]],
    *,
    limit: int,
    session_of: Callable[[int], str | None] | None = None,
    closing: Sequence[Any] = (),
) -> ItemBatch:
    """Run `one(i)` for every item with up to `limit` in flight, keeping item order.

    Items of the same conversation (`session_of`) run one after another, so each sees
    the turns before it; different conversations run concurrently. `closing` objects
    (model clients) are closed on the loop that used them.
    """
    groups: dict[Any, list[int]] = {}
    for i in range(count):
        key = session_of(i) if session_of else None
        groups.setdefault(("session", key) if key is not None else ("item", i), []).append(i)

    async def group(indexes: list[int]) -> list[tuple[int, Row | BaseException]]:
        out: list[tuple[int, Row | BaseException]] = []
        for i in indexes:
            try:
                out.append((i, await one(i)))
            except Exception as exc:
                out.append((i, exc))
        return out

    def starter(indexes: list[int]) -> Callable[[], Awaitable[list[tuple[int, Any]]]]:
        return lambda: group(indexes)

    async def main() -> list[Any]:
        try:
            return list(await gather_limited([starter(g) for g in groups.values()], limit))
        finally:
            # Clients hold connections bound to this loop: close them inside it.
            for client in closing:
                await client.aclose()

    results: list[Row | BaseException | None] = [None] * count
    for finished in run_fresh(main()):
        if isinstance(finished, BaseException):
            raise finished
        for i, value in finished:
            results[i] = value
    rows: list[Row] = []
    for i, value in enumerate(results):
        if isinstance(value, BaseException):
            message = value.message if isinstance(value, HetumindError) else f"{value}"
            if not ctx.continue_on_fail:
                raise NodeExecutionError(message, node=ctx.node_name, item_index=i)
            rows.append({"error": message})
        else:
            assert value is not None
            rows.append(value)
    return ItemBatch.from_json(rows, paired=list(range(count)))


def record_steps(ctx: NodeContext, per_item: list[dict[str, Any]]) -> None:
    """Leave the per-item steps and token totals where the run's watchers find them."""
    totals = {"promptTokens": 0, "completionTokens": 0, "totalTokens": 0}
    for entry in per_item:
        for key in totals:
            totals[key] += int((entry.get("usage") or {}).get(key, 0))
    ctx.record("ai", {"items": per_item, "usage": totals})
