"""A fake of the Google Calendar API v3 on loopback, written from Google's reference
(developers.google.com/calendar/api/v3/reference): events list / get / insert / patch /
delete / instances and freeBusy.query under `/calendar/v3`.

- Auth: bearer tokens the fake token endpoint issued, else 401 with Google's
  `{"error": {"code", "message", "errors": [{"domain", "reason", ...}], "status"}}`.
- Calendars the fake does not hold answer 404 "Not Found"; writes to a read-only
  calendar 403 "You need to have writer access to this calendar."; an unknown or
  deleted event 404 / 410 "Resource has been deleted"; an existing id on insert 409.
- events.list: `timeMin` (events ending after it), `timeMax` (starting before it),
  `updatedMin` (and then deleted events are included whatever `showDeleted` says),
  `showDeleted`, `q` (summary, description, location, attendee emails), `iCalUID`,
  `singleEvents` (recurring events expanded into instances from their RRULE, ids
  `<id>_<YYYYMMDDTHHMMSSZ>` with `recurringEventId`), `orderBy` (`startTime` only with
  singleEvents, else 400; `updated`), `maxResults` (default 250, at most 2500) with an
  opaque `nextPageToken` / `pageToken`.
- freeBusy: busy slots of the opaque, not cancelled events overlapping the window;
  unknown calendars get `errors: [{"domain": "global", "reason": "notFound"}]`.
- 429 is Google's rateLimitExceeded with Retry-After.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from dateutil.rrule import rrulestr

from tests.fakes._base import Answer, FakeService, Request
from tests.fakes.fake_google_token import FakeGoogleToken


def calendar_error(code: int, message: str, reason: str, status: str = "") -> Answer:
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "errors": [{"domain": "global", "reason": reason, "message": message}],
    }
    if status:
        body["status"] = status
    return Answer(code, {"error": body})


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def stamp(moment: datetime) -> str:
    """An event time as Google writes it: seconds, UTC, no fraction."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _when(edge: dict[str, Any]) -> datetime:
    if edge.get("dateTime"):
        return instant(str(edge["dateTime"]))
    return instant(str(edge["date"]) + "T00:00:00+00:00")


class FakeGoogleCalendar(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            {
                "error": {
                    "code": 429,
                    "message": "Rate Limit Exceeded",
                    "errors": [
                        {
                            "domain": "usageLimits",
                            "reason": "rateLimitExceeded",
                            "message": "Rate Limit Exceeded",
                        }
                    ],
                }
            },
            {"Retry-After": str(wait)},
        )
    )

    def __init__(self, tokens: FakeGoogleToken) -> None:
        super().__init__()
        self.tokens = tokens
        self.calendars: dict[str, dict[str, Any]] = {}
        self.read_only: set[str] = set()
        self._ids = itertools.count(1)
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- test set-up ----------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.calendars.clear()
            self.read_only.clear()
            self.log.clear()
            self._limited = 0

    def add_calendar(self, calendar_id: str, time_zone: str = "UTC") -> None:
        self.calendars[calendar_id] = {"timeZone": time_zone, "events": {}}

    def add_event(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Store `event` as it is (tests set `created` / `updated` / `status`)."""
        full = self._complete(calendar_id, dict(event))
        self.calendars[calendar_id]["events"][full["id"]] = full
        return full

    def _complete(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        stamp = rfc3339(self.now())
        event.setdefault("id", f"evt{next(self._ids):04d}")
        event.setdefault("status", "confirmed")
        event.setdefault("created", stamp)
        event.setdefault("updated", stamp)
        event.setdefault("summary", "")
        event.setdefault("iCalUID", f"{event['id']}@google.com")
        event.setdefault("sequence", 0)
        event.setdefault("reminders", {"useDefault": True})
        event.setdefault("eventType", "default")
        person = {"email": calendar_id, "self": True}
        event.setdefault("creator", person)
        event.setdefault("organizer", person)
        event["kind"] = "calendar#event"
        event["etag"] = f'"{abs(hash(json.dumps(event, sort_keys=True, default=str))) % 10**15}"'
        event["htmlLink"] = f"https://www.google.com/calendar/event?eid={event['id']}"
        return event

    # -- routing --------------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.token_info(token) is None:
            return calendar_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "authError",
                "UNAUTHENTICATED",
            )
        if req.path == "/calendar/v3/freeBusy" and req.method == "POST":
            return self._free_busy(req)
        m = re.fullmatch(
            r"/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?(/instances)?", req.path
        )
        if not m:
            return calendar_error(404, "Not Found", "notFound")
        calendar_id = unquote(m.group(1))
        event_id = unquote(m.group(2)) if m.group(2) else None
        calendar = self.calendars.get(calendar_id)
        if calendar is None:
            return calendar_error(404, "Not Found", "notFound")
        if req.method in ("POST", "PATCH", "PUT", "DELETE") and calendar_id in self.read_only:
            return calendar_error(
                403, "You need to have writer access to this calendar.", "requiredAccessLevel"
            )
        if event_id is None:
            if req.method == "GET":
                return self._list(calendar, list(calendar["events"].values()), req)
            if req.method == "POST":
                return self._insert(calendar_id, calendar, req)
            return calendar_error(405, "Method Not Allowed", "httpMethodNotAllowed")
        event = calendar["events"].get(event_id) or self._instance(calendar, event_id)
        if event is None:
            return calendar_error(404, "Not Found", "notFound")
        if m.group(3):
            if not event.get("recurrence"):
                return calendar_error(400, "Bad Request", "badRequest")
            return self._list(calendar, self._expand(event, req), req, expanded=True)
        if event["status"] == "cancelled" and req.method in ("PATCH", "DELETE"):
            return calendar_error(410, "Resource has been deleted", "deleted")
        if req.method == "GET":
            return Answer(200, self._shaped(event, req))
        if req.method == "PATCH":
            return self._patch(event, req)
        if req.method == "DELETE":
            event["status"] = "cancelled"
            event["updated"] = rfc3339(self.now())
            return Answer(204, content=b"")
        return calendar_error(405, "Method Not Allowed", "httpMethodNotAllowed")

    # -- events ---------------------------------------------------------------------------

    def _insert(self, calendar_id: str, calendar: dict[str, Any], req: Request) -> Answer:
        body = dict(req.json or {})
        if not body.get("start"):
            return calendar_error(400, "Missing start time.", "required")
        if not body.get("end"):
            return calendar_error(400, "Missing end time.", "required")
        for edge in ("start", "end"):
            if not body[edge].get("dateTime") and not body[edge].get("date"):
                return calendar_error(400, "Invalid start time.", "invalid")
        if _when(body["end"]) < _when(body["start"]):
            return calendar_error(400, "The specified time range is empty.", "timeRangeEmpty")
        if body.get("id") and body["id"] in calendar["events"]:
            return calendar_error(409, "The requested identifier already exists.", "duplicate")
        for key in ("kind", "etag", "htmlLink", "created", "updated", "status"):
            body.pop(key, None)
        if body.get("recurrence") == []:
            body.pop("recurrence")
        if "conferenceData" in body and req.query.get("conferenceDataVersion") == "1":
            body["conferenceData"] = {
                **body["conferenceData"],
                "conferenceId": "abc-defg-hij",
            }
        event = self._complete(calendar_id, body)
        calendar["events"][event["id"]] = event
        return Answer(200, self._shaped(event, req))

    def _patch(self, event: dict[str, Any], req: Request) -> Answer:
        for key, value in (req.json or {}).items():
            if key in ("id", "kind", "etag", "created", "updated", "htmlLink"):
                continue
            if key == "recurrence" and value == []:
                event.pop("recurrence", None)
                continue
            event[key] = value
        event["sequence"] = int(event.get("sequence", 0)) + 1
        event["updated"] = rfc3339(self.now())
        return Answer(200, self._shaped(event, req))

    def _shaped(self, event: dict[str, Any], req: Request) -> dict[str, Any]:
        out = json.loads(json.dumps(event))
        cap = int(req.query.get("maxAttendees") or 0)
        if cap and len(out.get("attendees") or []) > cap:
            out["attendees"] = out["attendees"][:cap]
            out["attendeesOmitted"] = True
        return dict(out)

    def _instance(self, calendar: dict[str, Any], event_id: str) -> dict[str, Any] | None:
        base, _, stamp = event_id.rpartition("_")
        parent = calendar["events"].get(base)
        if parent is None or not stamp:
            return None
        for inst in self._expand(parent, None):
            if inst["id"] == event_id:
                return inst
        return None

    def _expand(self, event: dict[str, Any], req: Request | None) -> list[dict[str, Any]]:
        """The instances of a recurring event (at most 400, as far as timeMax asks)."""
        start, end = _when(event["start"]), _when(event["end"])
        rules = "\n".join(r for r in event.get("recurrence") or [] if r.startswith("RRULE"))
        if not rules:
            return [event]
        rule = rrulestr(rules, dtstart=start.replace(tzinfo=None))
        until = None
        if req is not None and req.query.get("timeMax"):
            until = instant(req.query["timeMax"]).astimezone(UTC).replace(tzinfo=None)
        out: list[dict[str, Any]] = []
        for when in rule:
            if len(out) >= 400 or (until is not None and when >= until):
                break
            begin = when.replace(tzinfo=UTC)
            inst = json.loads(json.dumps(event))
            inst.pop("recurrence", None)
            inst["id"] = f"{event['id']}_{begin.strftime('%Y%m%dT%H%M%SZ')}"
            inst["recurringEventId"] = event["id"]
            inst["originalStartTime"] = {"dateTime": stamp(begin)}
            inst["start"] = {**event["start"], "dateTime": stamp(begin)}
            inst["end"] = {**event["end"], "dateTime": stamp(begin + (end - start))}
            inst["start"].pop("date", None)
            inst["end"].pop("date", None)
            out.append(inst)
        return out

    def _list(
        self,
        calendar: dict[str, Any],
        events: list[dict[str, Any]],
        req: Request,
        *,
        expanded: bool = False,
    ) -> Answer:
        q = req.query
        single = q.get("singleEvents") == "true"
        if q.get("orderBy") == "startTime" and not single and not expanded:
            return calendar_error(
                400, "The requested ordering is not available for the particular query.", "invalid"
            )
        if q.get("orderBy") not in (None, "startTime", "updated"):
            return calendar_error(400, "Invalid value for: orderBy", "invalid")
        try:
            limit = int(q.get("maxResults") or 250)
        except ValueError:
            return calendar_error(400, "Invalid value for: maxResults", "invalid")
        limit = min(max(limit, 1), 2500)
        if single and not expanded:
            events = [i for e in events for i in self._expand(e, req)]
        updated_min = q.get("updatedMin")
        show_deleted = q.get("showDeleted") == "true" or bool(updated_min)
        kept: list[dict[str, Any]] = []
        for event in events:
            if event.get("status") == "cancelled" and not show_deleted:
                continue
            if updated_min and instant(event["updated"]) < instant(updated_min):
                continue
            if q.get("timeMin") and _when(event["end"]) <= instant(q["timeMin"]):
                continue
            if q.get("timeMax") and _when(event["start"]) >= instant(q["timeMax"]):
                continue
            if q.get("iCalUID") and event.get("iCalUID") != q["iCalUID"]:
                continue
            if q.get("q") and not self._matches(event, q["q"]):
                continue
            kept.append(event)
        if q.get("orderBy") == "startTime":
            kept.sort(key=lambda e: _when(e["start"]))
        elif q.get("orderBy") == "updated":
            kept.sort(key=lambda e: instant(e["updated"]))
        offset = 0
        if q.get("pageToken"):
            try:
                offset = int(json.loads(base64.urlsafe_b64decode(q["pageToken"]))["o"])
            except (ValueError, KeyError, TypeError):
                return calendar_error(400, "Invalid page token value.", "invalid")
        page = [self._shaped(e, req) for e in kept[offset : offset + limit]]
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "summary": "",
            "timeZone": q.get("timeZone") or calendar["timeZone"],
            "updated": rfc3339(self.now()),
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "items": page,
        }
        if offset + limit < len(kept):
            token = json.dumps({"o": offset + limit}).encode()
            body["nextPageToken"] = base64.urlsafe_b64encode(token).decode()
        return Answer(200, body)

    @staticmethod
    def _matches(event: dict[str, Any], text: str) -> bool:
        haystack = " ".join(
            [
                str(event.get("summary") or ""),
                str(event.get("description") or ""),
                str(event.get("location") or ""),
                *[str(a.get("email") or "") for a in event.get("attendees") or []],
            ]
        ).lower()
        return all(word in haystack for word in text.lower().split())

    # -- freeBusy -------------------------------------------------------------------------

    def _free_busy(self, req: Request) -> Answer:
        body = req.json or {}
        if not body.get("timeMin") or not body.get("timeMax"):
            return calendar_error(400, "Missing timeMin parameter.", "required")
        low, high = instant(body["timeMin"]), instant(body["timeMax"])
        if high < low:
            return calendar_error(400, "The specified time range is empty.", "timeRangeEmpty")
        calendars: dict[str, Any] = {}
        for entry in body.get("items") or []:
            cid = str(entry.get("id"))
            calendar = self.calendars.get(cid)
            if calendar is None:
                calendars[cid] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
                continue
            busy = []
            for event in calendar["events"].values():
                for inst in self._expand(event, None):
                    if inst.get("status") == "cancelled" or inst.get("transparency") == (
                        "transparent"
                    ):
                        continue
                    start, end = _when(inst["start"]), _when(inst["end"])
                    if start < high and end > low:
                        busy.append((max(start, low), min(end, high)))
            busy.sort()
            calendars[cid] = {"busy": [{"start": stamp(s), "end": stamp(e)} for s, e in busy]}
        return Answer(
            200,
            {
                "kind": "calendar#freeBusy",
                "timeMin": stamp(low),
                "timeMax": stamp(high),
                "calendars": calendars,
            },
        )
