"""Zones and Luxon's wall-clock rules.

Luxon turns a local (wall-clock) time into an instant with `fixOffset`: it guesses the
zone's offset, checks it at the guessed instant and corrects once. The first guess is
the zone's offset *now* for fresh values (`fromISO(..., {zone})`) and the value's own
offset for arithmetic (`plus({days: 1})`, `startOf`, `set`). So a time inside a DST gap
moves forward by the gap (02:30 on a spring-forward night is 03:30), and an ambiguous
autumn time takes the offset that the guess lands on, exactly as Luxon does.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "InvalidZone",
    "LuxonError",
    "days_in_month",
    "fix_offset",
    "from_wall",
    "is_in_dst",
    "now_offset",
    "offset_at",
    "wall_ms",
    "wall_us",
    "zone_for",
    "zone_name",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
# Luxon: "utc"/"gmt" are FixedOffsetZone.utcInstance; "local"/"system"/"default" is the
# process zone, which is UTC on an n8n server in its container.
_UTC_NAMES = frozenset({"utc", "z", "gmt", "utc+0", "utc-0", "gmt+0", "gmt-0", "local",
                        "system", "default"})  # fmt: skip
_FIXED = re.compile(r"(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?", re.I)


class LuxonError(ValueError):
    """A value Luxon would call invalid (bad zone, out of range, unknown unit)."""


class InvalidZone(LuxonError):
    """A time zone name neither IANA nor Luxon's fixed-offset syntax knows."""


def zone_for(name: str) -> tzinfo:
    """A zone by the names Luxon accepts: UTC/GMT, IANA names, fixed `UTC+5`/`+05:30`."""
    key = name.strip()
    if key.lower() in _UTC_NAMES:
        return UTC
    fixed = _FIXED.fullmatch(key)
    if fixed:
        sign = -1 if fixed.group(1) == "-" else 1
        minutes = int(fixed.group(2)) * 60 + int(fixed.group(3) or 0)
        try:
            return UTC if minutes == 0 else timezone(sign * timedelta(minutes=minutes))
        except ValueError:
            raise InvalidZone(name) from None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidZone(name) from None


def zone_name(d: datetime) -> str:
    """Luxon's `zoneName`: the IANA name, "UTC", or "UTC+5:30" for a fixed offset."""
    z = d.tzinfo
    if z is UTC or z is None:
        return "UTC"
    if isinstance(z, ZoneInfo):
        return z.key
    off = int((d.utcoffset() or timedelta(0)).total_seconds() // 60)
    if off == 0:
        return "UTC"
    h, m = divmod(abs(off), 60)
    return f"UTC{'+' if off > 0 else '-'}{h}" + (f":{m:02d}" if m else "")


def offset_at(zone: tzinfo, ts_ms: float) -> int:
    """The zone's UTC offset in minutes at an instant (ms since the epoch)."""
    if zone is UTC:
        return 0
    at = EPOCH + timedelta(milliseconds=ts_ms)
    off = at.astimezone(zone).utcoffset() or timedelta(0)
    return int(off.total_seconds() // 60)


def now_offset(zone: tzinfo) -> int:
    return offset_at(zone, int(datetime.now(UTC).timestamp() * 1000))


def wall_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
            ms: float = 0) -> int:  # fmt: skip
    """Wall-clock fields as if they were UTC, overflowing like JS's Date.UTC (day 32 is
    the 1st of the next month, month 13 January of the next year)."""
    return wall_us(year, month, day, hour, minute, second, ms * 1000) // 1000


def wall_us(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
            us: float = 0) -> int:  # fmt: skip
    """As wall_ms, in microseconds (Python keeps them; Luxon has milliseconds)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    if not 1 <= year <= 9999:
        raise LuxonError("DateTime out of range")
    base = datetime(year, month, 1, tzinfo=UTC)
    delta = timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second,
                      microseconds=us)  # fmt: skip
    try:
        return (base + delta - EPOCH) // _US
    except OverflowError:
        raise LuxonError("DateTime out of range") from None


def local_us(dt: datetime) -> int:
    """An aware datetime's wall clock as if it were UTC, in microseconds (Luxon's localTS)."""
    return (dt.replace(tzinfo=None) - _EPOCH_NAIVE) // _US


def _offset_us(zone: tzinfo, utc_us: int) -> int:
    if zone is UTC:
        return 0
    try:
        at = (EPOCH + timedelta(microseconds=utc_us)).astimezone(zone)
    except OverflowError:
        raise LuxonError("DateTime out of range") from None
    return (at.utcoffset() or timedelta(0)) // _US


def fix_offset(local: int, guess_us: int, zone: tzinfo) -> int:
    """Luxon's fixOffset (in microseconds): the instant whose wall clock is `local`,
    starting from the offset `guess_us`."""
    utc_guess = local - guess_us
    o2 = _offset_us(zone, utc_guess)
    if guess_us == o2:
        return utc_guess
    utc_guess -= o2 - guess_us
    o3 = _offset_us(zone, utc_guess)
    if o2 == o3:
        return utc_guess
    return local - min(o2, o3)


def instant(utc_us: int, zone: tzinfo) -> datetime:
    try:
        return (EPOCH + timedelta(microseconds=utc_us)).astimezone(zone)
    except OverflowError:
        raise LuxonError("DateTime out of range") from None


def from_wall(local_ts_ms: float, zone: tzinfo, guess: int | None = None) -> datetime:
    """The instant a wall-clock time (see wall_ms) names in `zone`, as Luxon picks it;
    `guess` is the first offset tried in minutes (default: the zone's offset now)."""
    if guess is None:
        guess = now_offset(zone)
    local = round(local_ts_ms * 1000)
    return instant(fix_offset(local, guess * 60_000_000, zone), zone)


def with_wall(dt: datetime, local: int) -> datetime:
    """Same zone, new wall clock (microseconds, see local_us); the current offset is
    Luxon's first guess, as in `set`, `startOf` and calendar `plus`."""
    zone = dt.tzinfo or UTC
    own = (dt.utcoffset() or timedelta(0)) // _US
    return instant(fix_offset(local, own, zone), zone)


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
    """Luxon's daysInMonth, months past 12 rolling into the next year."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return calendar.monthrange(year, month)[1]
