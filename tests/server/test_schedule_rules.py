"""Schedule Trigger and Cron rules: parameters -> cron rules -> next fire times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hetumind.engine import run_workflow
from hetumind.nodes.builtin.date_time import workflow_zone
from hetumind.nodes.builtin.schedule import (
    next_fire_time,
    rules_for,
    schedule_item,
    workflow_timezone,
)
from hetumind.nodes.registry import default_registry
from hetumind.validation import validate_workflow
from hetumind.workflow import parse_workflow

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 28, 12, 0, 0, tzinfo=UTC)  # a Saturday, the eve of Berlin's DST


def fire(params: dict, tz: ZoneInfo = UTC, after: datetime = T0, kind: str = "scheduleTrigger"):
    return next_fire_time(rules_for(f"n8n-nodes-base.{kind}", params), after, tz)


def interval(**rule: object) -> dict:
    return {"rule": {"interval": [rule]}}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"field": "seconds", "secondsInterval": 10}, datetime(2026, 3, 28, 12, 0, 10)),
        ({"field": "minutes", "minutesInterval": 15}, datetime(2026, 3, 28, 12, 15)),
        # as n8n's cron: a step past the field's range fires at its first value only
        ({"field": "minutes", "minutesInterval": 60}, datetime(2026, 3, 28, 13, 0)),
        ({"field": "hours", "hoursInterval": 24}, datetime(2026, 3, 29, 0, 0)),
        (
            {"field": "hours", "hoursInterval": 5, "triggerAtMinute": 30},
            datetime(2026, 3, 28, 15, 30),
        ),
        ({"field": "days", "triggerAtHour": 9}, datetime(2026, 3, 29, 9, 0)),
        (
            {"field": "weeks", "triggerAtDay": [1, 3], "triggerAtHour": 8},
            datetime(2026, 3, 30, 8, 0),
        ),
        (
            {"field": "months", "triggerAtDayOfMonth": 15, "triggerAtHour": 6},
            datetime(2026, 4, 15, 6, 0),
        ),
        ({"field": "cronExpression", "expression": "0 0 * * 0"}, datetime(2026, 3, 29, 0, 0)),
        (
            {"field": "cronExpression", "expression": "30 */2 * * * *"},
            datetime(2026, 3, 28, 12, 0, 30),
        ),
    ],
)
def test_interval_rules_in_utc(rule: dict, expected: datetime) -> None:
    assert fire(interval(**rule)) == expected.replace(tzinfo=UTC)


def test_days_interval_skips_days_and_tz_follows_dst() -> None:
    first = fire(interval(field="days", daysInterval=3, triggerAtHour=9), BERLIN)
    assert first is not None and first.hour == 9 and first.tzinfo == BERLIN
    second = fire(interval(field="days", daysInterval=3, triggerAtHour=9), BERLIN, first)
    assert second is not None and (second.date() - first.date()).days == 3
    # 9:00 in Berlin is 08:00 UTC before the DST switch and 07:00 UTC after it.
    assert {first.utcoffset().total_seconds(), second.utcoffset().total_seconds()} <= {3600, 7200}
    assert second.hour == 9


def test_several_rules_fire_at_the_earliest() -> None:
    params = {
        "rule": {
            "interval": [
                {"field": "hours", "hoursInterval": 6},
                {"field": "minutes", "minutesInterval": 20},
            ]
        }
    }
    assert fire(params) == datetime(2026, 3, 28, 12, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"mode": "everyMinute"}, datetime(2026, 3, 28, 12, 1)),
        ({"mode": "everyHour", "minute": 5}, datetime(2026, 3, 28, 12, 5)),
        ({"mode": "everyDay", "hour": 7, "minute": 45}, datetime(2026, 3, 29, 7, 45)),
        (
            {"mode": "everyWeek", "hour": 10, "minute": 0, "weekday": "1"},
            datetime(2026, 3, 30, 10, 0),
        ),
        (
            {"mode": "everyMonth", "hour": 0, "minute": 0, "dayOfMonth": 1},
            datetime(2026, 4, 1, 0, 0),
        ),
        ({"mode": "everyX", "value": 7, "unit": "minutes"}, datetime(2026, 3, 28, 12, 7)),
        ({"mode": "everyX", "value": 5, "unit": "hours"}, datetime(2026, 3, 28, 15, 0)),
        ({"mode": "custom", "cronExpression": "15 0 13 * * *"}, datetime(2026, 3, 28, 13, 0, 15)),
    ],
)
def test_legacy_cron_modes(item: dict, expected: datetime) -> None:
    params = {"triggerTimes": {"item": [item]}}
    assert fire(params, kind="cron") == expected.replace(tzinfo=UTC)


def test_bad_parameters_are_validation_problems() -> None:
    wf = parse_workflow(
        {
            "nodes": [
                {
                    "name": "Bad cron",
                    "type": "n8n-nodes-base.cron",
                    "typeVersion": 1,
                    "parameters": {
                        "triggerTimes": {"item": [{"mode": "custom", "cronExpression": "61 * * *"}]}
                    },
                },
                {
                    "name": "Bad field",
                    "type": "n8n-nodes-base.scheduleTrigger",
                    "typeVersion": 1.2,
                    "parameters": {"rule": {"interval": [{"field": "fortnights"}]}},
                },
            ],
            "connections": {},
        }
    )
    problems = validate_workflow(wf, default_registry())
    assert {p.node for p in problems} == {"Bad cron", "Bad field"}
    assert any("fortnights" in p.message for p in problems)
    with pytest.raises(ValueError, match="Mars/Olympus is not valid"):
        workflow_timezone({"timezone": "Mars/Olympus"})


def test_default_zone_is_the_date_time_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    """settings.timezone, else GENERIC_TIMEZONE, else n8n's America/New_York: one rule for
    schedules and the Date & Time node."""
    monkeypatch.delenv("GENERIC_TIMEZONE", raising=False)
    assert str(workflow_timezone({})) == "America/New_York"
    assert workflow_timezone({"timezone": "DEFAULT"}) == workflow_zone({})
    monkeypatch.setenv("GENERIC_TIMEZONE", "Europe/Berlin")
    assert str(workflow_timezone({"timezone": "DEFAULT"})) == "Europe/Berlin"
    assert str(workflow_timezone({"timezone": "Asia/Tokyo"})) == "Asia/Tokyo"
    # daily at 9 fires at 9:00 in New York by default: 13:00 UTC in its summer time
    monkeypatch.delenv("GENERIC_TIMEZONE")
    rules = rules_for("n8n-nodes-base.scheduleTrigger", interval(field="days", triggerAtHour=9))
    tick = next_fire_time(rules, T0, workflow_timezone({}))
    assert tick is not None
    assert tick.astimezone(UTC) == datetime(2026, 3, 28, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("settings", "zone"),
    [({}, "America/New_York (UTC-0"), ({"timezone": "Asia/Tokyo"}, "Asia/Tokyo (UTC+09:00)")],
)
def test_manual_run_emits_the_tick_in_the_workflow_zone(
    monkeypatch: pytest.MonkeyPatch, settings: dict, zone: str
) -> None:
    monkeypatch.delenv("GENERIC_TIMEZONE", raising=False)
    wf = {
        "nodes": [{"name": "Tick", "type": "n8n-nodes-base.scheduleTrigger", "parameters": {}}],
        "connections": {},
        "settings": settings,
    }
    result = run_workflow(wf, backend="inline")
    assert result.ok
    assert result.outputs("Tick")[0][0]["Timezone"].startswith(zone)


def test_manual_run_with_an_unknown_zone_fails_clearly() -> None:
    wf = {
        "nodes": [{"name": "Tick", "type": "n8n-nodes-base.scheduleTrigger", "parameters": {}}],
        "connections": {},
        "settings": {"timezone": "Mars/Olympus"},
    }
    result = run_workflow(wf, backend="inline")
    assert result.status == "error"
    assert result.error is not None
    assert "Mars/Olympus is not valid" in result.error["message"]


def test_schedule_item_has_n8n_fields() -> None:
    item = schedule_item(datetime(2026, 3, 1, 13, 5, 9, tzinfo=BERLIN))
    assert item["Readable date"] == "March 1st 2026, 1:05:09 pm"
    assert item["Day of week"] == "Sunday" and item["Hour"] == "13"
    assert item["Timezone"] == "Europe/Berlin (UTC+01:00)"
    assert item["timestamp"] == "2026-03-01T13:05:09.000+01:00"


def test_trigger_nodes_run_inline() -> None:
    wf = {
        "nodes": [
            {
                "name": "Tick",
                "type": "n8n-nodes-base.scheduleTrigger",
                "typeVersion": 1.2,
                "parameters": {},
            },
            {"name": "Old", "type": "n8n-nodes-base.cron", "typeVersion": 1, "parameters": {}},
        ],
        "connections": {},
    }
    result = run_workflow(wf, backend="inline")
    assert result.ok
    assert set(result.outputs("Tick")[0][0]) >= {"timestamp", "Readable date", "Timezone"}
    assert result.outputs("Old") == [[{}]]
    tick = schedule_item(T0)
    result = run_workflow(wf, backend="inline", input_items=[tick])
    assert result.outputs("Tick") == [[tick]]
