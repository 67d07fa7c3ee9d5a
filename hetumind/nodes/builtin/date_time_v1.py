"""Date & Time version 1 (n8n's DateTimeV1, built on moment): `format` and `calculate`.

Every output item is the input item with one more key, `dataPropertyName`, taken as one
literal key even when it has dots (n8n sets it with a one-element path). moment's "local"
zone is the process's: the `TZ` environment variable, else UTC (n8n's containers, and the
recordings).

format: the value is a timestamp (seconds below 12 digits, else milliseconds; a fraction
means seconds) or a text moment reads (ISO 8601, RFC 2822, what JavaScript's Date reads),
or a text in `options.fromFormat`; with `fromTimezone` / `toTimezone` the wall time is read
in the first and shown in the second (each defaulting to the workflow's zone).
calculate: add or subtract `duration` `timeUnit`s and write the ISO instant in UTC.
"""

from __future__ import annotations

import math
import os
import re
from datetime import UTC, datetime, tzinfo
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.expressions.values import to_number
from hetumind.items import ItemBatch
from hetumind.luxon.datetime import plus
from hetumind.luxon.parse import DateParseError, parse_date
from hetumind.luxon.zones import InvalidZone
from hetumind.luxon.zones import zone_for as luxon_zone
from hetumind.nodes.api import NodeContext
from hetumind.nodes.builtin._moment import format_moment, parse_moment
from hetumind.nodes.builtin._per_item import ItemInputError

__all__ = ["run_v1"]


def moment_local() -> tzinfo:
    """The zone moment calls local: the process's `TZ`, else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        return UTC
    try:
        return luxon_zone(name)
    except InvalidZone:
        return UTC  # as Node.js does with a TZ it does not know


_UNITS = {
    "quarters": "quarters",
    "years": "years",
    "months": "months",
    "weeks": "weeks",
    "days": "days",
    "hours": "hours",
    "minutes": "minutes",
    "seconds": "seconds",
    "milliseconds": "milliseconds",
}


def _zone(name: Any, what: str) -> tzinfo:
    try:
        return luxon_zone(str(name))
    except InvalidZone:
        raise ItemInputError(f"The {what} {name!r} is not a valid time zone") from None


def _timestamp(value: Any) -> datetime | None:
    """moment.unix / moment(ms) for a number or numeric text, as version 1 reads them."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = to_number(value)
    if math.isnan(number) or math.isinf(number):
        return None
    if not float(number).is_integer():
        number *= 1000  # a fractional timestamp is seconds
        if not float(number).is_integer():
            return datetime.fromtimestamp(number / 1000, tz=moment_local())
    whole = int(number)
    seconds = whole if len(str(whole)) < 12 else whole / 1000
    return datetime.fromtimestamp(seconds, tz=moment_local())


def _text(value: Any, zone: tzinfo, from_format: str | None, strict: bool) -> datetime:
    text = value if isinstance(value, str) else str(value)
    if from_format:
        parsed = parse_moment(text, from_format, zone, strict=strict)
        if parsed is None:
            raise ItemInputError(
                'Date input cannot be parsed. Please recheck the value and the "From Format" field.'
            )
        return parsed
    try:
        return _default_parse(text, zone)
    except DateParseError:
        raise ItemInputError(
            'The date input format could not be recognized. Please set the "From Format" field'
        ) from None


_ISO = re.compile(r"\s*[+-]?\d{4}-\d{2}")
_HAS_ZONE = re.compile(
    r"(\d:\d{2}(:\d{2}([.,]\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)|\b(GMT|UTC|UT)([+-]\d+)?)\s*$", re.I
)


def _default_parse(value: Any, zone: tzinfo) -> datetime:
    """moment(text): ISO 8601, RFC 2822 or what Date reads; a text without an offset is
    wall time in `zone`."""
    parsed = parse_date(value, UTC, None, UTC)
    if isinstance(value, str) and not _HAS_ZONE.search(value.strip()):
        return parsed.replace(tzinfo=None).replace(tzinfo=zone)
    return parsed.astimezone(zone)


def _format(ctx: NodeContext, i: int, workflow_zone: tzinfo) -> Any:
    value = ctx.param("value", i)
    options = ctx.param("options", i, {}) or {}
    from_format = str(options.get("fromFormat") or "") or None
    from_tz, to_tz = options.get("fromTimezone"), options.get("toTimezone")
    date = _timestamp(value)
    if date is None:
        if value is None:
            raise ItemInputError(
                'The date input format could not be recognized. Please set the "From Format" field'
            )
        source = _zone(from_tz, "fromTimezone") if from_tz else workflow_zone
        if not (from_tz or to_tz) or not (from_format or _ISO.match(str(value))):
            # moment.tz reads only ISO (or formatted) text in the zone; what it hands to
            # JavaScript's Date fallback is wall time in the process's zone
            source = moment_local()
        date = _text(value, source, from_format, False)
    if from_tz or to_tz:
        date = date.astimezone(_zone(to_tz, "toTimezone") if to_tz else workflow_zone)
    else:
        date = date.astimezone(moment_local())
    # n8n fills the parameter's default, MM/DD/YYYY, when an export leaves it out
    return format_moment(date, str(ctx.param("toFormat", i, "MM/DD/YYYY") or ""))


def _calculate(ctx: NodeContext, i: int) -> str:
    value = ctx.param("value", i)
    options = ctx.param("options", i, {}) or {}
    from_format = str(options.get("fromFormat") or "") or None
    date: datetime | None
    if from_format:
        date = _text(value, moment_local(), from_format, True)
    else:
        date = _timestamp(value) if isinstance(value, int | float) else None
        if date is None:
            try:
                date = _default_parse(value, moment_local())
            except DateParseError:
                raise ItemInputError(
                    'Unrecognized date input. Please specify a format in the "From Format" field.'
                ) from None
    unit = _UNITS.get(str(ctx.param("timeUnit", i, "days")))
    if unit is None:
        raise ItemInputError(f"Invalid time unit {ctx.param('timeUnit', i)!r}")
    amount = to_number(ctx.param("duration", i, 0))
    if math.isnan(amount):
        raise ItemInputError(f"Invalid duration {ctx.param('duration', i)!r}")
    sign = -1 if ctx.param("operation", i, "add") == "subtract" else 1
    try:
        shifted = plus(date.astimezone(moment_local()), {unit: sign * amount})
    except (OverflowError, ValueError):
        raise ItemInputError(f"The resulting date is out of range ({amount} {unit})") from None
    utc = shifted.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def run_v1(ctx: NodeContext, batch: ItemBatch, workflow_zone: tzinfo) -> ItemBatch:
    action = str(ctx.param("action", 0, "format") or "format")
    if action not in ("format", "calculate"):
        raise NodeExecutionError(
            f"Unknown action {action!r}; version 1 has format and calculate", node=ctx.node_name
        )
    rows: list[dict[str, Any]] = []
    binary: list[dict[str, Any] | None] = []
    paired: list[int] = []
    for i, row in enumerate(batch.to_json()):
        item_binary = batch.binary[i] if batch.binary else None
        try:
            if action == "format" and ctx.param("value", i) is None:
                continue  # n8n skips an item whose value is undefined
            value = _format(ctx, i, workflow_zone) if action == "format" else _calculate(ctx, i)
            out = dict(row)
            out[str(ctx.param("dataPropertyName", i, "data"))] = value
        except (ItemInputError, HetumindError) as exc:
            message = str(exc) if isinstance(exc, ItemInputError) else exc.message
            if not ctx.continue_on_fail:
                raise NodeExecutionError(message, node=ctx.node_name, item_index=i) from None
            out, item_binary = {"error": message}, None
        rows.append(out)
        binary.append(item_binary)
        paired.append(i)
    return ItemBatch.from_json(rows, binary=binary, paired=paired)
