"""Google Calendar Trigger (n8n `googleCalendarTrigger` 1): a polling trigger that starts
the workflow with the events of a calendar created, updated, cancelled, started or ended
since the last poll (`triggerOn`: eventCreated, eventUpdated, eventCancelled,
eventStarted, eventEnded; `options.matchTerm` is Google's free-text `q`).

As n8n does: the node keeps `lastTimeChecked` (the end of the last poll's window, UTC,
seconds) in its static data; the first poll's window starts when it runs, so existing
events do not flood the workflow. Created / updated / cancelled events are listed with
`updatedMin` and `orderBy=updated` (cancelled: `showDeleted`), then filtered on `created`
inside the window (created), `created` != `updated` to the second (updated, cancelled),
and `status: cancelled`; started / ended list the single instances between the window's
ends (`singleEvents`, `timeMin` / `timeMax`, `orderBy=startTime`) and keep those whose
start / end dateTime is inside it. Every page is read (pageToken). A manual run lists
one event without a window and fails with n8n's "No data with the current filter could
be found" when there is none; it leaves the state as it was (n8n moves it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import Params, ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.luxon.parse import parse_datetime
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.builtin._google_calendar import CALENDAR, calendar_id, list_events, moment_utc
from hetumind.nodes.polling import PollingTrigger

__all__ = ["GoogleCalendarTrigger"]

_EVENTS = ("eventCreated", "eventUpdated", "eventCancelled", "eventStarted", "eventEnded")
# n8n's extractValue for the id mode (calendar ids are e-mail addresses)
_ID_MODE = "(^[a-zA-Z0-9.!#$%&\u2019*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*)"


class GoogleCalendarTriggerParams(NodeParams):
    triggerOn: str = ""


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    return parse_datetime(str(value), UTC)


def _second(value: Any) -> str:
    moment = _moment(value)
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@node(
    "googleCalendarTrigger",
    versions=[1],
    display_name="Google Calendar Trigger",
    description="Starts the workflow when Google Calendar events occur",
    inputs=0,
    trigger=True,
    params=GoogleCalendarTriggerParams,
    trigger_kind="polling",
    fusible=False,
)
class GoogleCalendarTrigger(PollingTrigger):
    """Polls a calendar for new, changed, cancelled, starting or ending events."""

    def poll(self, ctx: NodeContext, *, manual: bool) -> list[dict[str, Any]] | None:
        try:
            return self._poll(ctx, manual)
        except NodeExecutionError:
            raise
        except HetumindError as exc:
            raise NodeExecutionError(exc.message, node=ctx.node_name) from None

    def _poll(self, ctx: NodeContext, manual: bool) -> list[dict[str, Any]] | None:
        p = Params(ctx, 0, {})
        times = p.get("pollTimes", None)
        if isinstance(times, Mapping) and not (times.get("item") or []):
            raise NodeExecutionError("Please set a poll time", node=ctx.node_name)
        trigger_on = p.text("triggerOn", "")
        if trigger_on == "":
            raise NodeExecutionError("Please select an event", node=ctx.node_name)
        if trigger_on not in _EVENTS:
            raise NodeExecutionError(
                f"The value '{trigger_on}' of the parameter 'triggerOn' is not supported",
                node=ctx.node_name,
            )
        raw = p.locator("calendarId", None)
        if p.locator_mode("calendarId") == "id":
            found = re.search(_ID_MODE, raw)
            raw = found.group(1) if found else raw.strip()
        if raw == "":
            raise NodeExecutionError("Please select a calendar", node=ctx.node_name)
        state = ctx.static_data("node")
        match = p.text("options.matchTerm", "")
        now = moment_utc(datetime.now(UTC))
        start = str(state.get("lastTimeChecked") or now)
        end = now
        qs: dict[str, Any] = {"showDeleted": False}
        if match:
            qs["q"] = match
        if trigger_on in ("eventCreated", "eventUpdated", "eventCancelled"):
            qs.update(
                updatedMin=start, orderBy="updated", showDeleted=trigger_on == "eventCancelled"
            )
        else:
            low = _moment(start)
            qs.update(
                singleEvents=True,
                timeMin=moment_utc(low) if low else start,
                timeMax=end,
                orderBy="startTime",
            )
        client = ServiceClient(ctx, CALENDAR)
        cid = calendar_id(raw)
        if manual:
            for key in ("updatedMin", "timeMin", "timeMax"):
                qs.pop(key, None)
            qs["maxResults"] = 1
            events = list_events(client, cid, qs, every=False)
        else:
            events = self._window(list_events(client, cid, qs, every=True), trigger_on, start, end)
            state["lastTimeChecked"] = end
        if events:
            return events
        if manual:
            raise NodeApiError("No data with the current filter could be found", node=ctx.node_name)
        return None

    @staticmethod
    def _window(
        events: list[dict[str, Any]], trigger_on: str, start: str, end: str
    ) -> list[dict[str, Any]]:
        low, high = _moment(start), _moment(end)
        if low is None or high is None:
            return []

        def inside(value: Any, *, inclusive: bool) -> bool:
            moment = _moment(value)
            if moment is None:
                return False
            return low <= moment <= high if inclusive else low < moment < high

        if trigger_on == "eventCreated":
            return [e for e in events if inside(e.get("created"), inclusive=False)]
        if trigger_on in ("eventUpdated", "eventCancelled"):
            kept = [e for e in events if _second(e.get("created")) != _second(e.get("updated"))]
            if trigger_on == "eventCancelled":
                kept = [e for e in kept if e.get("status") == "cancelled"]
            return kept
        edge = "start" if trigger_on == "eventStarted" else "end"
        return [e for e in events if inside((e.get(edge) or {}).get("dateTime"), inclusive=True)]
