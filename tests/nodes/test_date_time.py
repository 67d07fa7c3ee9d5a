"""Date & Time v2: parsing, Luxon formatting and arithmetic, options, errors.

Expected strings come from Luxon 3.4.4 / n8n 1.123 runs of the same inputs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from helpers_agg import run_node, single_node_workflow

from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.luxon.datetime import diff
from hetumind.luxon.datetime import to_iso as luxon_iso
from hetumind.luxon.duration import duration_iso
from hetumind.luxon.format import to_format as format_luxon
from hetumind.luxon.parse import DateParseError, parse_date
from hetumind.luxon.zones import zone_for as luxon_zone
from hetumind.nodes.builtin.date_time import DateTimeNode, workflow_zone
from tests.nodes.context import node_context

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}([+-]\d\d:\d\d|Z)$")


def at(iso: str, zone: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(luxon_zone(zone))


def run(params: dict[str, Any], rows: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
    return run_node(DateTimeNode(), params, rows, type_version=2, **kw)[0]


@pytest.mark.parametrize(
    ("zone", "fmt", "want"),
    [
        (
            "America/New_York",
            "ZZ ZZZ Z ZZZZ ZZZZZ z",
            "-04:00 -0400 -4 EDT Eastern Daylight Time America/New_York",
        ),
        ("Asia/Kolkata", "ZZZZ Z", "GMT+5:30 +5:30"),
        (
            "America/New_York",
            "o ooo q qq W WW kk kkkk G GG",
            "197 197 3 03 29 29 24 2024 AD Anno Domini",
        ),
        ("America/New_York", "EEE EEEE EEEEE MMM MMMMM u uu uuu", "Mon Monday M Jul J 500 50 5"),
        (
            "America/New_York",
            "D | DD | DDDD | t | TT | ff",
            "7/15/2024 | Jul 15, 2024 | Monday, July 15, 2024 | 6:30 PM | 18:30:00 | "
            "Jul 15, 2024, 6:30 PM",
        ),
        ("UTC", "t", "10:30\u202fPM"),
        ("Etc/UTC", "yyyy-MM-dd'T'HH:mm 'o''clock'", "2024-07-15T22:30 oclock"),
    ],
)
def test_luxon_tokens(zone: str, fmt: str, want: str) -> None:
    assert format_luxon(at("2024-07-15T22:30:00.5+00:00", zone), fmt) == want


def test_iso_uses_z_only_for_fixed_utc() -> None:
    instant = "2024-01-05T09:03:07.045+00:00"
    assert luxon_iso(at(instant, "UTC")) == "2024-01-05T09:03:07.045Z"
    assert luxon_iso(at(instant, "Etc/UTC")) == "2024-01-05T09:03:07.045+00:00"
    assert luxon_iso(at(instant, "UTC+3")) == "2024-01-05T12:03:07.045+03:00"


def test_diff_matches_luxon_across_dst() -> None:
    a, b = (
        at("2024-03-09T12:00:00+00:00", "America/New_York"),
        at("2024-03-11T11:59:59.5+00:00", "America/New_York"),
    )
    assert diff(a, b, ["hours"]) == pytest.approx({"hours": 47.99986111111111})
    # two calendar days are 47 hours here (DST starts on 2024-03-10)
    assert diff(a, b, ["days", "hours", "minutes"]) == {
        "days": 2,
        "hours": 0,
        "minutes": pytest.approx(59.99166666666667),
    }
    c, d = (
        at("2024-01-31T10:00:00+00:00", "America/New_York"),
        at("2024-03-01T09:30:00+00:00", "America/New_York"),
    )
    assert diff(c, d, ["months"]) == pytest.approx({"months": 1.031628532974428})
    assert diff(d, c, ["months", "days"]) == {
        "months": -1,
        "days": pytest.approx(-0.9791666666666666),
    }
    assert duration_iso(diff(c, d, ["days", "hours", "minutes"])) == "P29DT23H30M"
    assert duration_iso({}) == "PT0S"


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("1705312800", "2024-01-15T10:00:00+00:00"),  # under 12 digits: seconds
        (1705312800123, "2024-01-15T10:00:00.123000+00:00"),  # milliseconds
        (1705312800.5, "2024-01-15T10:00:00.500000+00:00"),  # a fraction: seconds
        ("2024-01-15T10:00:00-05:00", "2024-01-15T15:00:00+00:00"),
        ("2024-02-29", "2024-02-29T00:00:00+00:00"),  # no offset: UTC
        ("Mon, 15 Jan 2024 10:00:00 GMT", "2024-01-15T10:00:00+00:00"),
        ("January 15, 2024", "2024-01-15T00:00:00+00:00"),
    ],
)
def test_parse_date_like_n8n(value: Any, want: str) -> None:
    assert parse_date(value, UTC).isoformat() == want


@pytest.mark.parametrize("value", ["not a date", "15/01/2024", "2024-13-45", "", None, True, [1]])
def test_parse_date_rejects(value: Any) -> None:
    with pytest.raises(DateParseError, match="Invalid date format"):
        parse_date(value, UTC)


def test_from_format() -> None:
    got = parse_date("15/01/2024 10:30 pm +02:00", UTC, "dd/MM/yyyy hh:mm a ZZ")
    assert got.isoformat() == "2024-01-15T20:30:00+00:00"
    with pytest.raises(DateParseError):
        parse_date("2024-01-15", UTC, "dd/MM/yyyy")


def test_output_holds_only_the_field_unless_input_fields_are_included() -> None:
    params = {"operation": "extractDate", "date": "={{ $json.d }}", "part": "week"}
    rows = [{"d": "2024-01-10T12:00:00Z", "k": 1}]
    assert run(params, rows) == [{"datePart": 2}]
    params["options"] = {"includeInputFields": True}
    params["outputFieldName"] = "wk"
    assert run(params, rows) == [{"d": "2024-01-10T12:00:00Z", "k": 1, "wk": 2}]


def test_include_input_fields_keeps_binary() -> None:
    entry = {"data": "aGk=", "mimeType": "text/plain"}
    batch = ItemBatch.from_json([{"d": "2024-05-01"}], binary=[{"data": entry}])
    params = {"operation": "roundDate", "date": "={{ $json.d }}", "toNearest": "year"}
    ctx = node_context(params, [batch], version=2)
    assert DateTimeNode().run(ctx, [batch])[0].binary is None
    params["options"] = {"includeInputFields": True}
    out = DateTimeNode().run(node_context(params, [batch], version=2), [batch])[0]
    assert out.binary == [{"data": entry}]
    assert out.to_json()[0]["roundedDate"] == "2024-01-01T00:00:00.000-05:00"


def test_current_date_shape_and_zone_option() -> None:
    [item] = run({"operation": "getCurrentDate"}, [{}])
    assert ISO_WITH_OFFSET.match(item["currentDate"])
    params = {"operation": "getCurrentDate", "includeTime": False, "outputFieldName": "today",
              "options": {"timezone": "Asia/Tokyo"}}  # fmt: skip
    [item] = run(params, [{}])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\.000\+09:00", item["today"])
    params["options"] = {"timezone": "Mars/Olympus"}
    with pytest.raises(NodeExecutionError, match="The timezone Mars/Olympus is not valid"):
        run(params, [{}])


def test_invalid_date_names_node_item_and_value() -> None:
    params = {"operation": "addToDate", "magnitude": "={{ $json.d }}", "duration": 1}
    rows = [{"d": "2024-01-01"}, {"d": "soon"}]
    with pytest.raises(NodeExecutionError) as info:
        run(params, rows, node_name="When")
    assert info.value.node == "When" and info.value.item_index == 1
    assert "Invalid date format: 'soon' (parameter 'magnitude')" in str(info.value)


def test_missing_field_is_an_error_and_continue_on_fail_keeps_going() -> None:
    params = {"operation": "subtractFromDate", "magnitude": "={{ $json.d }}", "duration": 1}
    rows = [{"d": "2024-01-02T00:00:00Z"}, {}, {"d": "x"}]
    out = run(params, rows, continue_on_fail=True)
    assert out[0] == {"newDate": "2023-12-31T19:00:00.000-05:00"}
    assert out[1] == {
        "error": "Invalid date format: an empty value is not a date (parameter 'magnitude')"
    }
    assert out[2] == {"error": "Invalid date format: 'x' (parameter 'magnitude')"}
    with pytest.raises(NodeExecutionError, match="item 1"):
        run(params, rows)


def test_bad_duration_and_units() -> None:
    shift = {"operation": "addToDate", "magnitude": "2024-01-01", "duration": "abc"}
    with pytest.raises(NodeExecutionError, match="Invalid unit value 'abc'"):
        run(shift, [{}])
    between = {
        "operation": "getTimeBetweenDates",
        "startDate": "2024-01-01",
        "endDate": "2024-01-02",
        "units": ["fortnight"],
    }
    with pytest.raises(NodeExecutionError, match="Invalid units"):
        run(between, [{}])
    between["units"] = ["hour"]
    between["options"] = {"isoString": True}
    assert run(between, [{}]) == [{"timeDifference": "PT24H"}]


def test_empty_input_and_unknown_operation() -> None:
    assert run({"operation": "formatDate"}, []) == []
    with pytest.raises(NodeExecutionError, match="Unknown operation 'explode'"):
        run({"operation": "explode"}, [{}])


def test_workflow_zone_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENERIC_TIMEZONE", raising=False)
    assert str(workflow_zone({})) == "America/New_York"
    monkeypatch.setenv("GENERIC_TIMEZONE", "Europe/Paris")
    assert str(workflow_zone({"timezone": "DEFAULT"})) == "Europe/Paris"
    assert str(workflow_zone({"timezone": "Asia/Tokyo"})) == "Asia/Tokyo"


def test_workflow_settings_timezone_on_both_backends(backend: str) -> None:
    params = {"operation": "formatDate", "date": "={{ $json.d }}", "format": "custom",
              "customFormat": "yyyy-MM-dd HH:mm ZZ", "options": {"timezone": True}}  # fmt: skip
    wf = single_node_workflow([{"d": "2024-01-15T10:00:00Z"}], "dateTime", 2, params)
    wf["settings"]["timezone"] = "Asia/Tokyo"
    result = run_workflow(wf, backend=backend).to_json()
    assert result["runData"]["Node"][0]["outputs"][0] == [
        {"formattedDate": "2024-01-15 19:00 +09:00"}
    ]


def test_from_format_reads_wall_time_in_the_workflow_zone() -> None:
    berlin = luxon_zone("Europe/Berlin")
    got = parse_date("15/01/2024 10:30", UTC, "dd/MM/yyyy HH:mm", berlin)
    assert got.isoformat() == "2024-01-15T09:30:00+00:00"


def test_format_shows_the_offset_the_text_carries() -> None:
    params = {"operation": "formatDate", "date": "={{ $json.d }}", "format": "custom",
              "customFormat": "HH:mm z"}  # fmt: skip
    rows = [{"d": "2024-01-15T10:00:00+02:00"}, {"d": "2024-01-15T10:00:00-05:00"},
            {"d": "2024-01-15T10:00:00+05:30"}, {"d": "2024-01-15T10:00:00Z"}]  # fmt: skip
    got = [r["formattedDate"] for r in run(params, rows)]
    assert got == ["10:00 Etc/GMT-2", "10:00 Etc/GMT+5", "10:00 UTC+05:30", "10:00 Etc/UTC"]
