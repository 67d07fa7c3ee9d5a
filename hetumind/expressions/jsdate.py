"""The JavaScript Date API on expression DateTimes (`new Date()` and Luxon share a type).

Getters and setters read the value's own zone as "local" (UTC unless it was set); setters
change the value in place and return its timestamp, as Date's do. `toLocale*String`
follows Intl for en-US, en-GB, de-DE and fr-FR with the common options (timeZone, weekday,
year, month, day, hour12).
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

from hetumind.expressions.datetime import DateTime
from hetumind.expressions.values import UNDEFINED, EvalError, to_number, to_string
from hetumind.luxon.zones import from_wall, wall_ms, zone_for

__all__ = ["DATE_METHODS"]

_FIELDS = ("year", "month", "day", "hour", "minute", "second", "ms")


def _fields(d: datetime) -> list[int]:
    return [d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond // 1000]


def _setter(first: int, count: int, utc: bool = False) -> Any:
    """setFullYear/setMonth/.../setMilliseconds: fields from index `first`, up to `count`
    arguments; months are 0-based in JS."""

    def set_(d: DateTime, a: list[Any]) -> Any:
        args = [x for x in a[:count] if x is not UNDEFINED]
        if not args:
            raise EvalError("TypeError: a Date setter needs a value")
        src = d.dt.astimezone(UTC) if utc else d.dt
        values = _fields(src)
        for i, v in enumerate(args):
            n = to_number(v)
            if n != n:
                raise EvalError("Invalid Date")
            values[first + i] = int(n) + (1 if first + i == 1 else 0)
        ts = wall_ms(*values)
        zone = d.dt.tzinfo
        d.dt = from_wall(ts, UTC).astimezone(zone) if utc else d.with_wall(ts).dt
        return d.millis()

    return set_


def _set_time(d: DateTime, a: list[Any]) -> Any:
    moved = DateTime(datetime.fromtimestamp(to_number(a[0]) / 1000, UTC)).dt
    d.dt = moved.astimezone(d.dt.tzinfo)
    return d.millis()


_LONG_MONTHS = list(calendar.month_name)
_LONG_DAYS = list(calendar.day_name)


def _locale_parts(d: DateTime, locale: Any, opts: Any) -> tuple[datetime, str, dict[str, Any]]:
    o = opts if isinstance(opts, dict) else {}
    zone = o.get("timeZone")
    dt = d.dt.astimezone(zone_for(to_string(zone))) if zone not in (None, UNDEFINED) else d.dt
    loc = "en-US" if locale in (None, UNDEFINED) else to_string(locale)
    return dt, loc, o


def _date_text(dt: datetime, loc: str, o: dict[str, Any]) -> str:
    month = o.get("month")
    weekday = o.get("weekday")
    if month in ("long", "short"):
        name = _LONG_MONTHS[dt.month] if month == "long" else _LONG_MONTHS[dt.month][:3]
        day = f"{dt.day:02d}" if o.get("day") == "2-digit" else str(dt.day)
        parts = [p for p in (name if "month" in o else "", day if "day" in o else "") if p]
        text = " ".join(parts) if loc.startswith("en-US") else " ".join(reversed(parts))
        if "year" in o:
            text = (
                f"{text}, {dt.year}"
                if loc.startswith("en-US") and "day" in o
                else f"{text} {dt.year}"
            )
        if weekday in ("long", "short"):
            wd = _LONG_DAYS[dt.weekday()] if weekday == "long" else _LONG_DAYS[dt.weekday()][:3]
            text = f"{wd}, {text}"
        return text.strip()
    two = o.get("day") == "2-digit" or o.get("month") == "2-digit"
    dd = f"{dt.day:02d}" if two or loc in ("en-GB", "fr-FR") else str(dt.day)
    mm = f"{dt.month:02d}" if two or loc in ("en-GB", "fr-FR") else str(dt.month)
    if loc.startswith("de"):
        return f"{dd}.{mm}.{dt.year}"
    if loc.startswith("en-US") or not loc.startswith(("en", "fr")):
        return f"{mm}/{dd}/{dt.year}"
    return f"{dd}/{mm}/{dt.year}"


def _time_text(dt: datetime, loc: str, o: dict[str, Any]) -> str:
    h12 = o.get("hour12")
    use12 = loc.startswith("en-US") if h12 in (None, UNDEFINED) else bool(h12)
    if use12:
        half = "AM" if dt.hour < 12 else "PM"
        return f"{(dt.hour % 12) or 12}:{dt.minute:02d}:{dt.second:02d} {half}"
    return f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"


def _to_locale_string(d: DateTime, a: list[Any]) -> str:
    dt, loc, o = _locale_parts(d, a[0], a[1])
    sep = " " if loc.startswith("fr") else ", "
    return _date_text(dt, loc, o) + sep + _time_text(dt, loc, o)


def _to_locale_date(d: DateTime, a: list[Any]) -> str:
    dt, loc, o = _locale_parts(d, a[0], a[1])
    return _date_text(dt, loc, o)


def _to_locale_time(d: DateTime, a: list[Any]) -> str:
    dt, loc, o = _locale_parts(d, a[0], a[1])
    return _time_text(dt, loc, o)


def _utc(d: DateTime) -> datetime:
    return d.dt.astimezone(UTC)


DATE_METHODS: dict[str, Any] = {
    "getMilliseconds": lambda d, a: d.dt.microsecond // 1000,
    "getTimezoneOffset": lambda d, a: -d.offset_minutes(),
    "getUTCFullYear": lambda d, a: _utc(d).year,
    "getUTCMonth": lambda d, a: _utc(d).month - 1,
    "getUTCDate": lambda d, a: _utc(d).day,
    "getUTCDay": lambda d, a: _utc(d).isoweekday() % 7,
    "getUTCHours": lambda d, a: _utc(d).hour,
    "getUTCMinutes": lambda d, a: _utc(d).minute,
    "getUTCSeconds": lambda d, a: _utc(d).second,
    "getUTCMilliseconds": lambda d, a: _utc(d).microsecond // 1000,
    "setFullYear": _setter(0, 3),
    "setMonth": _setter(1, 2),
    "setDate": _setter(2, 1),
    "setHours": _setter(3, 4),
    "setMinutes": _setter(4, 3),
    "setSeconds": _setter(5, 2),
    "setMilliseconds": _setter(6, 1),
    "setUTCFullYear": _setter(0, 3, utc=True),
    "setUTCMonth": _setter(1, 2, utc=True),
    "setUTCDate": _setter(2, 1, utc=True),
    "setUTCHours": _setter(3, 4, utc=True),
    "setUTCMinutes": _setter(4, 3, utc=True),
    "setUTCSeconds": _setter(5, 2, utc=True),
    "setTime": _set_time,
    "toLocaleString": _to_locale_string,
    "toLocaleDateString": _to_locale_date,
    "toLocaleTimeString": _to_locale_time,
    "toDateString": lambda d, a: d.format("EEE MMM dd yyyy"),
    "toUTCString": lambda d, a: DateTime(_utc(d)).format("EEE, dd MMM yyyy HH:mm:ss 'GMT'"),
    "toGMTString": lambda d, a: DateTime(_utc(d)).format("EEE, dd MMM yyyy HH:mm:ss 'GMT'"),
}
