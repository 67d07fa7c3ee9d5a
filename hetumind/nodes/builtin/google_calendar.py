"""Google Calendar (n8n `googleCalendar` 1, 1.1, 1.2, 1.3) over the Calendar v3 REST API,
with googleCalendarOAuth2Api (n8n's only credential for it; a service account, googleApi
with `authentication: serviceAccount`, works too).

Resources and operations (n8n's values): calendar availability (freeBusy: outputFormat
availability / bookedSlots / raw); event create, get, getAll, update, delete. What the
versions change, as n8n's source has them:

- 1.3: getAll takes the top-level `timeMin` / `timeMax` (After / Before, defaults now and
  a week from now) and `options.recurringEventHandling` (expand, the default, sends
  singleEvents; next replaces a recurring event by its next instance; first drops
  recurring events created outside the window); get's `options.returnNextInstance`;
  update's `modifyTarget` (event: the recurring event an instance belongs to); output
  keys ordered id, summary, start, end, attendees, ...
- below 1.3: getAll and get add `nextOccurrence` to recurring events.
- 1.2+: update's `updateFields.attendeesUi` (add to or replace the attendees).
- above 1: update without `updateFields.timezone` uses the workflow's time zone.

Dates without an offset are read in the workflow's time zone (`settings.timezone`, else
GENERIC_TIMEZONE, else America/New_York) and sent in UTC, as moment-timezone does in n8n.
See docs/nodes/google-calendar.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import Params, ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin._google_calendar import (
    CALENDAR,
    add_next_occurrence,
    add_timezone_to_date,
    calendar_id,
    list_events,
    moment_utc,
    parse_moment,
    timezone_name,
    zone,
)
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.item_wise import item_error

__all__ = ["GoogleCalendar", "GoogleCalendarTool"]

_KEY_ORDER = (
    "id",
    "summary",
    "start",
    "end",
    "attendees",
    "creator",
    "organizer",
    "description",
    "location",
    "created",
    "updated",
)


class _Run:
    """One node run: the client, the workflow's time zone and the node version."""

    def __init__(self, ctx: NodeContext, client: ServiceClient) -> None:
        self.ctx = ctx
        self.client = client
        self.tz = timezone_name(ctx)
        self.version = ctx.type_version
        self.node = ctx.node_name

    def calendar(self, p: Params, *, encode: bool = True) -> str:
        raw = p.locator("calendar")
        if not raw:
            raise NodeExecutionError(
                "The parameter 'calendar' is required", node=self.node, item_index=p.index
            )
        return calendar_id(raw, encode=encode)

    def event_id(self, p: Params) -> str:
        value = p.text("eventId", "")
        if not value:
            raise NodeExecutionError(
                "The parameter 'eventId' is required", node=self.node, item_index=p.index
            )
        return quote(value, safe="")

    def get(self, path: str, p: Params, qs: Mapping[str, Any] | None = None) -> Any:
        return self.client.request("GET", path, qs=qs, item_index=p.index)

    # -- calendar -------------------------------------------------------------------------

    def availability(self, p: Params) -> Any:
        cid = self.calendar(p, encode=False)
        options = p.collection("options")
        output = str(options.get("outputFormat") or "availability")
        own_tz = p.locator("options.timezone") if options.get("timezone") else ""
        tz = zone(self.tz, self.node)
        body = {
            "timeMin": moment_utc(
                parse_moment(p.get("timeMin"), tz, "timeMin", self.node, p.index)
            ),
            "timeMax": moment_utc(
                parse_moment(p.get("timeMax"), tz, "timeMax", self.node, p.index)
            ),
            "items": [{"id": cid}],
            "timeZone": own_tz or self.tz,
        }
        answer = (
            self.client.request("POST", "calendar/v3/freeBusy", body=body, item_index=p.index) or {}
        )
        found = (answer.get("calendars") or {}).get(cid) or {}
        if found.get("errors"):
            reasons = ", ".join(str(e.get("reason")) for e in found["errors"])
            raise NodeApiError(
                "UNKNOWN ERROR - check the detailed error for more information",
                node=self.node,
                item_index=p.index,
                description=f"Calendar {cid}: {reasons}",
            )
        busy = list(found.get("busy") or [])
        if output == "availability":
            return {"available": not busy}
        if output == "bookedSlots":
            return busy
        return answer

    # -- events ---------------------------------------------------------------------------

    def _attendees(self, values: Any) -> list[dict[str, str]]:
        listed = values if isinstance(values, list) else [values]
        return [
            {"email": email.strip()}
            for entry in listed
            if entry not in (None, "")
            for email in str(entry).split(",")
        ]

    def _recurrence(self, fields: Mapping[str, Any], p: Params) -> list[str]:
        if fields.get("rrule"):
            return [f"RRULE:{fields['rrule']}"]
        if fields.get("repeatHowManyTimes") and fields.get("repeatUntil"):
            raise NodeExecutionError(
                "You can set either 'Repeat How Many Times' or 'Repeat Until' but not both",
                node=self.node,
                item_index=p.index,
            )
        parts: list[str] = []
        if fields.get("repeatFrecuency"):
            parts.append(f"FREQ={str(fields['repeatFrecuency']).upper()};")
        if fields.get("repeatHowManyTimes"):
            parts.append(f"COUNT={fields['repeatHowManyTimes']};")
        if fields.get("repeatUntil"):
            until = parse_moment(
                fields["repeatUntil"], zone(self.tz, self.node), "repeatUntil", self.node, p.index
            )
            parts.append(f"UNTIL={until.astimezone(UTC).strftime('%Y%m%dT%H%M%S')}Z")
        return [f"RRULE:{''.join(parts)}"] if parts else []

    def _common(self, fields: Mapping[str, Any], body: dict[str, Any], qs: dict[str, Any]) -> None:
        """The fields create and update share (n8n sets each only when truthy)."""
        for name in ("maxAttendees", "sendNotifications", "sendUpdates"):
            if fields.get(name):
                qs[name] = fields[name]
        if fields.get("attendees"):
            body["attendees"] = self._attendees(fields["attendees"])
        renames = {
            "color": "colorId",
            "description": "description",
            "guestsCanInviteOthers": "guestsCanInviteOthers",
            "guestsCanModify": "guestsCanModify",
            "guestsCanSeeOtherGuests": "guestsCanSeeOtherGuests",
            "id": "id",
            "location": "location",
            "summary": "summary",
            "showMeAs": "transparency",
            "visibility": "visibility",
        }
        for name, key in renames.items():
            if fields.get(name):
                body[key] = fields[name]

    def _reminders(self, p: Params, body: dict[str, Any]) -> None:
        if p.get("useDefaultReminders", True) is False:
            values = (p.get("remindersUi", {}) or {}).get("remindersValues")
            body["reminders"] = {"useDefault": False}
            if values:
                body["reminders"]["overrides"] = values

    def _edge(self, value: Any, tz_name: str | None, what: str, p: Params) -> dict[str, Any]:
        tz = zone(tz_name or "UTC", self.node)
        edge: dict[str, Any] = {
            "dateTime": moment_utc(parse_moment(value, tz, what, self.node, p.index))
        }
        if tz_name:
            edge["timeZone"] = tz_name
        return edge

    def _day(self, value: Any, tz_name: str | None, what: str, p: Params) -> dict[str, Any]:
        tz = zone(tz_name or "UTC", self.node)
        return {
            "date": parse_moment(value, tz, what, self.node, p.index)
            .astimezone(tz)
            .date()
            .isoformat()
        }

    def create(self, p: Params) -> Any:
        cid = self.calendar(p)
        fields = p.collection("additionalFields")
        start, end = p.get("start"), p.get("end")
        qs: dict[str, Any] = {}
        body: dict[str, Any] = {
            "start": self._edge(start, self.tz, "start", p),
            "end": self._edge(end, self.tz, "end", p),
        }
        self._common(fields, body, qs)
        self._reminders(p, body)
        allday = fields.get("allday")
        if allday == "yes" or (self.version < 1.1 and allday is True):
            body["start"] = self._day(start, self.tz, "start", p)
            body["end"] = self._day(end, self.tz, "end", p)
        body["recurrence"] = self._recurrence(fields, p)
        conference = (fields.get("conferenceDataUi") or {}).get("conferenceDataValues")
        if conference:
            qs["conferenceDataVersion"] = 1
            body["conferenceData"] = {
                "createRequest": {
                    "requestId": str(uuid.uuid4()),
                    "conferenceSolution": {"type": conference.get("conferenceSolution")},
                }
            }
        return self.client.request(
            "POST", f"calendar/v3/calendars/{cid}/events", qs=qs, body=body, item_index=p.index
        )

    def delete(self, p: Params) -> Any:
        cid, eid = self.calendar(p), self.event_id(p)
        # as n8n: options.sendUpdates is read but never sent
        self.client.request(
            "DELETE", f"calendar/v3/calendars/{cid}/events/{eid}", item_index=p.index
        )
        return {"success": True}

    def get_event(self, p: Params) -> Any:
        cid, eid = self.calendar(p), self.event_id(p)
        options = p.collection("options")
        qs: dict[str, Any] = {}
        if options.get("maxAttendees"):
            qs["maxAttendees"] = options["maxAttendees"]
        tz = p.locator("options.timeZone") if options.get("timeZone") else ""
        if tz:
            qs["timeZone"] = tz
        event = self.get(f"calendar/v3/calendars/{cid}/events/{eid}", p, qs)
        if not event:
            return event
        if self.version >= 1.3 and options.get("returnNextInstance") and event.get("recurrence"):
            answer = (
                self.get(
                    f"calendar/v3/calendars/{cid}/events/"
                    f"{quote(str(event['id']), safe='')}/instances",
                    p,
                    {"timeMin": _now_iso(), "maxResults": 1},
                )
                or {}
            )
            instances = list(answer.get("items") or [])
            return [instances[0]] if instances else [event]
        add_next_occurrence([event])
        return [event]

    def get_all(self, p: Params) -> Any:
        cid = self.calendar(p)
        options = p.collection("options")
        tz = p.locator("options.timeZone") if options.get("timeZone") else ""
        zone_name = tz or self.tz
        handling = options.get("recurringEventHandling")
        qs: dict[str, Any] = {}
        if self.version >= 1.3:
            now = datetime.now(UTC)
            low = p.get("timeMin", _js_iso(now))
            high = p.get("timeMax", _js_iso(now + _WEEK))
            if low:
                qs["timeMin"] = add_timezone_to_date(low, zone_name, "timeMin", self.node, p.index)
            if high:
                qs["timeMax"] = add_timezone_to_date(high, zone_name, "timeMax", self.node, p.index)
            if not handling or handling == "expand":
                qs["singleEvents"] = True
        for name, key in (
            ("iCalUID", "iCalUID"),
            ("maxAttendees", "maxAttendees"),
            ("orderBy", "orderBy"),
            ("query", "q"),
            ("showDeleted", "showDeleted"),
            ("showHiddenInvitations", "showHiddenInvitations"),
            ("singleEvents", "singleEvents"),
        ):
            if options.get(name):
                qs[key] = options[name]
        for name in ("timeMax", "timeMin", "updatedMin"):
            if options.get(name):
                qs[name] = add_timezone_to_date(
                    options[name], zone_name, f"options.{name}", self.node, p.index
                )
        if tz:
            qs["timeZone"] = tz
        if options.get("fields"):
            qs["fields"] = options["fields"]
        every = bool(p.get("returnAll", False))
        if not every:
            qs["maxResults"] = p.get("limit", 50)
        events = list_events(self.client, cid, qs, every=every, item_index=p.index)
        if self.version >= 1.3 and handling == "next":
            out = []
            for event in events:
                if event.get("recurrence"):
                    answer = (
                        self.get(
                            f"calendar/v3/calendars/{cid}/events/"
                            f"{quote(str(event.get('id')), safe='')}/instances",
                            p,
                            {"timeMin": _now_iso(), "maxResults": 1},
                        )
                        or {}
                    )
                    instances = list(answer.get("items") or [])
                    out.append(instances[0] if instances else event)
                else:
                    out.append(event)
            events = out
        elif self.version >= 1.3 and handling == "first":
            low, high = qs.get("timeMin"), qs.get("timeMax")

            def keep(event: dict[str, Any]) -> bool:
                created = event.get("created")
                if not event.get("recurrence") or not created:
                    return True
                # as n8n: the ISO strings are compared as strings
                if low and str(created) < str(low):
                    return False
                return not (high and str(created) > str(high))

            events = [e for e in events if keep(e)]
        elif self.version < 1.3:
            add_next_occurrence(events)
        return events

    def update(self, p: Params) -> Any:
        cid, eid = self.calendar(p), self.event_id(p)
        if self.version >= 1.3 and p.text("modifyTarget", "instance") == "event":
            instance = self.get(f"calendar/v3/calendars/{cid}/events/{eid}", p) or {}
            parent = instance.get("recurringEventId")
            if parent:
                eid = quote(str(parent), safe="")
        fields = p.collection("updateFields")
        tz_name = fields.get("timezone")
        if isinstance(tz_name, Mapping):
            tz_name = p.locator("updateFields.timezone")
        if self.version > 1 and tz_name is None:
            tz_name = self.tz
        qs: dict[str, Any] = {}
        body: dict[str, Any] = {}
        if fields.get("start"):
            body["start"] = self._edge(fields["start"], tz_name, "updateFields.start", p)
        if fields.get("end"):
            body["end"] = self._edge(fields["end"], tz_name, "updateFields.end", p)
        self._common(fields, body, qs)
        ui = (fields.get("attendeesUi") or {}).get("values")
        if isinstance(ui, Mapping):
            body["attendees"] = []
            if ui.get("mode") == "add":
                current = self.get(f"calendar/v3/calendars/{cid}/events/{eid}", p) or {}
                body["attendees"].extend(current.get("attendees") or [])
            body["attendees"].extend(self._attendees(ui.get("attendees") or []))
        self._reminders(p, body)
        if fields.get("allday") == "yes" and fields.get("start") and fields.get("end"):
            body["start"] = self._day(fields["start"], tz_name, "updateFields.start", p)
            body["end"] = self._day(fields["end"], tz_name, "updateFields.end", p)
        recurrence = self._recurrence(fields, p)
        if recurrence:
            body["recurrence"] = recurrence
        return self.client.request(
            "PATCH",
            f"calendar/v3/calendars/{cid}/events/{eid}",
            qs=qs,
            body=body,
            item_index=p.index,
        )


_WEEK = timedelta(days=7)


def _js_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def _now_iso() -> str:
    """new Date().toISOString()."""
    return _js_iso(datetime.now(UTC))


def _ordered(item: dict[str, Any]) -> dict[str, Any]:
    """n8n 1.3's sortItemKeysByPriorityList."""
    first = {k: item[k] for k in _KEY_ORDER if k in item}
    return {**first, **{k: v for k, v in item.items() if k not in first}}


_OPERATIONS = {
    ("calendar", "availability"): _Run.availability,
    ("event", "create"): _Run.create,
    ("event", "delete"): _Run.delete,
    ("event", "get"): _Run.get_event,
    ("event", "getAll"): _Run.get_all,
    ("event", "update"): _Run.update,
}


@node(
    "googleCalendar",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Google Calendar",
    description="Consume Google Calendar API",
    fusible=False,
)
class GoogleCalendar(Node):
    """Events and availability of Google calendars."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        items = batch.to_items()
        if not items:
            return [ItemBatch.empty()]
        resource = str(ctx.param("resource", 0, "event") or "event")
        operation = str(ctx.param("operation", 0, "") or "")
        if not operation:
            operation = "availability" if resource == "calendar" else "create"
        handler = _OPERATIONS.get((resource, operation))
        if handler is None:
            raise NodeExecutionError(
                f'The operation "{operation}" of resource "{resource}" is not supported by '
                "Hetumind's Google Calendar node",
                node=ctx.node_name,
            )
        try:
            client = ServiceClient(ctx, CALENDAR)
        except HetumindError as exc:
            raise NodeExecutionError(_reason(exc), node=ctx.node_name) from None
        run = _Run(ctx, client)
        out: list[dict[str, Any]] = []
        paired: list[int] = []
        for i, item in enumerate(items):
            p = Params(ctx, i, item, len(items))
            try:
                answer = handler(run, p)
            except HetumindError as exc:
                stop = exc if isinstance(exc, NodeExecutionError) else None
                answer = item_error(ctx, i, _reason(exc), stop=stop)
            rows = answer if isinstance(answer, list) else [answer]
            for row in rows:
                out.append(dict(row) if isinstance(row, Mapping) else {"value": row})
                paired.append(i)
        if ctx.type_version >= 1.3:
            out = [_ordered(o) for o in out]
        return [ItemBatch.from_json(out, paired=paired)]


def _reason(exc: HetumindError) -> str:
    return exc.reason if isinstance(exc, NodeExecutionError) else exc.message


GoogleCalendarTool = as_tool(GoogleCalendar)
"""n8n's Google Calendar as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
