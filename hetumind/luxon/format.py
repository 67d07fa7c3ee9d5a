"""Luxon's `toFormat` tokens in the en-US locale (luxon/src/impl/formatter.js).

The format string is split as Luxon's `Formatter.parseFormat` does: runs of one letter
are tokens, '...' is literal text, unknown tokens print as themselves. Macro tokens
(D, DD, t, TT, f, FFFF, ...) expand to the en-US patterns Intl gives.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone

from hetumind.luxon.datetime import offset_text
from hetumind.luxon.zones import EPOCH

__all__ = ["to_format"]

_MONTHS = list(calendar.month_name)
_DAYS = list(calendar.day_name)
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
# Zones whose tz abbreviation is only a number ("+1030"): Intl's long names by zone.
_ZONE_LONG = {"Australia/Lord_Howe": ("Lord Howe Standard Time", "Lord Howe Daylight Time")}
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


def to_format(dt: datetime, fmt: str) -> str:
    """`DateTime.toFormat(fmt)` in the en-US locale."""
    out: list[str] = []
    for literal, token in split_format(fmt):
        if literal:
            out.append(token)
        elif token in _MACROS:
            text = to_format(dt, _MACROS[token])
            if isinstance(dt.tzinfo, timezone):
                # Luxon formats fixed-offset zones through another Intl path, which puts
                # a narrow no-break space before AM/PM.
                text = text.replace(" AM", "\u202fAM").replace(" PM", "\u202fPM")
            out.append(text)
        else:
            out.append(_token(dt, token))
    return "".join(out)


def split_format(fmt: str) -> list[tuple[bool, str]]:
    """Luxon's parseFormat: (is_literal, text) pairs."""
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


def _millis(d: datetime) -> int:
    return (d - EPOCH) // timedelta(milliseconds=1)


def _token(d: datetime, tok: str) -> str:
    c, n = tok[0], len(tok)
    if c == "y":
        return f"{d.year % 100:02d}" if n == 2 else f"{d.year:0{n}d}"
    if c in "ML":
        if n == 5:
            return _MONTHS[d.month][0]
        if n == 4:
            return _MONTHS[d.month]
        if n == 3:
            return _MONTHS[d.month][:3]
        return f"{d.month:0{n}d}" if n <= 2 else tok
    if c == "d":
        return f"{d.day:0{n}d}" if n <= 2 else tok
    if c in "Ec":
        if n == 5:
            return _DAYS[d.weekday()][0]
        if n == 4:
            return _DAYS[d.weekday()]
        if n == 3:
            return _DAYS[d.weekday()][:3]
        return str(d.isoweekday()) if n == 1 else tok
    if c in "Hhms" and n <= 2:
        value = {"H": d.hour, "h": (d.hour % 12) or 12, "m": d.minute, "s": d.second}[c]
        return f"{value:0{n}d}"
    if c == "S":
        ms = d.microsecond // 1000
        return f"{ms:03d}" if n == 3 else str(ms) if n == 1 else tok
    if c == "u" and n <= 3:
        return f"{d.microsecond // 1000:03d}"[: 4 - n]
    if tok == "a":
        return "AM" if d.hour < 12 else "PM"
    if c == "Z":
        return _offset_token(d, n)
    if tok == "z":
        return "UTC" if d.tzinfo is UTC else str(d.tzinfo)
    if c == "o" and n in (1, 3):
        return f"{d.timetuple().tm_yday:0{n}d}"
    if c == "q" and n <= 2:
        return f"{(d.month - 1) // 3 + 1:0{n}d}"
    if c == "W" and n <= 2:
        return f"{d.isocalendar().week:0{n}d}"
    if c == "k" and n in (2, 4):
        year = d.isocalendar().year
        return f"{year % 100:02d}" if n == 2 else f"{year:04d}"
    if c == "G":  # years before 1 do not exist in Python
        return {1: "AD", 2: "Anno Domini", 5: "A"}.get(n, tok)
    if tok == "X":
        return str(_millis(d) // 1000)
    if tok == "x":
        return str(_millis(d))
    return tok


def _offset_token(d: datetime, n: int) -> str:
    text = offset_text(d)
    if n == 1:
        return f"{text[0]}{int(text[1:3])}" + ("" if text[4:] == "00" else text[3:])
    if n == 2:
        return text
    if n == 3:
        return text.replace(":", "")
    if n in (4, 5):
        return _zone_label(d, long=n == 5)
    return "Z" * n


def _zone_label(dt: datetime, *, long: bool) -> str:
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
    names = _ZONE_LONG.get(getattr(dt.tzinfo, "key", ""))
    if long and names:
        return names[1] if dt.dst() else names[0]
    text = offset_text(dt)
    if long:
        return "GMT" + text
    hours, minutes = text[:3], text[4:]
    return f"GMT{hours[0]}{int(hours[1:])}" + ("" if minutes == "00" else f":{minutes}")
