"""Luxon's Duration arithmetic: unit names, the casual conversion matrix, shiftTo,
normalize and toISO (luxon/src/duration.js)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

__all__ = ["CALENDAR", "CLOCK", "UNITS", "as_millis", "duration_iso", "normalize_unit",
           "shift_ms", "to_number_text"]  # fmt: skip

UNITS = ("years", "quarters", "months", "weeks", "days", "hours", "minutes", "seconds",
         "milliseconds")  # fmt: skip
CALENDAR = UNITS[:5]
CLOCK = UNITS[5:]
MS = {"weeks": 604_800_000, "days": 86_400_000, "hours": 3_600_000, "minutes": 60_000,
      "seconds": 1000, "milliseconds": 1}  # fmt: skip
# Luxon's casual matrix: a year is 365 days, a quarter 91, a month 30.
CASUAL_DAYS = {"years": 365, "quarters": 91, "months": 30, "weeks": 7, "days": 1}
_MAX_SAFE = 2**53 - 1
_TO_MS = {u: d * MS["days"] for u, d in CASUAL_DAYS.items()} | MS


def normalize_unit(unit: str) -> str | None:
    """'day', 'Days', 'days' -> 'days'; None for what Luxon rejects."""
    name = unit.strip().lower()
    name = name if name.endswith("s") else name + "s"
    return name if name in UNITS else None


def ratio(high: str, low: str) -> float:
    """How many `low` in one `high` (Luxon's casual matrix)."""
    return _TO_MS[high] / _TO_MS[low]


def as_millis(values: Mapping[str, float]) -> float:
    """`Duration.fromObject(values).as('milliseconds')` (casual)."""
    return sum(v * _TO_MS[u] for u, v in values.items())


def norm(x: float) -> float | int:
    """Whole floats as ints (JS has one number type), -0 as 0."""
    if isinstance(x, float) and x.is_integer() and abs(x) <= _MAX_SAFE:
        return int(x)
    return x


def shift_ms(ms: float, units: Sequence[str]) -> dict[str, float]:
    """`Duration.fromMillis(ms).shiftTo(...units)` for clock units."""
    built: dict[str, float] = {}
    accumulated: dict[str, float] = {}
    last = units[-1]
    for unit in CLOCK:
        if unit in units:
            own = sum(ratio(k, unit) * v for k, v in accumulated.items())
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
            built[last] += value if key == last else value / ratio(last, key)
    normalize(built)
    return built


def normalize(vals: dict[str, float]) -> None:
    """Luxon's normalizeValues (mutates): roll lower units up, push fractions down."""
    order = [u for u in UNITS if u in vals]
    total = sum(v * ratio(u, "milliseconds") for u, v in vals.items())
    factor = -1 if total < 0 else 1
    for high, low in reversed(list(itertools.pairwise(order))):
        conv = ratio(high, low)
        roll = math.floor(vals[low] * factor / conv)
        vals[high] += roll * factor
        vals[low] -= roll * conv * factor
    for high, low in itertools.pairwise(order):
        fraction = math.fmod(vals[high], 1)
        vals[high] -= fraction
        vals[low] += fraction * ratio(high, low)


def to_number_text(x: float) -> str:
    """A number as JS's String(x) writes the usual ones."""
    n = norm(x)
    if isinstance(n, int):
        return str(n)
    text = repr(n)
    return text[:-2] if text.endswith(".0") else text


def duration_iso(values: Mapping[str, float | int]) -> str:
    """Luxon's `Duration.toISO()` for a duration with these values."""

    def get(unit: str) -> float:
        return values.get(unit, 0)

    num = to_number_text
    out = "P"
    if get("years"):
        out += num(get("years")) + "Y"
    if get("months") or get("quarters"):
        out += num(get("months") + get("quarters") * 3) + "M"
    if get("weeks"):
        out += num(get("weeks")) + "W"
    if get("days"):
        out += num(get("days")) + "D"
    if any(get(u) for u in CLOCK):
        out += "T"
    if get("hours"):
        out += num(get("hours")) + "H"
    if get("minutes"):
        out += num(get("minutes")) + "M"
    if get("seconds") or get("milliseconds"):
        seconds = get("seconds") + get("milliseconds") / 1000
        out += num(math.floor(seconds * 1000 + 0.5) / 1000) + "S"
    return out if out != "P" else "PT0S"
