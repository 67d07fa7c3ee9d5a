"""moment.js format tokens, for the Date & Time node's version 1 (which n8n ran on moment).

`format_moment` writes a datetime with moment's tokens (`YYYY-MM-DD`, `Do MMMM`, `X`, `x`,
`[literal]`, ...) in English; `parse_moment` reads a text with them, as
`moment(text, format[, strict])` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo

__all__ = ["format_moment", "parse_moment"]

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_TOKENS = re.compile(
    r"\[[^\]]*\]|Mo|MM?M?M?|Qo|Q|Do|DDDo|DD?D?D?|do|dd?d?d?|E|e|wo|ww?|Wo|WW?|gggg|gg|"
    r"GGGG|GG|YYYYYY|YYYY|YY|Y|A|a|HH?|hh?|kk?|mm?|ss?|S{1,9}|zz?|ZZ?|X|x"
)


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _offset(dt: datetime, colon: bool) -> str:
    total = int((dt.utcoffset() or timedelta()).total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    hours, minutes = divmod(abs(total), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def _sunday_weekday(dt: datetime) -> int:
    return dt.isoweekday() % 7


def _locale_week(dt: datetime) -> tuple[int, int]:
    # moment's "en" locale: weeks start on Sunday, week 1 holds January 1st
    jan1 = dt.replace(month=1, day=1)
    start = jan1 - timedelta(days=_sunday_weekday(jan1))
    dec31_next = dt.replace(year=dt.year + 1, month=1, day=1)
    next_start = dec31_next - timedelta(days=_sunday_weekday(dec31_next))
    day = dt.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if day >= next_start.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None):
        return dt.year + 1, 1
    base = start.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return dt.year, (day - base).days // 7 + 1


_FORMATTERS: dict[str, Callable[[datetime], str]] = {
    "M": lambda d: str(d.month),
    "Mo": lambda d: _ordinal(d.month),
    "MM": lambda d: f"{d.month:02d}",
    "MMM": lambda d: _MONTHS[d.month - 1][:3],
    "MMMM": lambda d: _MONTHS[d.month - 1],
    "Q": lambda d: str((d.month - 1) // 3 + 1),
    "Qo": lambda d: _ordinal((d.month - 1) // 3 + 1),
    "D": lambda d: str(d.day),
    "Do": lambda d: _ordinal(d.day),
    "DD": lambda d: f"{d.day:02d}",
    "DDD": lambda d: str(d.timetuple().tm_yday),
    "DDDo": lambda d: _ordinal(d.timetuple().tm_yday),
    "DDDD": lambda d: f"{d.timetuple().tm_yday:03d}",
    "d": lambda d: str(_sunday_weekday(d)),
    "do": lambda d: _ordinal(_sunday_weekday(d)),
    "dd": lambda d: _DAYS[_sunday_weekday(d)][:2],
    "ddd": lambda d: _DAYS[_sunday_weekday(d)][:3],
    "dddd": lambda d: _DAYS[_sunday_weekday(d)],
    "e": lambda d: str(_sunday_weekday(d)),
    "E": lambda d: str(d.isoweekday()),
    "w": lambda d: str(_locale_week(d)[1]),
    "wo": lambda d: _ordinal(_locale_week(d)[1]),
    "ww": lambda d: f"{_locale_week(d)[1]:02d}",
    "W": lambda d: str(d.isocalendar().week),
    "Wo": lambda d: _ordinal(d.isocalendar().week),
    "WW": lambda d: f"{d.isocalendar().week:02d}",
    "gg": lambda d: f"{_locale_week(d)[0] % 100:02d}",
    "gggg": lambda d: str(_locale_week(d)[0]),
    "GG": lambda d: f"{d.isocalendar().year % 100:02d}",
    "GGGG": lambda d: str(d.isocalendar().year),
    "Y": lambda d: str(d.year),
    "YY": lambda d: f"{d.year % 100:02d}",
    "YYYY": lambda d: f"{d.year:04d}",
    "YYYYYY": lambda d: f"{'-' if d.year < 0 else '+'}{abs(d.year):06d}",
    "A": lambda d: "PM" if d.hour >= 12 else "AM",
    "a": lambda d: "pm" if d.hour >= 12 else "am",
    "H": lambda d: str(d.hour),
    "HH": lambda d: f"{d.hour:02d}",
    "h": lambda d: str(d.hour % 12 or 12),
    "hh": lambda d: f"{d.hour % 12 or 12:02d}",
    "k": lambda d: str(d.hour or 24),
    "kk": lambda d: f"{d.hour or 24:02d}",
    "m": lambda d: str(d.minute),
    "mm": lambda d: f"{d.minute:02d}",
    "s": lambda d: str(d.second),
    "ss": lambda d: f"{d.second:02d}",
    "z": lambda d: d.tzname() or "",
    "zz": lambda d: d.tzname() or "",
    "Z": lambda d: _offset(d, True),
    "ZZ": lambda d: _offset(d, False),
    "X": lambda d: str(int(d.timestamp())),
    "x": lambda d: str(int(d.timestamp() * 1000)),
}


def format_moment(dt: datetime, fmt: str) -> str:
    """`moment(dt).format(fmt)`; an empty format is moment's default (ISO with offset)."""
    if not fmt:
        fmt = "YYYY-MM-DDTHH:mm:ssZ"
    out: list[str] = []
    pos = 0
    for m in _TOKENS.finditer(fmt):
        out.append(fmt[pos : m.start()])
        token = m.group(0)
        if token.startswith("["):
            out.append(token[1:-1])
        elif token.startswith("S"):
            out.append(f"{dt.microsecond:06d}000"[: len(token)])
        else:
            out.append(_FORMATTERS[token](dt))
        pos = m.end()
    out.append(fmt[pos:])
    return "".join(out)


_MONTH_NAMES = "|".join([*_MONTHS, *(m[:3] for m in _MONTHS)])
_DAY_NAMES = "|".join([*_DAYS, *(d[:3] for d in _DAYS), *(d[:2] for d in _DAYS)])
_PARSERS: dict[str, tuple[str, str | None]] = {
    "YYYY": (r"\d{4}", "year"),
    "YY": (r"\d{2}", "year2"),
    "Y": (r"\d{1,6}", "year"),
    "M": (r"\d{1,2}", "month"),
    "MM": (r"\d{2}", "month"),
    "MMM": (_MONTH_NAMES, "month_name"),
    "MMMM": (_MONTH_NAMES, "month_name"),
    "D": (r"\d{1,2}", "day"),
    "DD": (r"\d{2}", "day"),
    "Do": (r"\d{1,2}(?:st|nd|rd|th)", "day_ordinal"),
    "DDD": (r"\d{1,3}", "yday"),
    "DDDD": (r"\d{3}", "yday"),
    "H": (r"\d{1,2}", "hour"),
    "HH": (r"\d{2}", "hour"),
    "h": (r"\d{1,2}", "hour"),
    "hh": (r"\d{2}", "hour"),
    "k": (r"\d{1,2}", "hour"),
    "kk": (r"\d{2}", "hour"),
    "m": (r"\d{1,2}", "minute"),
    "mm": (r"\d{2}", "minute"),
    "s": (r"\d{1,2}", "second"),
    "ss": (r"\d{2}", "second"),
    "A": (r"[AaPp][Mm]", "ampm"),
    "a": (r"[AaPp][Mm]", "ampm"),
    "Z": (r"Z|[+-]\d{2}:?\d{2}", "offset"),
    "ZZ": (r"Z|[+-]\d{2}:?\d{2}", "offset"),
    "X": (r"-?\d+(?:\.\d+)?", "unix"),
    "x": (r"-?\d+", "unix_ms"),
    "dddd": (_DAY_NAMES, None),
    "ddd": (_DAY_NAMES, None),
    "dd": (_DAY_NAMES, None),
    "d": (r"\d", None),
}


def parse_moment(text: str, fmt: str, zone: tzinfo, *, strict: bool) -> datetime | None:
    """The instant `text` names in `fmt` (wall time in `zone` unless it has an offset), or
    None when it does not match. Non-strict parsing, as moment's, lets separators differ
    and ignores what follows the last token."""
    pattern: list[str] = []
    fields: list[str | None] = []
    pos = 0
    for m in _TOKENS.finditer(fmt):
        literal = fmt[pos : m.start()]
        pattern.append(re.escape(literal) if strict else (r"[^\w]*?" if literal else ""))
        token = m.group(0)
        if token.startswith("["):
            pattern.append(re.escape(token[1:-1]) if strict else r"[^\d]*?")
        elif token.startswith("S"):
            pattern.append(r"(\d{1,9})" if not strict else rf"(\d{{{len(token)}}})")
            fields.append("fraction")
        elif token in _PARSERS:
            regex, field = _PARSERS[token]
            pattern.append(f"({regex})")
            fields.append(field)
        else:
            pattern.append(re.escape(token))
        pos = m.end()
    tail = fmt[pos:]
    pattern.append(re.escape(tail) if strict else r".*")
    found = re.fullmatch("".join(pattern), text if strict else text.strip(), re.I | re.S)
    if found is None:
        return None
    return _assemble(dict(zip(fields, found.groups(), strict=True)), zone)


def _assemble(found: dict[str | None, str], zone: tzinfo) -> datetime | None:
    if "unix" in found:
        return datetime.fromtimestamp(float(found["unix"]), tz=UTC).astimezone(zone)
    if "unix_ms" in found:
        return datetime.fromtimestamp(int(found["unix_ms"]) / 1000, tz=UTC).astimezone(zone)
    now = datetime.now(zone)
    year = now.year
    if "year" in found:
        year = int(found["year"])
    elif "year2" in found:
        two = int(found["year2"])
        year = two + (1900 if two > 68 else 2000)
    month = 1
    if "month" in found:
        month = int(found["month"])
    elif "month_name" in found:
        name = found["month_name"][:3].lower()
        month = [m[:3].lower() for m in _MONTHS].index(name) + 1
    day = int(found.get("day") or re.sub(r"\D", "", found.get("day_ordinal", "1")) or 1)
    hour = int(found.get("hour") or 0)
    ampm = (found.get("ampm") or "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    micro = int((found.get("fraction") or "0").ljust(6, "0")[:6])
    try:
        wall = datetime(
            year,
            month,
            day,
            hour,
            int(found.get("minute") or 0),
            int(found.get("second") or 0),
            micro,
        )
        if "yday" in found:
            wall = wall.replace(month=1, day=1) + timedelta(days=int(found["yday"]) - 1)
    except ValueError:
        return None  # moment: an invalid date (31 February, hour 25)
    offset = found.get("offset")
    if offset:
        if offset.upper() == "Z":
            return wall.replace(tzinfo=UTC).astimezone(zone)
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return wall.replace(tzinfo=timezone(sign * delta)).astimezone(zone)
    return wall.replace(tzinfo=zone)
