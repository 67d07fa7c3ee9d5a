"""Date & Time version 1 (moment): n8n's own pinned-data cases, moment tokens, errors.

Workflow-level cases recorded from n8n 1.123 are tests/conformance/cases/legacy_datetime_v1_*.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from helpers_agg import run_node

from hetumind.errors import NodeExecutionError
from hetumind.nodes.builtin._moment import format_moment, parse_moment
from hetumind.nodes.builtin.date_time import DateTimeNode


def run(params: dict[str, Any], rows: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
    return run_node(DateTimeNode(), params, rows, type_version=1, **kw)[0]


# n8n's packages/nodes-base/nodes/DateTime/test/node/DateTimeWorklfow.test.json (the
# UTC recording of DateTimeFormatCalculate.workflow.json, whose pins were made in Berlin).
N8N_PINNED_CALCULATE = [
    ({"action": "calculate", "value": "08/01/2022", "duration": 10}, "2022-08-11T00:00:00.000Z"),
    (
        {"action": "calculate", "value": "08/01/2022", "operation": "subtract", "duration": 2},
        "2022-07-30T00:00:00.000Z",
    ),
    (
        {"action": "calculate", "value": "08/01/2022", "duration": 2, "timeUnit": "quarters"},
        "2023-02-01T00:00:00.000Z",
    ),
    (
        {"action": "calculate", "value": "08/01/2022", "duration": 2, "timeUnit": "months"},
        "2022-10-01T00:00:00.000Z",
    ),
    (
        {
            "action": "calculate",
            "value": "08/01/2022",
            "operation": "subtract",
            "duration": 2,
            "timeUnit": "months",
        },
        "2022-06-01T00:00:00.000Z",
    ),
    ({"value": "08/01/2022", "toFormat": "YYYY/MM/DD"}, "2022/08/01"),
]
N8N_PINNED_UTC = [
    (
        {"value": "08/01/2022", "toFormat": "YYYY/MM/DD", "options": {"fromTimezone": "US/Hawaii"}},
        "2022/07/31",
    ),
    (
        {
            "value": "08/01/2022",
            "toFormat": "YYYY/MM/DD",
            "options": {"fromTimezone": "US/Hawaii", "toTimezone": "US/Pacific"},
        },
        "2022/07/31",
    ),
    (
        {
            "value": "08/01/2022",
            "toFormat": "x",
            "options": {"fromTimezone": "US/Hawaii", "toTimezone": "US/Pacific"},
        },
        "1659312000000",
    ),
    (
        {
            "value": "2022-01-12",
            "toFormat": "MM-DD-YYYY",
            "options": {
                "fromFormat": "YYYY-DD-MM",
                "fromTimezone": "US/Hawaii",
                "toTimezone": "US/Pacific",
            },
        },
        "12-01-2022",
    ),
]


@pytest.mark.parametrize(
    ("zone", "params", "want"),
    [("UTC", *case) for case in N8N_PINNED_CALCULATE + N8N_PINNED_UTC],
)
def test_n8n_pinned_data(
    zone: str, params: dict[str, Any], want: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", zone)
    out = run({"options": {}, **params}, [{}])
    assert out == [{"data": want}]


def test_n8n_pinned_millisecond_timestamps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same file's "Mock Data" branch: its pins were made in a zone one or two hours
    east of UTC (23:00 UTC shows as the next day), so it runs in Europe/Berlin here."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    rows = [{"Start_time": 1663801200000}, {"Start_time": 1663797600000}]
    for value in ("={{ $json.Start_time }}", "={{ $json.Start_time.toString() }}", "1663801200000"):
        out = run({"value": value, "options": {"fromFormat": "x"}}, rows)
        assert [r["data"] for r in out] == ["09/22/2022", "09/22/2022"]


def test_n8n_pinned_timestamps(monkeypatch: pytest.MonkeyPatch) -> None:
    """n8n's workflow.timestamp.json: every kind of timestamp, default format."""
    monkeypatch.setenv("TZ", "UTC")
    values = [
        1682918315906,
        1682918315.906,
        1682918315,
        "1682918315906",
        "1682918315.906",
        "1682918315",
    ]
    out = run({"value": "={{ $json.d }}", "options": {}}, [{"d": v} for v in values])
    assert [r["data"] for r in out] == ["05/01/2023"] * len(values)


def test_moment_tokens() -> None:
    d = datetime(2024, 3, 9, 7, 5, 3, 45000, tzinfo=UTC)
    assert (
        format_moment(d, "dddd, MMMM Do YYYY, h:mm:ss a") == "Saturday, March 9th 2024, 7:05:03 am"
    )
    assert (
        format_moment(d, "[week] W, Q, DDD, DDDD, E, d, ddd, dd")
        == "week 10, 1, 69, 069, 6, 6, Sat, Sa"
    )
    assert format_moment(d, "YY-M-D H HH hh k kk A SSS ZZ Z X x") == (
        "24-3-9 7 07 07 7 07 AM 045 +0000 +00:00 1709967903 1709967903045"
    )
    assert format_moment(d, "") == "2024-03-09T07:05:03+00:00"


def test_moment_parse_strict_and_loose() -> None:
    got = parse_moment("15/06/2021 08:30", "DD/MM/YYYY HH:mm", UTC, strict=True)
    assert got == datetime(2021, 6, 15, 8, 30, tzinfo=UTC)
    assert parse_moment("15-06-2021 08:30", "DD/MM/YYYY HH:mm", UTC, strict=True) is None
    assert parse_moment("15-06-2021 08:30 extra", "DD/MM/YYYY HH:mm", UTC, strict=False) == got
    assert parse_moment("31/02/2021", "DD/MM/YYYY", UTC, strict=True) is None
    pm = parse_moment("June 5th 2020 3:04 pm", "MMMM Do YYYY h:mm a", UTC, strict=True)
    assert pm == datetime(2020, 6, 5, 15, 4, tzinfo=UTC)


def test_timestamps_seconds_milliseconds_and_fractions() -> None:
    out = run(
        {"value": "={{ $json.d }}", "toFormat": "YYYY-MM-DD HH:mm:ss", "options": {}},
        [{"d": 1700000000}, {"d": "1700000000123"}, {"d": 1700000000.5}],
    )
    assert [r["data"] for r in out] == ["2023-11-14 22:13:20"] * 3


def test_dotted_property_is_one_key_and_missing_value_skips_the_item() -> None:
    out = run(
        {"value": "={{ $json.d }}", "dataPropertyName": "a.b", "toFormat": "YYYY", "options": {}},
        [{"d": "2020-01-01"}, {"x": 1}],
    )
    assert out == [{"d": "2020-01-01", "a.b": "2020"}]


def test_errors_name_the_problem_and_continue_on_fail() -> None:
    params = {"value": "={{ $json.d }}", "toFormat": "YYYY", "options": {}}
    with pytest.raises(NodeExecutionError, match="could not be recognized"):
        run(params, [{"d": "no date"}])
    out = run(params, [{"d": "no date"}, {"d": "2021-01-01"}], continue_on_fail=True)
    assert "could not be recognized" in out[0]["error"] and out[1]["data"] == "2021"
    calc = {
        "action": "calculate",
        "value": "31/31/2020",
        "duration": 1,
        "options": {"fromFormat": "DD/MM/YYYY"},
    }
    with pytest.raises(NodeExecutionError, match="Date input cannot be parsed"):
        run(calc, [{}])
    with pytest.raises(NodeExecutionError, match="Unknown action"):
        run({"action": "nope"}, [{}])
    bad_zone = {**params, "options": {"toTimezone": "Mars/Base"}}
    with pytest.raises(NodeExecutionError, match="not a valid time zone"):
        run(bad_zone, [{"d": "2021-01-01"}])
