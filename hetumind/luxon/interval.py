"""Luxon's Interval: a half-open span [start, end) of two aware datetimes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from hetumind.luxon.datetime import diff, start_of
from hetumind.luxon.zones import LuxonError

__all__ = ["Interval"]


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise LuxonError("Invalid Interval: end before start")

    def length(self, unit: str = "milliseconds") -> float | int:
        """`Interval.length(unit)`: the span in `unit`, fractions included."""
        key = unit if unit.endswith("s") else unit + "s"
        return diff(self.start, self.end, [key])[key]

    def count(self, unit: str = "milliseconds") -> int:
        """`Interval.count(unit)`: how many calendar `unit`s the span touches."""
        key = unit if unit.endswith("s") else unit + "s"
        first = start_of(self.start, key)
        last = start_of(self.end, key)
        return math.floor(diff(first, last, [key])[key]) + (last != self.end)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end
