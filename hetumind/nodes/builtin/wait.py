"""Wait 1 and 1.1: pause the execution for a time, until a moment, or until a webhook call.

Like n8n, a wait shorter than 65 seconds sleeps in place (the node holds its worker).
A longer one *parks* the execution when the engine runs under the server
(`ctx.execution.park_waits`): the node's run records when to wake up and the execution
ends as `waiting` in the store, holding no Ray resources and no thread; the server resumes
it from its checkpoint when the time comes or `$execution.resumeUrl` is called (exactly
once: resuming claims the row). Without a server (`hetumind run`), a long time-based wait
sleeps as well, and a webhook wait fails clearly, since nothing could call it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hetumind.engine.cancel import cancellable_sleep
from hetumind.engine.checkpoint import WAIT_KEY
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node

__all__ = ["Wait", "park_threshold_seconds"]

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def park_threshold_seconds() -> float:
    """Waits at least this long park the execution (n8n: 65 s, its database poll period)."""
    return float(os.environ.get("HETUMIND_WAIT_PARK_SECONDS", "65"))


def _seconds(ctx: NodeContext, amount_key: str, unit_key: str, defaults: tuple[Any, str]) -> float:
    amount = ctx.param(amount_key, 0, defaults[0])
    unit = ctx.param(unit_key, 0, defaults[1])
    if unit not in _UNIT_SECONDS:
        raise NodeExecutionError(
            f"parameter {unit_key!r}: invalid wait unit {unit!r}; "
            "use 'seconds', 'minutes', 'hours' or 'days'"
        )
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        raise NodeExecutionError(
            f"parameter {amount_key!r}: invalid wait amount {amount!r}; "
            "enter a number that is 0 or greater"
        )
    return float(amount) * _UNIT_SECONDS[unit]


def _parse_time(value: Any, parameter: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise NodeExecutionError(
                f"parameter {parameter!r}: {value!r} is not a valid date; "
                "pick a specific date and time to wait until"
            ) from None
    return moment if moment.tzinfo else moment.astimezone()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@node(
    name="wait",
    versions=(1, 1.1),
    display_name="Wait",
    description="Wait before continuing with the execution",
    params=NodeParams,
    fusible=False,
    sleeps=True,
    pure=True,
)
class Wait(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        items = inputs[0] if inputs else ItemBatch.empty()
        resume = ctx.param("resume", 0, "timeInterval")
        now = datetime.now(UTC)
        if resume == "timeInterval":
            defaults = (1, "hours") if ctx.type_version < 1.1 else (5, "seconds")
            till: datetime | None = now + timedelta(
                seconds=_seconds(ctx, "amount", "unit", defaults)
            )
        elif resume == "specificTime":
            till = _parse_time(ctx.param("dateTime", 0), "dateTime")
        elif resume == "webhook":
            till = self._limit(ctx, now)
            if not ctx.execution.park_waits:
                raise NodeExecutionError(
                    "resuming on a webhook needs the server (hetumind serve): "
                    "a run from the command line has no resume URL to call"
                )
            return self._park(ctx, items, till, resume)
        else:
            raise NodeExecutionError(
                f"parameter 'resume': {resume!r} is not supported "
                "(use timeInterval, specificTime or webhook)"
            )
        assert till is not None
        seconds = (till - now).total_seconds()
        if seconds < park_threshold_seconds() or not ctx.execution.park_waits:
            # wakes early when the execution is cancelled (engine/start.py)
            cancellable_sleep(seconds)
            return [items.with_identity_pairing()]
        return self._park(ctx, items, till, resume)

    @staticmethod
    def _limit(ctx: NodeContext, now: datetime) -> datetime | None:
        """A webhook wait's time limit (limitWaitTime), after which it resumes by itself."""
        if not ctx.param("limitWaitTime", 0, False):
            return None
        if ctx.param("limitType", 0, "afterTimeInterval") == "afterTimeInterval":
            seconds = _seconds(ctx, "resumeAmount", "resumeUnit", (1, "hours"))
            return now + timedelta(seconds=seconds)
        return _parse_time(ctx.param("maxDateAndTime", 0), "maxDateAndTime")

    @staticmethod
    def _park(
        ctx: NodeContext, items: ItemBatch, till: datetime | None, resume: str
    ) -> list[ItemBatch]:
        ctx.record(WAIT_KEY, {"till": None if till is None else _iso(till), "resume": resume})
        return [items.with_identity_pairing()]
