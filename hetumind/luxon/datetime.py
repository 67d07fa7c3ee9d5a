"""Luxon's DateTime operations on aware `datetime`s: plus/minus, startOf/endOf, set,
setZone, diff, toISO.

Calendar units (years .. days) move the wall clock in the value's zone and keep the
offset Luxon would pick (`fixOffset`, the value's own offset first), clamping the day to
the month's end; clock units (hours .. milliseconds) move the instant. Fractions of
calendar units count as time by the casual matrix, as Luxon's adjustTime does. `diff`
follows luxon/src/impl/diff.js and Duration.shiftTo, including where the last unit takes
a fraction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from hetumind.luxon.duration import CALENDAR, CLOCK, UNITS, as_millis, norm, shift_ms
from hetumind.luxon.zones import (
    LuxonError,
    days_in_month,
    fix_offset,
    instant,
    local_us,
    wall_us,
    with_wall,
)

__all__ = ["diff", "end_of", "minus", "plus", "set_units", "set_zone", "start_of", "to_iso"]

_US = timedelta(microseconds=1)


def _unit(unit: str) -> str:
    name = unit if unit.endswith("s") else unit + "s"
    if name not in UNITS:
        raise LuxonError(f"Invalid unit {unit}")
    return name


def plus(dt: datetime, amounts: Mapping[str, float] | float) -> datetime:
    """Luxon's `DateTime.plus(amounts)` (adjustTime): a number is milliseconds; keys are
    units, singular or plural."""
    if isinstance(amounts, int | float):
        return _add_ms(dt, amounts)
    dur: dict[str, float] = {}
    for key, value in amounts.items():
        u = _unit(key)
        dur[u] = dur.get(u, 0) + value
    whole = {u: math.trunc(dur.get(u, 0)) for u in CALENDAR}
    year = dt.year + whole["years"]
    month = dt.month + whole["months"] + whole["quarters"] * 3
    if not 1 <= year + (month - 1) // 12 <= 9999:
        raise LuxonError("DateTime out of range")
    day = min(dt.day, days_in_month(year, month)) + whole["days"] + whole["weeks"] * 7
    out = dt
    if any(whole.values()):
        local = wall_us(year, month, day, dt.hour, dt.minute, dt.second, dt.microsecond)
        out = with_wall(dt, local)
    extra = {u: dur.get(u, 0) - whole[u] for u in CALENDAR} | {u: dur.get(u, 0) for u in CLOCK}
    millis = as_millis(extra)
    return _add_ms(out, millis) if millis else out


def minus(dt: datetime, amounts: Mapping[str, float] | float) -> datetime:
    if isinstance(amounts, int | float):
        return _add_ms(dt, -amounts)
    return plus(dt, {k: -v for k, v in amounts.items()})


def _add_ms(dt: datetime, millis: float) -> datetime:
    """Move the instant (aware datetime arithmetic in Python moves the wall clock)."""
    try:
        moved = dt.astimezone(UTC) + timedelta(milliseconds=millis)
        return moved.astimezone(dt.tzinfo)
    except OverflowError:
        raise LuxonError("DateTime out of range") from None


def start_of(dt: datetime, unit: str) -> datetime:
    """Luxon's `startOf(unit)` (ISO weeks: Monday)."""
    u = _unit(unit)
    y, mo, d, h, mi, s, us = (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
                              dt.microsecond)  # fmt: skip
    cut = UNITS.index(u)
    if u == "weeks":
        d, h, mi, s, us = d - dt.weekday(), 0, 0, 0, 0
    else:
        if u == "years":
            mo = 1
        if u == "quarters":
            mo = (mo - 1) // 3 * 3 + 1
        if cut <= UNITS.index("months"):
            d = 1
        if cut <= UNITS.index("days"):
            h = 0
        if cut <= UNITS.index("hours"):
            mi = 0
        if cut <= UNITS.index("minutes"):
            s = 0
        us = us // 1000 * 1000 if cut > UNITS.index("seconds") else 0
    return with_wall(dt, wall_us(y, mo, d, h, mi, s, us))


def end_of(dt: datetime, unit: str) -> datetime:
    """Luxon: plus one unit, back to its start, minus a millisecond."""
    return _add_ms(start_of(plus(dt, {unit: 1}), unit), -1)


def set_units(dt: datetime, values: Mapping[str, int]) -> datetime:
    """Luxon's `set({...})` for year .. millisecond: the day clamps to the month when only
    the month or year changes; out-of-range fields roll over (day 31 of November is
    December 1st), as Luxon's objToTS does."""
    fields = {"year": dt.year, "month": dt.month, "day": dt.day, "hour": dt.hour,
              "minute": dt.minute, "second": dt.second,
              "millisecond": dt.microsecond // 1000}  # fmt: skip
    for key, value in values.items():
        name = key[:-1] if key.endswith("s") else key
        if name not in fields:
            raise LuxonError(f"Invalid unit {key}")
        fields[name] = int(value)
    if "day" not in values and not any(k.rstrip("s") == "day" for k in values):
        fields["day"] = min(fields["day"], days_in_month(fields["year"], fields["month"]))
    f = fields
    us = f["millisecond"] * 1000 + dt.microsecond % 1000
    local = wall_us(f["year"], f["month"], f["day"], f["hour"], f["minute"], f["second"], us)
    return with_wall(dt, local)


def set_zone(dt: datetime, zone: tzinfo, *, keep_local_time: bool = False) -> datetime:
    """Luxon's `setZone(zone, {keepLocalTime})`; keeping the wall clock starts from the
    new zone's offset at the same instant."""
    if not keep_local_time:
        return dt.astimezone(zone)
    guess = (dt.astimezone(zone).utcoffset() or timedelta(0)) // _US
    return instant(fix_offset(local_us(dt), guess, zone), zone)


def offset_text(dt: datetime, *, colon: bool = True) -> str:
    minutes = int((dt.utcoffset() or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"{sign}{hh:02d}{':' if colon else ''}{mm:02d}"


def is_fixed_utc(dt: datetime) -> bool:
    """Luxon writes "Z" only for a fixed zone at offset zero (not for Etc/UTC)."""
    return isinstance(dt.tzinfo, timezone) and not dt.utcoffset()


def to_iso(dt: datetime) -> str:
    """Luxon's `toISO()`: milliseconds always, "Z" only for a fixed zero-offset zone."""
    suffix = "Z" if is_fixed_utc(dt) else offset_text(dt)
    year = f"{dt.year:04d}" if dt.year <= 9999 else f"+{dt.year:06d}"
    return (f"{year}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:"
            f"{dt.second:02d}.{dt.microsecond // 1000:03d}{suffix}")  # fmt: skip


def _ms_between(a: datetime, b: datetime) -> float:
    # via UTC: Python subtracts and compares wall clocks when both share one tzinfo
    return (b.astimezone(UTC) - a.astimezone(UTC)) / timedelta(milliseconds=1)


def _differ(unit: str, a: datetime, b: datetime) -> int:
    if unit == "years":
        return b.year - a.year
    if unit == "quarters":
        return (b.month - 1) // 3 - (a.month - 1) // 3 + (b.year - a.year) * 4
    if unit == "months":
        return b.month - a.month + (b.year - a.year) * 12
    days = (b.date() - a.date()).days
    return int((days - math.fmod(days, 7)) / 7) if unit == "weeks" else days


def diff(start: datetime, end: datetime, units: Sequence[str]) -> dict[str, float | int]:
    """`end.diff(start, units).toObject()`: keys plural, in Luxon's unit order."""
    wanted = {_unit(u) for u in units} or {"milliseconds"}
    later_first = _ms_between(start, end) >= 0
    earlier, later = (start, end) if later_first else (end, start)
    results: dict[str, float] = {}
    cursor, high_water, lowest = earlier, earlier, ""
    for unit in CALENDAR:
        if unit not in wanted:
            continue
        lowest = unit
        results[unit] = _differ(unit, cursor, later)
        high_water = plus(earlier, results)
        if _ms_between(later, high_water) > 0:
            results[unit] -= 1
            cursor = plus(earlier, results)
            if _ms_between(later, cursor) > 0:
                high_water = cursor
                results[unit] -= 1
                cursor = plus(earlier, results)
        else:
            cursor = high_water
    remaining = _ms_between(cursor, later)
    lower = [u for u in CLOCK if u in wanted]
    if not lower:
        if _ms_between(high_water, later) > 0:
            high_water = plus(cursor, {lowest: 1})
        if _ms_between(cursor, high_water):
            results[lowest] = results.get(lowest, 0) + remaining / _ms_between(cursor, high_water)
        values = results
    else:
        shifted = shift_ms(remaining, lower)
        values = {u: results.get(u, 0) + shifted.get(u, 0) for u in UNITS
                  if u in results or u in shifted}  # fmt: skip
    sign = 1 if later_first else -1
    return {u: norm(sign * v if v else 0) for u, v in values.items()}
