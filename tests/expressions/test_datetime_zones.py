# ruff: noqa: E501  (JavaScript sources are kept on one line)
"""Luxon's wall-clock rules for time zones and DST (hetumind/luxon/zones.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hetumind.expressions.datetime import DateTime
from hetumind.luxon.zones import from_wall, wall_ms

Evaluate = Callable[..., Any]
NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def iso(local: tuple[int, ...], zone: ZoneInfo, guess: int) -> str:
    return str(DateTime(from_wall(wall_ms(*local), zone, guess)).iso())


@pytest.mark.parametrize("guess", [-300, -240])
def test_a_time_in_the_spring_gap_moves_forward(guess: int) -> None:
    # Whatever the first guess, 02:30 on the night clocks jump is 03:30 EDT.
    assert iso((2024, 3, 10, 2, 30), NY, guess) == "2024-03-10T03:30:00.000-04:00"


def test_an_ambiguous_autumn_time_takes_the_guessed_offset() -> None:
    # Luxon's first guess is the zone's offset now: -05:00 in winter, -04:00 in summer.
    assert iso((2024, 11, 3, 1, 30), NY, -300) == "2024-11-03T01:30:00.000-05:00"
    assert iso((2024, 11, 3, 1, 30), NY, -240) == "2024-11-03T01:30:00.000-04:00"
    assert iso((2024, 10, 27, 2, 30), BERLIN, 60) == "2024-10-27T02:30:00.000+01:00"
    assert iso((2024, 10, 27, 2, 30), BERLIN, 120) == "2024-10-27T02:30:00.000+02:00"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # calendar units keep the wall clock, time units the instant
        (
            "DateTime.fromISO('2024-03-09T12:00:00', {zone: 'America/New_York'}).plus({days: 1}).toISO()",
            "2024-03-10T12:00:00.000-04:00",
        ),
        (
            "DateTime.fromISO('2024-03-09T12:00:00', {zone: 'America/New_York'}).plus({hours: 24}).toISO()",
            "2024-03-10T13:00:00.000-04:00",
        ),
        (
            "DateTime.fromISO('2024-10-27T00:30:00Z').setZone('Europe/Berlin').plus({hours: 1}).toISO()",
            "2024-10-27T02:30:00.000+01:00",
        ),
        (
            "DateTime.fromISO('2024-03-10T12:00:00', {zone: 'America/New_York'}).startOf('day').toISO()",
            "2024-03-10T00:00:00.000-05:00",
        ),
        (
            "DateTime.fromISO('2024-03-10T12:00:00', {zone: 'America/New_York'}).endOf('day').toISO()",
            "2024-03-10T23:59:59.999-04:00",
        ),
        (
            "DateTime.fromISO('2024-04-01T00:00:00', {zone: 'Europe/Berlin'}).diff("
            "DateTime.fromISO('2024-03-31T00:00:00', {zone: 'Europe/Berlin'}), 'days').days",
            1,
        ),
        (
            "DateTime.fromISO('2024-04-01T00:00:00', {zone: 'Europe/Berlin'}).diff("
            "DateTime.fromISO('2024-03-31T00:00:00', {zone: 'Europe/Berlin'}), 'hours').hours",
            23,
        ),
        ("DateTime.fromISO('2024-07-01T12:00:00', {zone: 'Europe/Paris'}).isInDST", True),
        ("DateTime.fromISO('2024-01-01T12:00:00', {zone: 'Europe/Paris'}).offset", 60),
        (
            "DateTime.fromISO('2024-03-10T12:00:00+05:30', {setZone: true}).toISO()",
            "2024-03-10T12:00:00.000+05:30",
        ),
        ("DateTime.fromISO('2024-03-10T12:00:00+05:30').toISO()", "2024-03-10T06:30:00.000Z"),
        (
            "DateTime.fromISO('2024-03-10T12:00:00Z').setZone('UTC+5').toISO()",
            "2024-03-10T17:00:00.000+05:00",
        ),
        (
            "DateTime.fromISO('2024-01-31T10:00:00', {zone: 'America/New_York'}).plus({months: 1}).toISO()",
            "2024-02-29T10:00:00.000-05:00",
        ),
        (
            "DateTime.fromISO('2024-03-10T06:30:00Z').plus(5, 'days').toISO()",
            "2024-03-15T06:30:00.000Z",
        ),
        ("DateTime.fromISO('2024-03-10T06:30:00Z').diffTo('2024-03-01T06:30:00Z', 'days')", 9),
        ("DateTime.fromISO('2024-03-10T06:30:00Z').extract('week')", 10),
        (
            "DateTime.fromISO('2024-03-10T06:30:00Z').endOfMonth().toISO()",
            "2024-03-31T23:59:59.999Z",
        ),
    ],
)
def test_zone_arithmetic_matches_luxon(ev: Evaluate, expr: str, expected: Any) -> None:
    assert ev(expr) == expected
