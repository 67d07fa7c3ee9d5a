"""hetumind.luxon against real Luxon: every case in luxon_cases.json was computed by
Luxon itself (scripts/luxon_cases.mjs, version pinned in tests/luxon/package.json)
across DST transitions in New York, Berlin, Lord Howe (30-minute DST), Kolkata and UTC,
and at month ends and in leap years."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hetumind.luxon import datetime as lx
from hetumind.luxon.format import to_format
from hetumind.luxon.interval import Interval
from hetumind.luxon.parse import from_http, from_iso, from_rfc2822, from_sql, parse_format
from hetumind.luxon.zones import LuxonError, days_in_month, is_in_dst, zone_for, zone_name

_DATA = json.loads((Path(__file__).parent / "luxon_cases.json").read_text())
CASES: list[dict[str, Any]] = _DATA["cases"]


_READERS = {"fromSQL": from_sql, "fromRFC2822": from_rfc2822, "fromHTTP": from_http}


def _base(case: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(case["base"]).astimezone(zone_for(case["zone"]))


def _info(d: datetime) -> dict[str, Any]:
    iso = d.isocalendar()
    return {"offset": int(d.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
            "isInDST": is_in_dst(d), "weekday": d.isoweekday(),
            "ordinal": d.timetuple().tm_yday, "weekNumber": iso.week, "weekYear": iso.year,
            "daysInMonth": days_in_month(d.year, d.month),
            "isInLeapYear": days_in_month(d.year, 2) == 29, "zoneName": zone_name(d)}  # fmt: skip


def _run(case: dict[str, Any]) -> Any:
    op: str = case["op"]
    args: Any = case.get("args")
    if op == "fromISO":
        return lx.to_iso(from_iso(case["base"], zone_for(case["zone"])))
    if op in _READERS:
        try:
            return lx.to_iso(_READERS[op](case["base"], zone_for(case["zone"])))
        except LuxonError:
            return None
    if op == "fromFormat":
        parsed = parse_format(case["base"], args, zone_for(case["zone"]))
        return None if parsed is None else lx.to_iso(parsed)
    d = _base(case)
    if op == "toISO":
        return lx.to_iso(d)
    if op == "info":
        return _info(d)
    if op in ("plus", "minus"):
        return lx.to_iso((lx.plus if op == "plus" else lx.minus)(d, args))
    if op in ("startOf", "endOf"):
        return lx.to_iso((lx.start_of if op == "startOf" else lx.end_of)(d, args))
    if op == "diff":
        other = datetime.fromisoformat(args["other"]).astimezone(d.tzinfo)
        return lx.diff(d, other, args["units"])
    if op == "toFormat":
        return to_format(d, args)
    if op == "set":
        return lx.to_iso(lx.set_units(d, args))
    if op == "setZone":
        zone = zone_for(args["zone"])
        return lx.to_iso(lx.set_zone(d, zone, keep_local_time=args["keepLocalTime"]))
    if op in ("intervalLength", "intervalCount"):
        span = Interval(d, datetime.fromisoformat(args["end"]).astimezone(d.tzinfo))
        return span.length(args["unit"]) if op == "intervalLength" else span.count(args["unit"])
    raise AssertionError(f"unknown op {op}")


def test_cases_come_from_pinned_luxon() -> None:
    package = json.loads((Path(__file__).parent / "package.json").read_text())
    assert _DATA["luxon"] == package["dependencies"]["luxon"]
    assert {c["zone"] for c in CASES} >= {"America/New_York", "Europe/Berlin",
                                          "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_luxon(case: dict[str, Any]) -> None:
    expected = case["expected"]
    got = _run(case)
    if isinstance(expected, float) and isinstance(got, float):
        assert got == pytest.approx(expected, rel=1e-12), case
    else:
        assert got == expected, case
