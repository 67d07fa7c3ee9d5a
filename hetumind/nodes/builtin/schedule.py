"""Schedule Trigger (n8n `scheduleTrigger` 1.x) and the legacy Cron node (`cron` 1).

Both turn their parameters into cron rules (6 fields, seconds first) evaluated by croniter
in the workflow's time zone, by the Date & Time node's rule (`date_time.workflow_zone`:
settings.timezone, else GENERIC_TIMEZONE, else n8n's default America/New_York). The
scheduler in serve_app asks `next_fire_time` when each active workflow fires next and
starts one execution per tick, passing `schedule_item(tick)` as the trigger's input.

Differences from n8n, on purpose: n8n picks a random second (and minute, for hourly rules
without one) so that many workflows do not fire at once; we fire at second 0, which is
predictable and testable. Day, week and month intervals over 1 count from a fixed epoch
instead of from the workflow's last run, so they survive restarts without state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from croniter import croniter
from pydantic import model_validator

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.date_time import workflow_zone

__all__ = [
    "CronRule",
    "CronTrigger",
    "ScheduleTrigger",
    "next_fire_time",
    "poll_rules",
    "rules_for",
    "schedule_item",
    "workflow_timezone",
]

SCHEDULE_TYPES = ("scheduleTrigger", "cron")
_EPOCH = date(1970, 1, 4)  # a Sunday, so week numbers change on Sundays as cron's do


@dataclass(frozen=True)
class CronRule:
    """A 6-field cron expression (seconds first), fired only on every `every`-th
    day/week when `unit` says so (cron itself cannot say "every 3 days")."""

    cron: str
    unit: str | None = None  # days | weeks
    every: int = 1

    def matches(self, moment: datetime) -> bool:
        if self.every <= 1 or self.unit is None:
            return True
        days = (moment.date() - _EPOCH).days
        index = days if self.unit == "days" else days // 7
        return index % self.every == 0


def _cron6(expression: str) -> str:
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ValueError(f"cron expression {expression!r} must have 5 or 6 fields")
    text = " ".join(fields)
    if not croniter.is_valid(text, second_at_beginning=True):
        raise ValueError(f"invalid cron expression {expression!r}")
    return text


def _int(value: Any, default: int, name: str, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {number}")
    return number


STEP_MAX = 1_000_000
"""n8n sets no upper bound on "Seconds/Minutes/Hours Between Triggers" and writes them as
cron steps (`*/60` minutes); a step longer than its field's range fires at the field's
first value only (every hour at :00 for 60 minutes), in n8n's cron library as in croniter."""


def _interval_rule(rule: Mapping[str, Any]) -> CronRule:
    field = rule.get("field", "days")
    hour = _int(rule.get("triggerAtHour"), 0, "triggerAtHour", 0, 23)
    minute = _int(rule.get("triggerAtMinute"), 0, "triggerAtMinute", 0, 59)
    if field == "seconds":
        n = _int(rule.get("secondsInterval"), 30, "secondsInterval", 1, STEP_MAX)
        return CronRule(f"*/{n} * * * * *")
    if field == "minutes":
        n = _int(rule.get("minutesInterval"), 5, "minutesInterval", 1, STEP_MAX)
        return CronRule(f"0 */{n} * * * *")
    if field == "hours":
        n = _int(rule.get("hoursInterval"), 1, "hoursInterval", 1, STEP_MAX)
        return CronRule(f"0 {minute} */{n} * * *")
    if field == "days":
        n = _int(rule.get("daysInterval"), 1, "daysInterval", 1, 31)
        return CronRule(f"0 {minute} {hour} * * *", "days", n)
    if field == "weeks":
        n = _int(rule.get("weeksInterval"), 1, "weeksInterval", 1, 52)
        days = rule.get("triggerAtDay") or [0]
        days = days if isinstance(days, list) else [days]
        weekdays = ",".join(str(_int(d, 0, "triggerAtDay", 0, 7)) for d in days)
        return CronRule(f"0 {minute} {hour} * * {weekdays}", "weeks", n)
    if field == "months":
        n = _int(rule.get("monthsInterval"), 1, "monthsInterval", 1, 12)
        day = _int(rule.get("triggerAtDayOfMonth"), 1, "triggerAtDayOfMonth", 1, 31)
        return CronRule(f"0 {minute} {hour} {day} */{n} *")
    if field == "cronExpression":
        return CronRule(_cron6(str(rule.get("expression", ""))))
    raise ValueError(
        f"unknown interval field {field!r}; use seconds, minutes, hours, days, weeks, "
        "months or cronExpression"
    )


def _legacy_rule(item: Mapping[str, Any]) -> CronRule:
    mode = item.get("mode", "everyDay")
    hour = _int(item.get("hour"), 14, "hour", 0, 23)
    minute = _int(item.get("minute"), 0, "minute", 0, 59)
    if mode == "everyMinute":
        return CronRule("0 * * * * *")
    if mode == "everyHour":
        return CronRule(f"0 {minute} * * * *")
    if mode == "everyDay":
        return CronRule(f"0 {minute} {hour} * * *")
    if mode == "everyWeek":
        weekday = _int(item.get("weekday"), 1, "weekday", 0, 7)
        return CronRule(f"0 {minute} {hour} * * {weekday}")
    if mode == "everyMonth":
        day = _int(item.get("dayOfMonth"), 1, "dayOfMonth", 1, 31)
        return CronRule(f"0 {minute} {hour} {day} * *")
    if mode == "everyX":
        value = _int(item.get("value"), 2, "value", 1, 1000)
        if item.get("unit", "hours") == "minutes":
            return CronRule(f"0 */{value} * * * *")
        return CronRule(f"0 0 */{value} * * *")
    if mode == "custom":
        return CronRule(_cron6(str(item.get("cronExpression", "* * * * * *"))))
    raise ValueError(
        f"unknown mode {mode!r}; use everyMinute, everyHour, everyDay, everyWeek, "
        "everyMonth, everyX or custom"
    )


def rules_for(type_name: str, parameters: Mapping[str, Any]) -> list[CronRule]:
    """The cron rules of a scheduleTrigger or cron node; ValueError names a bad field."""
    short = type_name.rsplit(".", 1)[-1]
    if short == "scheduleTrigger":
        rule = parameters.get("rule") or {}
        intervals = rule.get("interval") if isinstance(rule, Mapping) else None
        return [_interval_rule(r) for r in (intervals or [{"field": "days"}])]
    if short == "cron":
        times = parameters.get("triggerTimes") or {}
        items = times.get("item") if isinstance(times, Mapping) else None
        return [_legacy_rule(i) for i in items or []]
    raise ValueError(f"{type_name!r} is not a schedule trigger")


DEFAULT_POLL_TIMES = ({"mode": "everyMinute"},)
"""n8n's default `pollTimes` for a polling trigger."""


def poll_rules(parameters: Mapping[str, Any]) -> list[CronRule]:
    """The cron rules of a polling trigger's `pollTimes` (n8n gives it the Cron node's
    trigger-time shapes); ValueError names a bad field."""
    times = parameters.get("pollTimes") or {}
    items = times.get("item") if isinstance(times, Mapping) else None
    return [_legacy_rule(i) for i in items or DEFAULT_POLL_TIMES]


def workflow_timezone(settings: Mapping[str, Any]) -> tzinfo:
    """The zone schedules fire in: the same rule as every other node's workflow zone, so a
    workflow's triggers and its Date & Time nodes agree. An unknown zone is a ValueError."""
    return workflow_zone(settings)


def next_fire_time(rules: Sequence[CronRule], after: datetime, tz: tzinfo) -> datetime | None:
    """The first moment strictly after `after` at which any rule fires, in `tz`."""
    start = after.astimezone(tz)
    best: datetime | None = None
    for rule in rules:
        it = croniter(rule.cron, start, second_at_beginning=True, ret_type=datetime)
        for _ in range(400):  # a day/week interval skips at most a few hundred matches
            candidate: datetime = it.get_next(datetime)
            if rule.matches(candidate):
                break
        else:
            continue
        if best is None or candidate < best:
            best = candidate
    return best


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def schedule_item(moment: datetime) -> dict[str, Any]:
    """The item n8n's Schedule Trigger emits for a tick at `moment` (tz-aware)."""
    hour12 = moment.hour % 12 or 12
    ampm = "am" if moment.hour < 12 else "pm"
    clock = f"{hour12}:{moment.minute:02d}:{moment.second:02d} {ampm}"
    offset = moment.strftime("%z")
    tz_name = str(moment.tzinfo) if moment.tzinfo else "UTC"
    return {
        "timestamp": moment.isoformat(timespec="milliseconds"),
        "Readable date": f"{moment:%B} {_ordinal(moment.day)} {moment.year}, {clock}",
        "Readable time": clock,
        "Day of week": f"{moment:%A}",
        "Year": f"{moment.year}",
        "Month": f"{moment:%B}",
        "Day of month": f"{moment.day:02d}",
        "Hour": f"{moment.hour:02d}",
        "Minute": f"{moment.minute:02d}",
        "Second": f"{moment.second:02d}",
        "Timezone": f"{tz_name} (UTC{offset[:3]}:{offset[3:]})",
    }


class ScheduleParams(NodeParams):
    rule: dict[str, Any] = {}

    @model_validator(mode="after")
    def _rules_parse(self) -> ScheduleParams:
        rules_for("scheduleTrigger", {"rule": self.rule})
        return self


class CronParams(NodeParams):
    triggerTimes: dict[str, Any] = {}

    @model_validator(mode="after")
    def _rules_parse(self) -> CronParams:
        rules_for("cron", {"triggerTimes": self.triggerTimes})
        return self


@node(
    "scheduleTrigger",
    versions=[1, 1.1, 1.2],
    display_name="Schedule Trigger",
    inputs=0,
    trigger=True,
    params=ScheduleParams,
    trigger_kind="schedule",
    pure=True,
)
class ScheduleTrigger(Node):
    """Starts the workflow on a schedule; emits the tick's date parts."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if inputs and len(inputs[0]):
            return [inputs[0]]  # the scheduler's tick item
        try:
            zone = workflow_timezone(ctx.execution.settings)
        except ValueError as exc:
            raise NodeExecutionError(str(exc), node=ctx.node_name) from None
        return [ItemBatch.from_json([schedule_item(datetime.now(zone))])]


@node(
    "cron",
    versions=[1],
    display_name="Cron",
    inputs=0,
    trigger=True,
    params=CronParams,
    trigger_kind="schedule",
    pure=True,
)
class CronTrigger(Node):
    """Legacy n8n Cron: starts the workflow at the given times; emits one empty item."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        return [ItemBatch.from_json([{}])]
