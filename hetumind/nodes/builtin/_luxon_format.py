"""Luxon's `toFormat` and `toISO` for the Date & Time node, on top of the expression engine's.

`hetumind.expressions.datetime.DateTime.format` already renders the everyday tokens
(yyyy, MM, dd, HH, mm, ss, SSS, a, Z, ZZ, ...). This module splits a format string the way
Luxon's `Formatter.parseFormat` does and renders the tokens that formatter lacks: narrow
names (EEEEE, MMMMM), era (G), fractional seconds (u), two-digit quarter and ISO week year
(qq, kk), offset names (ZZZZ, ZZZZZ) and the en-US macro tokens (D, DD, t, TT, f, FFFF, ...),
so both engines share one formatter for the common part.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hetumind.expressions.datetime import DateTime

__all__ = ["InvalidZone", "format_luxon", "luxon_iso", "luxon_zone"]

# Intl's en-US short names exist only for these; other zones show as GMT+h[:mm].
_US_NAMES = {
    "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time", "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
    "AKST": "Alaska Standard Time", "AKDT": "Alaska Daylight Time",
    "HST": "Hawaii-Aleutian Standard Time", "HDT": "Hawaii-Aleutian Daylight Time",
}  # fmt: skip
# Long names Intl knows for other common zones (their short form is GMT+h in en-US).
_LONG_NAMES = {
    "CET": "Central European Standard Time", "CEST": "Central European Summer Time",
    "EET": "Eastern European Standard Time", "EEST": "Eastern European Summer Time",
    "WET": "Western European Standard Time", "WEST": "Western European Summer Time",
    "BST": "British Summer Time", "IST": "India Standard Time", "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time", "AEDT": "Australian Eastern Daylight Time",
}  # fmt: skip
_MACROS = {
    "D": "M/d/yyyy",
    "DD": "MMM d, yyyy",
    "DDD": "MMMM d, yyyy",
    "DDDD": "EEEE, MMMM d, yyyy",
    "t": "h:mm a",
    "tt": "h:mm:ss a",
    "ttt": "h:mm:ss a ZZZZ",
    "tttt": "h:mm:ss a ZZZZZ",
    "T": "HH:mm",
    "TT": "HH:mm:ss",
    "TTT": "HH:mm:ss ZZZZ",
    "TTTT": "HH:mm:ss ZZZZZ",
    "f": "M/d/yyyy, h:mm a",
    "ff": "MMM d, yyyy, h:mm a",
    "fff": "MMMM d, yyyy 'at' h:mm a ZZZZ",
    "ffff": "EEEE, MMMM d, yyyy 'at' h:mm a ZZZZZ",
    "F": "M/d/yyyy, h:mm:ss a",
    "FF": "MMM d, yyyy, h:mm:ss a",
    "FFF": "MMMM d, yyyy 'at' h:mm:ss a ZZZZ",
    "FFFF": "EEEE, MMMM d, yyyy 'at' h:mm:ss a ZZZZZ",
}
_FIXED = re.compile(r"(?:utc|gmt)([+-]\d{1,2})(?::?(\d{2}))?", re.I)


class InvalidZone(ValueError):
    """A time zone name neither IANA nor Luxon's fixed-offset syntax knows."""


def luxon_zone(name: str) -> tzinfo:
    """A zone as Luxon's `setZone` reads it: "UTC"/"GMT" and "UTC+3" are fixed offsets
    (printed with "Z" when zero), anything else is an IANA name."""
    text = name.strip()
    if text.lower() in ("utc", "gmt", "z"):
        return UTC
    fixed = _FIXED.fullmatch(text)
    if fixed:
        hours = int(fixed.group(1))
        minutes = int(fixed.group(2) or 0) * (-1 if hours < 0 else 1)
        return timezone(timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidZone(text) from None


def luxon_iso(dt: datetime) -> str:
    """Luxon's `toISO()`: milliseconds always, "Z" only for a fixed zero-offset zone."""
    offset = dt.utcoffset() or timedelta(0)
    if offset == timedelta(0) and isinstance(dt.tzinfo, timezone):
        suffix = "Z"
    else:
        suffix = _offset(offset, colon=True)
    return (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:"
            f"{dt.second:02d}.{dt.microsecond // 1000:03d}{suffix}")  # fmt: skip


def format_luxon(dt: datetime, fmt: str) -> str:
    """`DateTime.toFormat(fmt)` in the en-US locale."""
    base = DateTime(dt)
    out: list[str] = []
    for literal, token in _split(fmt):
        if literal:
            out.append(token)
        elif token in _MACROS:
            text = format_luxon(dt, _MACROS[token])
            if isinstance(dt.tzinfo, timezone):
                # Luxon formats fixed-offset zones through another Intl path, which puts
                # a narrow no-break space before AM/PM.
                text = text.replace(" AM", "\u202fAM").replace(" PM", "\u202fPM")
            out.append(text)
        else:
            extra = _extra_token(dt, token)
            out.append(base.format(token) if extra is None else extra)
    return "".join(out)


def _split(fmt: str) -> list[tuple[bool, str]]:
    """Luxon's parseFormat: runs of one letter are tokens, '...' is literal text."""
    splits: list[tuple[bool, str]] = []
    current, full, quoted = "", "", False
    for c in fmt:
        if c == "'":
            if full:
                splits.append((quoted or full.isspace(), full))
            current, full, quoted = "", "", not quoted
        elif quoted or c == current:
            full += c
        else:
            if full:
                splits.append((full.isspace(), full))
            current = full = c
    if full:
        splits.append((quoted or full.isspace(), full))
    return splits


def _extra_token(dt: datetime, token: str) -> str | None:
    c, n = token[0], len(token)
    if n == 5 and c in "EcML":
        return format_luxon(dt, "EEEE" if c in "Ec" else "MMMM")[0]
    if c == "G":  # years before 1 do not exist in Python
        return {1: "AD", 5: "A"}.get(n, "Anno Domini")
    if c == "u" and n <= 3:
        return f"{dt.microsecond // 1000:03d}"[: 4 - n]
    if token == "Z":
        text = _offset(dt.utcoffset() or timedelta(0), colon=True)
        return f"{text[0]}{int(text[1:3])}" + ("" if text[4:] == "00" else text[3:])

    if token == "qq":
        return f"{(dt.month - 1) // 3 + 1:02d}"
    if c == "k":
        year = dt.isocalendar().year
        return f"{year % 100:02d}" if n == 2 else f"{year:0{n}d}"
    if token in ("ZZZZ", "ZZZZZ"):
        return _zone_name(dt, long=n == 5)
    if token == "z":
        return "UTC" if dt.tzinfo is UTC else str(dt.tzinfo)
    return None


def _zone_name(dt: datetime, *, long: bool) -> str:
    offset = dt.utcoffset() or timedelta(0)
    if dt.tzinfo is UTC or str(dt.tzinfo) in ("UTC", "Etc/UTC"):
        return "Coordinated Universal Time" if long and dt.tzinfo is not UTC else "UTC"
    abbr = dt.tzname() or ""
    if abbr in _US_NAMES:
        return _US_NAMES[abbr] if long else abbr
    if offset == timedelta(0):
        return "Greenwich Mean Time" if long else "GMT"
    if long and abbr in _LONG_NAMES:
        return _LONG_NAMES[abbr]
    if long:
        return "GMT" + _offset(offset, colon=True)
    text = _offset(offset, colon=True)
    hours, minutes = text[:3], text[4:]
    return f"GMT{hours[0]}{int(hours[1:])}" + ("" if minutes == "00" else f":{minutes}")


def _offset(offset: timedelta, *, colon: bool) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"{sign}{hh:02d}{':' if colon else ''}{mm:02d}"
