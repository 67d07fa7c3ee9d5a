"""Luxon's date arithmetic, as n8n's Date & Time node gets it: `plus`, `startOf`, `diff`.

Calendar units (years .. days) move the wall clock in the date's zone and keep the offset
Luxon would pick (`fixOffset`); clock units (hours .. milliseconds) move the instant.
`diff` follows luxon/src/impl/diff.js and `Duration.shiftTo`/`normalizeValues`, including
where the last unit takes a fraction, so `getTimeBetweenDates` gives the same numbers.
"""

from __future__ import annotations

import calendar
import itertools
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from hetumind.expressions.values import norm_number, to_string

__all__ = ["UNITS", "diff", "duration_iso", "normalize_unit", "plus", "start_of"]

UNITS = ("years", "quarters", "months", "weeks", "days", "hours", "minutes", "seconds",
         "milliseconds")  # fmt: skip
_CALENDAR = UNITS[:5]
_CLOCK = UNITS[5:]
_MS = {"weeks": 604_800_000, "days": 86_400_000, "hours": 3_600_000, "minutes": 60_000,
       "seconds": 1000, "milliseconds": 1}  # fmt: skip
# Luxon's casual matrix: a year is 365 days, a quarter 91, a month 30.
_CASUAL_DAYS = {"years": 365, "quarters": 91, "months": 30, "weeks": 7, "days": 1}
_EPOCH = datetime(1970, 1, 1)


def normalize_unit(unit: str) -> str | None:
    """'day', 'Days', 'days' -> 'days'; None for what Luxon rejects."""
    name = unit.strip().lower()
    name = name if name.endswith("s") else name + "s"
    return name if name in UNITS else None


def _ratio(high: str, low: str) -> float:
    """How many `low` in one `high` (Luxon's casual matrix)."""
    to_ms = {u: d * _MS["days"] for u, d in _CASUAL_DAYS.items()} | _MS
    return to_ms[high] / to_ms[low]


def _local_ms(dt: datetime) -> int:
    """Wall-clock time as if it were UTC, in microseconds (Luxon's localTS, finer)."""
    return (dt.replace(tzinfo=None) - _EPOCH) // timedelta(microseconds=1)


def _offset_us(zone: tzinfo, utc_us: int) -> int:
    at = (_EPOCH + timedelta(microseconds=utc_us)).replace(tzinfo=UTC).astimezone(zone)
    return (at.utcoffset() or timedelta(0)) // timedelta(microseconds=1)


def _from_local(local_us: int, offset_us: int, zone: tzinfo) -> datetime:
    """Luxon's fixOffset: the instant whose wall clock is `local_us`, preferring `offset_us`."""
    guess = local_us - offset_us
    o2 = _offset_us(zone, guess)
    if o2 != offset_us:
        guess -= o2 - offset_us
        o3 = _offset_us(zone, guess)
        if o3 != o2:
            guess = local_us - min(o2, o3)
    return (_EPOCH + timedelta(microseconds=guess)).replace(tzinfo=UTC).astimezone(zone)


def _set_wall(dt: datetime, wall: datetime) -> datetime:
    zone = dt.tzinfo or UTC
    offset = (dt.utcoffset() or timedelta(0)) // timedelta(microseconds=1)
    return _from_local(_local_ms(wall), offset, zone)


def plus(dt: datetime, amounts: Mapping[str, float]) -> datetime:
    """Luxon's `DateTime.plus(amounts)` (adjustTime); `amounts` keys are plural units."""
    whole = {u: math.trunc(amounts.get(u, 0)) for u in _CALENDAR}
    months = dt.year * 12 + dt.month - 1 + whole["years"] * 12 + whole["months"]
    months += whole["quarters"] * 3
    year, month = divmod(months, 12)
    day = min(dt.day, calendar.monthrange(year, month + 1)[1])
    wall = dt.replace(tzinfo=None, year=year, month=month + 1, day=day)
    wall += timedelta(days=whole["days"] + whole["weeks"] * 7)
    out = _set_wall(dt, wall)
    extra_ms = sum((amounts.get(u, 0) - whole[u]) * _CASUAL_DAYS[u] * _MS["days"] for u in whole)
    extra_ms += sum(amounts.get(u, 0) * _MS[u] for u in _CLOCK)
    if extra_ms:
        out = (out.astimezone(UTC) + timedelta(milliseconds=extra_ms)).astimezone(out.tzinfo)
    return out


def start_of(dt: datetime, unit: str) -> datetime:
    """Luxon's `startOf(unit)` (weeks start on Monday); `unit` is plural."""
    wall = dt.replace(tzinfo=None)
    cut = UNITS.index(unit)
    if unit == "weeks":
        wall = (wall - timedelta(days=wall.weekday())).replace(hour=0, minute=0, second=0)
        wall = wall.replace(microsecond=0)
    else:
        if cut <= UNITS.index("years"):
            wall = wall.replace(month=1)
        if unit == "quarters":
            wall = wall.replace(month=(wall.month - 1) // 3 * 3 + 1)
        if cut <= UNITS.index("months"):
            wall = wall.replace(day=1)
        if cut <= UNITS.index("days"):
            wall = wall.replace(hour=0)
        if cut <= UNITS.index("hours"):
            wall = wall.replace(minute=0)
        if cut <= UNITS.index("minutes"):
            wall = wall.replace(second=0)
        wall = wall.replace(microsecond=wall.microsecond // 1000 * 1000 if cut > 7 else 0)
    return _set_wall(dt, wall)


def _ms_between(a: datetime, b: datetime) -> float:
    # via UTC: Python subtracts and compares wall clocks when both share one tzinfo
    return (b.astimezone(UTC) - a.astimezone(UTC)) / timedelta(milliseconds=1)


def _day_diff(a: datetime, b: datetime) -> int:
    return (b.date() - a.date()).days


def _differ(unit: str, a: datetime, b: datetime) -> int:
    if unit == "years":
        return b.year - a.year
    if unit == "quarters":
        return (b.month - 1) // 3 - (a.month - 1) // 3 + (b.year - a.year) * 4
    if unit == "months":
        return b.month - a.month + (b.year - a.year) * 12
    days = _day_diff(a, b)
    return int((days - math.fmod(days, 7)) / 7) if unit == "weeks" else days


def diff(start: datetime, end: datetime, units: Sequence[str]) -> dict[str, float | int]:
    """`end.diff(start, units).toObject()`: keys in Luxon's unit order."""
    later_first = _ms_between(start, end) >= 0
    earlier, later = (start, end) if later_first else (end, start)
    results: dict[str, float] = {}
    cursor, high_water, lowest = earlier, earlier, ""
    for unit in _CALENDAR:
        if unit not in units:
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
    lower = [u for u in _CLOCK if u in units]
    if not lower:
        if _ms_between(high_water, later) > 0:
            high_water = plus(cursor, {lowest: 1})
        if _ms_between(cursor, high_water):
            results[lowest] = results.get(lowest, 0) + remaining / _ms_between(cursor, high_water)
        values = results
    else:
        shifted = _shift_ms(remaining, lower)
        values = {u: results.get(u, 0) + shifted.get(u, 0) for u in UNITS
                  if u in results or u in shifted}  # fmt: skip
    sign = 1 if later_first else -1
    return {u: norm_number(sign * v if v else 0) for u, v in values.items()}


def _shift_ms(ms: float, units: Sequence[str]) -> dict[str, float]:
    """`Duration.fromMillis(ms).shiftTo(...units)` for clock units."""
    built: dict[str, float] = {}
    accumulated: dict[str, float] = {}
    last = units[-1]
    for unit in _CLOCK:
        if unit in units:
            own = sum(_ratio(k, unit) * v for k, v in accumulated.items())
            accumulated = dict.fromkeys(accumulated, 0.0)
            if unit == "milliseconds":
                own += ms
            whole = math.trunc(own)
            built[unit] = whole
            accumulated[unit] = (own * 1000 - whole * 1000) / 1000
        elif unit == "milliseconds":
            accumulated[unit] = ms
    for key, value in accumulated.items():
        if value:
            built[last] += value if key == last else value / _ratio(last, key)
    _normalize(built)
    return built


def _normalize(vals: dict[str, float]) -> None:
    """Luxon's normalizeValues (mutates): roll lower units up, push fractions down."""
    order = [u for u in UNITS if u in vals]
    total = sum(v * _ratio(u, "milliseconds") for u, v in vals.items())
    factor = -1 if total < 0 else 1
    for high, low in reversed(list(itertools.pairwise(order))):
        conv = _ratio(high, low)
        roll = math.floor(vals[low] * factor / conv)
        vals[high] += roll * factor
        vals[low] -= roll * conv * factor
    for high, low in itertools.pairwise(order):
        fraction = math.fmod(vals[high], 1)
        vals[high] -= fraction
        vals[low] += fraction * _ratio(high, low)


def duration_iso(values: Mapping[str, float | int]) -> str:
    """Luxon's `Duration.toISO()` for a duration with these values."""

    def get(unit: str) -> float:
        return values.get(unit, 0)

    def num(x: float) -> str:
        return to_string(norm_number(x))

    out = "P"
    if get("years"):
        out += num(get("years")) + "Y"
    if get("months") or get("quarters"):
        out += num(get("months") + get("quarters") * 3) + "M"
    if get("weeks"):
        out += num(get("weeks")) + "W"
    if get("days"):
        out += num(get("days")) + "D"
    if any(get(u) for u in _CLOCK):
        out += "T"
    if get("hours"):
        out += num(get("hours")) + "H"
    if get("minutes"):
        out += num(get("minutes")) + "M"
    if get("seconds") or get("milliseconds"):
        seconds = get("seconds") + get("milliseconds") / 1000
        out += num(math.floor(seconds * 1000 + 0.5) / 1000) + "S"
    return out if out != "P" else "PT0S"
