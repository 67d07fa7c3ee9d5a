"""Date & Time (n8n's DateTime V2): current date, add/subtract, format, round, diff, extract.

Each item gets one output field; with `options.includeInputFields` the item's json and
binary are kept beside it, otherwise the output item holds that field alone (as in n8n).
Dates are read as n8n's parseDate does (see `hetumind.luxon.parse`) and shown in the workflow's
time zone: `settings.timezone`, else the `GENERIC_TIMEZONE` environment variable, else
n8n's own default, America/New_York.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from hetumind.errors import NodeExecutionError
from hetumind.expressions.values import to_number
from hetumind.items import ItemBatch
from hetumind.luxon.datetime import diff, plus, start_of
from hetumind.luxon.datetime import to_iso as luxon_iso
from hetumind.luxon.duration import duration_iso, normalize_unit
from hetumind.luxon.format import to_format as format_luxon
from hetumind.luxon.parse import DateParseError, explicit_offset, parse_date
from hetumind.luxon.zones import InvalidZone
from hetumind.luxon.zones import zone_for as luxon_zone
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._per_item import ItemInputError, map_items
from hetumind.nodes.builtin.date_time_v1 import run_v1

__all__ = ["DateTimeNode", "workflow_zone"]

N8N_DEFAULT_TIMEZONE = "America/New_York"
_PARTS: dict[str, Callable[[datetime], int]] = {
    "year": lambda d: d.year,
    "quarter": lambda d: (d.month - 1) // 3 + 1,
    "month": lambda d: d.month,
    "week": lambda d: d.isocalendar().week,
    "day": lambda d: d.day,
    "hour": lambda d: d.hour,
    "minute": lambda d: d.minute,
    "second": lambda d: d.second,
    "millisecond": lambda d: d.microsecond // 1000,
    "weekday": lambda d: d.isoweekday(),
    "ordinal": lambda d: d.timetuple().tm_yday,
}


class DateTimeParams(NodeParams):
    operation: str = "getCurrentDate"


def workflow_zone(settings: Mapping[str, Any]) -> tzinfo:
    """n8n's getTimezone(): the workflow's zone, else the instance's (GENERIC_TIMEZONE)."""
    name = settings.get("timezone")
    if not name or name == "DEFAULT":
        name = os.environ.get("GENERIC_TIMEZONE") or N8N_DEFAULT_TIMEZONE
    try:
        return luxon_zone(str(name))
    except InvalidZone:
        raise ItemInputError(f"The workflow timezone {name} is not valid") from None


@dataclass(frozen=True)
class _Call:
    """What an operation needs to compute one item's value."""

    ctx: NodeContext
    item: int
    zone: tzinfo
    now: datetime

    def param(self, name: str, default: Any = None) -> Any:
        return self.ctx.param(name, self.item, default)

    def date(self, name: str, zone: tzinfo | None = None, from_format: str | None = None) -> Any:
        value = self.param(name)
        try:
            return parse_date(value, zone or self.zone, from_format, self.zone)
        except DateParseError as exc:
            raise ItemInputError(f"{exc} (parameter '{name}')") from None

    def unit(self, name: str, default: str) -> str:
        raw = self.param(name, default)
        unit = normalize_unit(str(raw)) if isinstance(raw, str) else None
        if unit is None:
            raise ItemInputError(f"Invalid unit {raw!r} (parameter '{name}')")
        return unit


def _current_date(call: _Call) -> str:
    name = (call.param("options", {}) or {}).get("timezone") or None
    try:
        zone = luxon_zone(str(name)) if name else call.zone
    except InvalidZone:
        raise ItemInputError(
            f"The timezone {name} is not valid. Please check the timezone."
        ) from None
    now = call.now.astimezone(zone)
    return luxon_iso(now if call.param("includeTime", True) else start_of(now, "days"))


def _shift(sign: int) -> Callable[[_Call], str]:
    def shift(call: _Call) -> str:
        date = call.date("magnitude")
        unit = call.unit("timeUnit", "days")
        amount = call.param("duration", 0)
        if amount is None:
            return luxon_iso(date)
        number = to_number(amount)
        if isinstance(amount, bool) or amount == "" or number != number:
            raise ItemInputError(f"Invalid unit value {amount!r} (parameter 'duration')")
        try:
            return luxon_iso(plus(date, {unit: sign * number}))
        except (OverflowError, ValueError):
            raise ItemInputError(f"The resulting date is out of range ({amount} {unit})") from None

    return shift


def _format_date(call: _Call) -> Any:
    value = call.param("date")
    if value is None:
        return None
    options = call.param("options", {}) or {}
    from_format = options.get("fromFormat") or None
    # n8n shows the date in the workflow zone only when asked; otherwise in the offset the
    # text carries (n8n reads only "+hh" there, see docs/nodes/datetime-crypto.md), or UTC.
    # `fromFormat` reads a text without offset as wall time in the workflow zone.
    zone = call.zone if options.get("timezone") else None
    if zone is None:
        zone = (explicit_offset(value) if isinstance(value, str) else None) or ZoneInfo("Etc/UTC")
    date = call.date("date", zone, str(from_format) if from_format else None)
    fmt = call.param("format", "MM/dd/yyyy")
    if fmt == "custom":
        fmt = call.param("customFormat", "")
    return format_luxon(date, str(fmt))


def _round_date(call: _Call) -> str:
    date = call.date("date")
    if call.param("mode", "roundDown") == "roundUp":
        unit = call.unit("to", "month")
        return luxon_iso(start_of(plus(date, {unit: 1}), unit))
    return luxon_iso(start_of(date, call.unit("toNearest", "month")))


def _time_between(call: _Call) -> Any:
    start, end = call.date("startDate"), call.date("endDate")
    raw = call.param("units", ["day"])
    names = raw if isinstance(raw, list) else [raw]
    units = [normalize_unit(str(u)) for u in names]
    if not units or None in units:
        raise ItemInputError(f"Invalid units {raw!r} (parameter 'units')")
    values = diff(start, end, [u for u in units if u])
    options = call.param("options", {}) or {}
    return duration_iso(values) if options.get("isoString") else values


def _extract(call: _Call) -> int:
    date = call.date("date")
    part = call.param("part", "month")
    getter = _PARTS.get(str(part))
    if getter is None:
        raise ItemInputError(f"Unknown part {part!r} (parameter 'part')")
    return getter(date)


_OPERATIONS: dict[str, tuple[Callable[[_Call], Any], str]] = {
    "getCurrentDate": (_current_date, "currentDate"),
    "addToDate": (_shift(1), "newDate"),
    "subtractFromDate": (_shift(-1), "newDate"),
    "formatDate": (_format_date, "formattedDate"),
    "roundDate": (_round_date, "roundedDate"),
    "getTimeBetweenDates": (_time_between, "timeDifference"),
    "extractDate": (_extract, "datePart"),
}


@node("dateTime", versions=[1, 2], display_name="Date & Time", params=DateTimeParams, pure=True)
class DateTimeNode(Node):
    """Manipulates date and time values (n8n's Date & Time node, versions 1 and 2)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        if ctx.type_version < 2:
            if not len(batch):
                return [batch]
            try:
                zone = workflow_zone(ctx.execution.settings)
            except ItemInputError as exc:
                raise NodeExecutionError(str(exc), node=ctx.node_name) from None
            return [run_v1(ctx, batch, zone)]
        operation = str(ctx.param("operation", 0, "getCurrentDate"))
        if operation not in _OPERATIONS:
            known = ", ".join(_OPERATIONS)
            raise NodeExecutionError(
                f"Unknown operation {operation!r}; use one of {known}", node=ctx.node_name
            )
        if not len(batch):
            return [batch]
        compute, default_field = _OPERATIONS[operation]
        now = ctx.execution.now
        include = bool(ctx.param("options.includeInputFields", 0, False))

        def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
            zone = workflow_zone(ctx.execution.settings)
            value = compute(_Call(ctx, i, zone, now))
            field = str(ctx.param("outputFieldName", i, default_field))
            out = dict(row) if include else {}
            out[field] = value
            return out, (batch.binary[i] if include and batch.binary else None)

        return [map_items(ctx, batch, step)]
