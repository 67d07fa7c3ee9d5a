"""What the Google Calendar node and trigger share: the Calendar v3 service, the
workflow's time zone, n8n's date conversions (moment-timezone's), events.list with
pageToken paging, and the next occurrence of a recurring event (n8n < 1.3)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hetumind.errors import NodeExecutionError
from hetumind.integrations import ServiceClient
from hetumind.integrations.google.auth import google_service
from hetumind.luxon.parse import parse_datetime
from hetumind.nodes.api import NodeContext

__all__ = [
    "CALENDAR",
    "add_next_occurrence",
    "add_timezone_to_date",
    "calendar_id",
    "list_events",
    "moment_utc",
    "parse_moment",
    "timezone_name",
    "zone",
]

CALENDAR = google_service(
    "Google Calendar",
    "https://www.googleapis.com",
    "googleCalendarOAuth2Api",
    [
        "https://www.googleapis.com/auth/calendar",
        "https://www.googleapis.com/auth/calendar.events",
    ],
)
_N8N_DEFAULT_TIMEZONE = "America/New_York"


def timezone_name(ctx: NodeContext) -> str:
    """n8n's getTimezone(): the workflow's `settings.timezone`, else GENERIC_TIMEZONE,
    else n8n's default."""
    name = ctx.execution.settings.get("timezone")
    if not name or name == "DEFAULT":
        name = os.environ.get("GENERIC_TIMEZONE") or _N8N_DEFAULT_TIMEZONE
    return str(name)


def zone(name: str, node: str) -> tzinfo:
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise NodeExecutionError(f"The time zone '{name}' is not valid", node=node) from None


def parse_moment(value: Any, tz: tzinfo, what: str, node: str, item: int | None = None) -> datetime:
    """moment.tz(value, tz): a date with an offset keeps it, one without is read in `tz`."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    text = "" if value is None else str(value).strip()
    parsed = parse_datetime(text, tz) if text else None
    if parsed is None:
        raise NodeExecutionError(
            f"Invalid date in '{what}': {text!r}", node=node, item_index=item
        ) from None
    return parsed


def moment_utc(moment: datetime) -> str:
    """moment(...).utc().format(): seconds precision, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _has_offset(text: str) -> bool:
    import re

    return text.endswith("Z") or re.search(r"\+\d{2}:\d{2}$", text) is not None


def add_timezone_to_date(value: Any, tz_name: str, what: str, node: str, item: int) -> str:
    """n8n's addTimezoneToDate: a date with `Z` / `+hh:mm` is sent as it is; any other
    is read in the time zone and sent in UTC."""
    text = str(value)
    if _has_offset(text):
        return text
    return moment_utc(parse_moment(text, zone(tz_name, node), what, node, item))


def calendar_id(raw: str, *, encode: bool = True) -> str:
    """n8n's encodeURIComponentOnce (load options used to save encoded ids)."""
    decoded = unquote(raw)
    return quote(decoded, safe="-_.!~*'()") if encode else decoded


def list_events(
    client: ServiceClient,
    calendar: str,
    qs: Mapping[str, Any],
    *,
    every: bool,
    item_index: int | None = None,
) -> list[dict[str, Any]]:
    """events.list: every page (n8n's googleApiRequestAllItems: maxResults 100 and
    nextPageToken until there is none) or the first page only."""
    path = f"calendar/v3/calendars/{calendar}/events"
    query = {k: _qs(v) for k, v in qs.items()}
    if not every:
        answer = client.request("GET", path, qs=query, item_index=item_index) or {}
        return list(answer.get("items") or [])
    query["maxResults"] = 100
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    while True:
        answer = client.request("GET", path, qs=query, item_index=item_index) or {}
        out.extend(answer.get("items") or [])
        token = answer.get("nextPageToken")
        if not token:
            return out
        if token in seen or len(seen) > 10_000:
            raise NodeExecutionError(
                "Google Calendar sent the same page token twice", node=client.ctx.node_name
            )
        seen.add(token)
        query["pageToken"] = token


def _qs(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def add_next_occurrence(events: list[dict[str, Any]], now: datetime | None = None) -> None:
    """n8n's addNextOccurrence: a recurring event gets `nextOccurrence`, its next start
    after now (from its RRULE, DTSTART its start) and the end at the same distance."""
    from dateutil.rrule import rrulestr

    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    for event in events:
        rules = event.get("recurrence")
        if not isinstance(rules, list):
            continue
        rule_text = next((r for r in rules if str(r).upper().startswith("RRULE")), None)
        if rule_text is None:
            continue
        try:
            start_edge, end_edge = event.get("start") or {}, event.get("end") or {}
            # as n8n: the start is start.dateTime, else end.date
            start = _naive_utc(start_edge.get("dateTime") or end_edge.get("date"))
            end = _naive_utc(end_edge.get("dateTime") or end_edge.get("date"))
            rule = rrulestr(str(rule_text), dtstart=start, ignoretz=True)
            until = getattr(rule, "_until", None)
            if until is not None and until < moment:
                continue
            following = rule.after(moment, inc=False)
        except (ValueError, TypeError, AttributeError):
            continue  # n8n logs the rule and goes on
        if following is None:
            continue
        begin = following.replace(tzinfo=UTC)
        finish = begin + (end - start if end and start else timedelta(0))
        event["nextOccurrence"] = {
            "start": _drop_none(
                {"dateTime": _offset_format(begin), "timeZone": start_edge.get("timeZone")}
            ),
            "end": _drop_none(
                {"dateTime": _offset_format(finish), "timeZone": end_edge.get("timeZone")}
            ),
        }


def _naive_utc(value: Any) -> datetime:
    parsed = parse_datetime(str(value), UTC)
    if parsed is None:
        raise ValueError(value)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _offset_format(moment: datetime) -> str:
    """moment(date).format() on a UTC host: `2024-01-08T10:00:00+00:00`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
