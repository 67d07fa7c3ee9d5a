"""Luxon's wall-clock rules, so time zones and DST in expressions answer as n8n's do.

Luxon turns a local (wall-clock) time into an instant with `fixOffset`: it guesses the
zone's offset, checks it at the guessed instant and corrects once. The first guess is
the zone's offset *now* for fresh values (`fromISO(..., {zone})`) and the value's own
offset for arithmetic (`plus({days: 1})`, `startOf`, `set`). So a time inside a DST gap
moves forward by the gap (02:30 on a spring-forward night is 03:30), and an ambiguous
autumn time takes the offset that the guess lands on, exactly as Luxon does.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from hetumind.expressions.values import EvalError

__all__ = ["from_wall", "is_in_dst", "now_offset", "offset_at", "wall_ms", "zone_for"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def zone_for(name: str) -> tzinfo:
    """A zone by the names Luxon accepts: UTC, IANA names, fixed `UTC+5`/`+05:30`."""
    key = name.strip()
    if key.upper() in (
        "UTC",
        "Z",
        "GMT",
        "ETC/UTC",
        "UTC+0",
        "UTC-0",
        "LOCAL",
        "SYSTEM",
        "DEFAULT",
    ):
        return UTC
    if key[:3].upper() in ("UTC", "GMT") and key[3:4] in ("+", "-"):
        key = key[3:]
    if key[:1] in ("+", "-"):
        sign = -1 if key[0] == "-" else 1
        hours, _, minutes = key[1:].partition(":")
        try:
            return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))
        except ValueError:
            raise EvalError(f"Invalid zone {name}") from None
    try:
        return ZoneInfo(key)
    except (KeyError, ValueError):
        raise EvalError(f"Invalid zone {name}") from None


def offset_at(zone: tzinfo, ts_ms: int) -> int:
    """The zone's UTC offset in minutes at an instant."""
    if zone is UTC:
        return 0
    at = _EPOCH + timedelta(milliseconds=ts_ms)
    off = at.astimezone(zone).utcoffset() or timedelta(0)
    return int(off.total_seconds() // 60)


def now_offset(zone: tzinfo) -> int:
    return offset_at(zone, int(datetime.now(UTC).timestamp() * 1000))


def wall_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
            ms: int = 0) -> int:  # fmt: skip
    """Wall-clock fields as if they were UTC, overflowing like JS's Date.UTC (day 32 is
    the 1st of the next month, month 13 January of the next year)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    if not 1 <= year <= 9999:
        raise EvalError("DateTime out of range")
    base = datetime(year, month, 1, tzinfo=UTC)
    delta = timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second, milliseconds=ms)
    return (base + delta - _EPOCH) // timedelta(milliseconds=1)


def _fix_offset(local_ts: int, guess: int, zone: tzinfo) -> tuple[int, int]:
    utc_guess = local_ts - guess * 60_000
    o2 = offset_at(zone, utc_guess)
    if guess == o2:
        return utc_guess, guess
    utc_guess -= (o2 - guess) * 60_000
    o3 = offset_at(zone, utc_guess)
    if o2 == o3:
        return utc_guess, o2
    return local_ts - min(o2, o3) * 60_000, max(o2, o3)


def from_wall(local_ts: int, zone: tzinfo, guess: int | None = None) -> datetime:
    """The instant a wall-clock time (see wall_ms) names in `zone`, as Luxon picks it."""
    if guess is None:
        guess = now_offset(zone)
    ts, _ = _fix_offset(local_ts, guess, zone)
    try:
        return (_EPOCH + timedelta(milliseconds=ts)).astimezone(zone)
    except OverflowError:
        raise EvalError("DateTime out of range") from None


def is_in_dst(dt: datetime) -> bool:
    """Luxon's isInDST: the offset is above the zone's January or May offset."""
    zone = dt.tzinfo
    if zone is None or zone is UTC or isinstance(zone, timezone):
        return False
    off = dt.utcoffset() or timedelta(0)
    jan = datetime(dt.year, 1, 1, tzinfo=zone).utcoffset() or timedelta(0)
    may = datetime(dt.year, 5, 1, tzinfo=zone).utcoffset() or timedelta(0)
    return off > jan or off > may


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]
