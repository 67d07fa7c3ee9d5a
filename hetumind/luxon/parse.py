"""Reading dates: ISO 8601, SQL, RFC 2822, HTTP dates, the JS Date fallback, Luxon's
fromFormat, and n8n's Date & Time node's parseDate (V2 GenericFunctions.parseDate).

Numbers (and numeric strings) are Unix timestamps: fewer than 12 digits are seconds, more
are milliseconds, a fraction means seconds. Strings go through moment's parser in n8n:
ISO 8601, then RFC 2822, then the JavaScript Date fallback; here `datetime.fromisoformat`,
`email.utils` and `dateutil` play those parts. A string without an offset is read as UTC
(the zone of n8n's server in its container). With `fromFormat`, the string is parsed with
Luxon format tokens instead.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from hetumind.luxon.zones import LuxonError, from_wall, wall_ms

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\Z")


def _js_number(value: int | float | str) -> float:
    """JavaScript's Number(value) for the strings a date parameter holds."""
    if not isinstance(value, str):
        return float(value)
    s = value.strip()
    if not s:
        return 0.0
    if _DECIMAL.match(s):
        return float(s)
    if s in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if s[0] == "-" else math.inf
    if len(s) > 2 and s[0] == "0" and s[1] in "xXoObB":
        try:
            return float(int(s[2:], {"x": 16, "o": 8, "b": 2}[s[1].lower()]))
        except ValueError:
            return math.nan
    return math.nan


def parse_datetime(text: str, zone: tzinfo | None = None) -> datetime | None:
    """The expressions' reading of a date text: epoch milliseconds, ISO 8601 / SQL
    ("2024-05-01 12:00"), then RFC 2822 / HTTP; without an offset the text is wall time
    in `zone` (UTC by default). None when nothing reads it."""
    s = text.strip()
    if re.fullmatch(r"-?\d{1,15}", s):
        return datetime.fromtimestamp(int(s) / 1000, UTC)
    try:
        dt = datetime.fromisoformat(s.replace(" ", "T", 1) if "T" not in s else s)
    except ValueError:
        try:
            dt = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone or UTC)
    return dt


__all__ = [
    "DateParseError",
    "explicit_offset",
    "from_http",
    "from_iso",
    "from_rfc2822",
    "from_sql",
    "parse_date",
    "parse_datetime",
    "parse_format",
]

_MS_DIGITS = 12  # n8n: a timestamp with at least 12 digits is in milliseconds
_OFFSET = re.compile(r"T?\d{1,2}:?\d{2}(?::?\d{2}(?:[.,]\d+)?)?\s*([+-])(\d{2}):?(\d{2})?$")
# moment refuses dd/mm/yyyy that the JS Date fallback cannot read as mm/dd/yyyy
_DAY_FIRST = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}\b")


class DateParseError(LuxonError):
    """The value is no date n8n would read; the message says why."""


def explicit_offset(text: str) -> tzinfo | None:
    """The offset written at the end of an ISO-like string ("+02:00", "-0400", "+05:30"):
    as n8n's "Etc/GMT-2" zone when it is whole hours, else as a fixed offset."""
    m = _OFFSET.search(text.strip())
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if not minutes and hours <= 14:
        return ZoneInfo(f"Etc/GMT{'+' if m.group(1) == '-' else '-'}{hours}")
    total = hours * 60 + minutes
    return timezone(timedelta(minutes=-total if m.group(1) == "-" else total))


def parse_date(
    value: object, zone: tzinfo, from_format: str | None = None, local: tzinfo = UTC
) -> datetime:
    """The instant `value` stands for, shown in `zone`. With `from_format`, a text without
    an offset is wall time in `local` (n8n sets Luxon's default zone to the workflow's)."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise DateParseError(f"Invalid date format: {_show(value)} is not a date")
    if not isinstance(value, int | float | str):
        raise DateParseError(f"Invalid date format: {_show(value)} is not a date")
    number = _js_number(value)
    if not from_format and not math.isnan(number):
        return _from_timestamp(number, value).astimezone(zone)
    text = str(value)
    parsed = parse_format(text, from_format, local) if from_format else _from_text(text)
    if parsed is None:
        raise DateParseError(f"Invalid date format: {_show(value)}")
    return parsed.astimezone(zone)


def _show(value: object) -> str:
    return "an empty value" if value is None or value == "" else repr(value)


def _from_timestamp(number: float, value: object) -> datetime:
    if not float(number).is_integer():
        number *= 1000
        if not float(number).is_integer():
            raise DateParseError(f"Invalid date format: {_show(value)}")
    whole = int(number)
    seconds = whole if len(str(whole)) < _MS_DIGITS else whole / 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise DateParseError(f"Invalid date format: {_show(value)} is out of range") from None


def _from_text(text: str) -> datetime | None:
    s = text.strip()
    for attempt in (_iso, _rfc2822, _js_date):
        parsed = attempt(s)
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _iso(s: str) -> datetime | None:
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        return None


def _rfc2822(s: str) -> datetime | None:
    try:
        return parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None


def _js_date(s: str) -> datetime | None:
    """What the JavaScript Date fallback reads: "January 15, 2024", "01/15/2024 10:00"."""
    day_first = _DAY_FIRST.match(s)
    if not re.search(r"\d{4}", s) or (day_first and int(day_first.group(1)) > 12):
        return None
    from dateutil import parser as dateutil_parser  # imported on first use: it is slow

    try:
        return dateutil_parser.parse(s, default=datetime(2001, 1, 1))
    except (ValueError, OverflowError):
        return None


# Luxon fromFormat -----------------------------------------------------------------------
_MONTHS = [m.lower() for m in calendar.month_name]
_MONTHS_SHORT = [m.lower() for m in calendar.month_abbr]
_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|[^A-Za-z']+")
_Setter = Callable[[dict[str, int], str], None]


def _setter(field: str, convert: Callable[[str], int] = int) -> _Setter:
    def put(parts: dict[str, int], text: str) -> None:
        parts[field] = convert(text)

    return put


def _offset_setter(parts: dict[str, int], text: str) -> None:
    if text.upper() in ("Z", "UTC", "GMT"):
        parts["offset"] = 0
        return
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", text)
    if m is None:
        raise ValueError(text)
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    parts["offset"] = -minutes if m.group(1) == "-" else minutes


_NAMES_SHORT = "|".join(m for m in _MONTHS_SHORT if m)
_NAMES_LONG = "|".join(m for m in _MONTHS if m)
_FORMAT_PARTS: dict[str, tuple[str, _Setter | None]] = {
    "yyyy": (r"\d{4}", _setter("year")),
    "yy": (r"\d{2}", _setter("year", lambda t: int(t) + (1900 if int(t) > 60 else 2000))),
    "y": (r"\d{1,6}", _setter("year")),
    "M": (r"\d{1,2}", _setter("month")),
    "MM": (r"\d{2}", _setter("month")),
    "MMM": (_NAMES_SHORT, _setter("month", lambda t: _MONTHS_SHORT.index(t.lower()))),
    "MMMM": (_NAMES_LONG, _setter("month", lambda t: _MONTHS.index(t.lower()))),
    "d": (r"\d{1,2}", _setter("day")),
    "dd": (r"\d{2}", _setter("day")),
    "H": (r"\d{1,2}", _setter("hour")),
    "HH": (r"\d{2}", _setter("hour")),
    "h": (r"\d{1,2}", _setter("hour12")),
    "hh": (r"\d{2}", _setter("hour12")),
    "m": (r"\d{1,2}", _setter("minute")),
    "mm": (r"\d{2}", _setter("minute")),
    "s": (r"\d{1,2}", _setter("second")),
    "ss": (r"\d{2}", _setter("second")),
    "S": (r"\d{1,3}", _setter("ms")),
    "SSS": (r"\d{3}", _setter("ms")),
    "a": (r"am|pm", _setter("pm", lambda t: int(t.lower() == "pm"))),
    "E": (r"[1-7]", None),
    "EEE": (r"[a-z]{3}", None),
    "EEEE": (r"[a-z]+", None),
    "Z": (r"z|[+-]\d{1,2}(?::?\d{2})?", _offset_setter),
    "ZZ": (r"z|[+-]\d{2}:\d{2}", _offset_setter),
    "ZZZ": (r"z|[+-]\d{4}", _offset_setter),
    "X": (r"-?\d+", _setter("unix")),
    "x": (r"-?\d+", _setter("unix_ms")),
}


def parse_format(text: str, fmt: str, local: tzinfo = UTC) -> datetime | None:
    """Luxon's `DateTime.fromFormat(text, fmt)` for the common tokens."""
    pattern, setters = [], []
    for m in _TOKEN.finditer(fmt):
        token = m.group(0)
        if token.startswith("'"):
            pattern.append(re.escape(token[1:-1]))
        elif token in _FORMAT_PARTS:
            regex, setter = _FORMAT_PARTS[token]
            pattern.append(f"({regex})")
            setters.append(setter)
        elif token[0].isalpha():
            return None  # a token this parser does not know: refuse rather than guess
        else:
            pattern.append(re.escape(token))
    match = re.fullmatch("".join(pattern), text, re.I)
    if match is None:
        return None
    parts: dict[str, int] = {}
    try:
        for setter, group in zip(setters, match.groups(), strict=True):
            if setter is not None:
                setter(parts, group)
        return _assemble(parts, local)
    except (ValueError, OverflowError):
        return None


def _assemble(parts: dict[str, int], local: tzinfo) -> datetime:
    if "unix" in parts or "unix_ms" in parts:
        seconds = parts["unix"] if "unix" in parts else parts["unix_ms"] / 1000
        return datetime.fromtimestamp(seconds, UTC)
    hour = parts.get("hour", 0)
    if "hour12" in parts:
        if not 1 <= parts["hour12"] <= 12:
            raise ValueError("hour")
        hour = parts["hour12"] % 12 + 12 * parts.get("pm", 0)
    elif parts.get("pm") and hour < 12:
        hour += 12
    zone = timezone(timedelta(minutes=parts["offset"])) if "offset" in parts else local
    year = parts.get("year", datetime.now(UTC).year)
    minute, second = parts.get("minute", 0), parts.get("second", 0)
    fields = (year, parts.get("month", 1), parts.get("day", 1), hour, minute, second)
    datetime(*fields)  # refuses day 31 of a 30-day month, hour 24, ... as Luxon does
    # Luxon's fixOffset from the zone's offset now: a time in a DST gap moves forward
    return from_wall(wall_ms(*fields, parts.get("ms", 0)), zone).astimezone(UTC)


def from_iso(text: str, zone: tzinfo = UTC, *, set_zone: bool = False) -> datetime:
    """Luxon's DateTime.fromISO(text, {zone, setZone}): a text without an offset is wall
    time in `zone` (Luxon's fixOffset from the zone's offset now); with an offset it is
    that instant, shown in `zone`, or in its own offset with `set_zone`."""
    dt = parse_datetime(text, _NAIVE)
    if dt is None:
        raise LuxonError(f"Invalid DateTime: {text}")
    if dt.tzinfo is _NAIVE:
        d = dt.replace(tzinfo=None)
        local = wall_ms(d.year, d.month, d.day, d.hour, d.minute, d.second,
                        d.microsecond / 1000)  # fmt: skip
        return from_wall(local, zone)
    return dt if set_zone else dt.astimezone(zone)


class _Naive(tzinfo):
    """Marks a parsed text that had no offset (so its zone comes from the caller)."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "UTC"

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)


_NAIVE = _Naive()


_SQL = re.compile(
    r"(\d{4}-\d{2}-\d{2})?(?:[ T]?(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?"
)


def from_sql(text: str, zone: tzinfo = UTC) -> datetime:
    """Luxon's DateTime.fromSQL: "2024-03-10 02:30:00[.fff][ +hh:mm]", date or time alone;
    without an offset, wall time in `zone`."""
    m = _SQL.fullmatch(text.strip())
    if m is None or not (m.group(1) or m.group(2)):
        raise LuxonError(f"Invalid DateTime: {text} is no SQL date")
    day = m.group(1) or datetime.now(zone).date().isoformat()
    clock = m.group(2) or "00:00"
    if "." in clock:  # Luxon keeps milliseconds: more digits are cut, fewer padded
        whole, frac = clock.split(".")
        clock = f"{whole}.{(frac + '000')[:3]}"
    offset = m.group(3) or ""
    return from_iso(f"{day}T{clock}{'+00:00' if offset == 'Z' else offset}", zone)


def from_rfc2822(text: str, zone: tzinfo = UTC) -> datetime:
    """Luxon's DateTime.fromRFC2822 ("Sun, 10 Mar 2024 02:30:00 -0500", "GMT", "UT"):
    the instant, shown in `zone`."""
    try:
        dt = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        raise LuxonError(f"Invalid DateTime: {text} is no RFC 2822 date") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(zone)


def from_http(text: str, zone: tzinfo = UTC) -> datetime:
    """Luxon's DateTime.fromHTTP: RFC 1123, RFC 850 and asctime dates, all in GMT."""
    return from_rfc2822(text, zone)
