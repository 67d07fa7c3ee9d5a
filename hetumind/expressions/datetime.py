"""A Luxon-like DateTime for `$now`, `$today`, `DateTime.fromISO()` and `.toDateTime()`.

At the JSON boundary a DateTime becomes Luxon's `toISO()` string, e.g.
"2024-05-01T12:30:00.000+02:00" ("Z" for UTC), which is also what n8n writes out.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hetumind.expressions.values import (
    UNDEFINED,
    EvalError,
    HostObject,
    is_number,
    norm_number,
    to_number,
    to_string,
)
from hetumind.luxon import datetime as lx
from hetumind.luxon.format import to_format
from hetumind.luxon.parse import from_iso as _from_iso
from hetumind.luxon.parse import parse_datetime
from hetumind.luxon.zones import (
    InvalidZone,
    LuxonError,
    is_in_dst,
    local_us,
    with_wall,
    zone_for,
    zone_name,
)

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Runtime

__all__ = ["DateTime", "parse_datetime"]

_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond")
_UNIT_ALIASES = {u + "s": u for u in _UNITS} | {u: u for u in _UNITS}
_MONTHS = list(calendar.month_name)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = list(calendar.day_name)


def _unit(value: Any) -> str:
    u = _UNIT_ALIASES.get(to_string(value))
    if u is None:
        raise EvalError(f"Invalid unit {to_string(value)}")
    return u


class DateTime(HostObject):
    """An expression value wrapping an aware datetime; Luxon's rules live in hetumind.luxon."""

    __slots__ = ("dt",)
    js_class = "DateTime"

    def __init__(self, dt: datetime) -> None:
        self.dt = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)

    def __repr__(self) -> str:
        return f"DateTime({self.iso()})"

    # -- conversions ---------------------------------------------------------------------
    def millis(self) -> int:
        return (self.dt - _EPOCH) // timedelta(milliseconds=1)

    def iso(self) -> str:
        return lx.to_iso(self.dt)

    def to_primitive(self, hint: str) -> Any:
        return self.iso() if hint == "string" else self.millis()

    def to_json(self) -> Any:
        return self.iso()

    def format(self, fmt: str) -> str:
        return to_format(self.dt, fmt)

    # -- arithmetic ----------------------------------------------------------------------
    def offset_minutes(self) -> int:
        return int((self.dt.utcoffset() or timedelta(0)).total_seconds() // 60)

    def with_wall(self, local_ts: int) -> DateTime:
        """Same zone, new wall clock (ms, see luxon.zones.wall_ms); own offset first."""
        return DateTime(with_wall(self.dt, local_ts * 1000))

    def wall(self) -> int:
        return local_us(self.dt) // 1000

    def shifted(self, amount: Any, sign: int) -> DateTime:
        """Luxon's plus/minus: calendar units move the wall clock (a day stays a day across
        DST), time units move the instant."""
        if is_number(amount):
            return self.plus_millis(sign * amount)
        if not isinstance(amount, dict):
            raise EvalError("plus/minus need an object like {days: 1} or milliseconds")
        units: dict[str, float] = {}
        for key, value in amount.items():
            unit = _unit(key)
            units[unit] = units.get(unit, 0) + to_number(value) * sign
        return DateTime(lx.plus(self.dt, units))

    def plus_millis(self, millis: float) -> DateTime:
        return DateTime(lx.plus(self.dt, millis))

    def start_of(self, unit: str) -> datetime:
        return lx.start_of(self.dt, unit)

    def end_of(self, unit: str) -> datetime:
        return lx.end_of(self.dt, unit)

    def diff(self, other: Any, unit: str) -> float | int:
        key = unit + "s"
        return norm_number(lx.diff(_coerce(other).dt, self.dt, [key])[key])

    # -- members -------------------------------------------------------------------------
    def get_member(self, rt: Runtime, key: str) -> Any:
        d = self.dt
        props: dict[str, Any] = {
            "year": d.year, "month": d.month, "day": d.day, "hour": d.hour,
            "minute": d.minute, "second": d.second, "millisecond": d.microsecond // 1000,
            "weekday": d.isoweekday(), "weekdayLong": _DAYS[d.weekday()],
            "weekdayShort": _DAYS[d.weekday()][:3], "monthLong": _MONTHS[d.month],
            "monthShort": _MONTHS[d.month][:3], "ordinal": d.timetuple().tm_yday,
            "quarter": (d.month - 1) // 3 + 1, "weekNumber": d.isocalendar().week,
            "zoneName": zone_name(d), "isValid": True, "localWeekday": d.isoweekday(),
            "weekYear": d.isocalendar().year, "zone": {"name": zone_name(d)},
            "offset": self.offset_minutes(), "isInDST": is_in_dst(d),
            "offsetNameShort": d.tzname(), "isOffsetFixed": not isinstance(d.tzinfo, ZoneInfo),
            "daysInMonth": calendar.monthrange(d.year, d.month)[1],
            "isInLeapYear": calendar.isleap(d.year), "ts": self.millis(),
        }  # fmt: skip
        value = props.get(key, UNDEFINED)
        if value is UNDEFINED and key in _METHOD_NAMES:
            from hetumind.expressions.runtime import BoundMethod

            return BoundMethod(key, self, lambda rt, this, args: this.call_method(rt, key, args))
        return value

    def call_method(self, rt: Runtime, key: str, args: list[Any]) -> Any:
        method = _METHODS.get(key)
        if method is None:
            return super().call_method(rt, key, args)
        a = [*args, UNDEFINED, UNDEFINED]
        if key in ("isInLast", "diffToNow"):
            now = DateTime(rt.ctx.now if rt.ctx.now is not None else datetime.now(UTC))
            a = [*a[:2], now]
        try:
            return method(self, a)
        except LuxonError as e:
            raise luxon_error(e) from None


def luxon_error(e: LuxonError) -> EvalError:
    """hetumind.luxon's errors as the expression's (it imports nothing from here)."""
    return EvalError(f"Invalid zone {e}" if isinstance(e, InvalidZone) else str(e))


def from_iso(text: str, opts: Any = UNDEFINED) -> DateTime:
    """Luxon's DateTime.fromISO(text, {zone, setZone})."""
    zone_opt = opts.get("zone") if isinstance(opts, dict) else None
    set_zone = bool(opts.get("setZone")) if isinstance(opts, dict) else False
    try:
        zone = zone_for(to_string(zone_opt)) if zone_opt not in (None, UNDEFINED) else UTC
        return DateTime(_from_iso(text, zone, set_zone=set_zone))
    except LuxonError as e:
        raise luxon_error(e) from None


def _coerce(value: Any) -> DateTime:
    if isinstance(value, DateTime):
        return value
    if is_number(value):
        return DateTime(datetime.fromtimestamp(value / 1000, UTC))
    if isinstance(value, str):
        dt = parse_datetime(value)
        if dt is not None:
            return DateTime(dt)
    raise EvalError(f"Invalid DateTime: {to_string(value)}")


def _set(d: DateTime, values: Any) -> DateTime:
    if not isinstance(values, dict):
        raise EvalError("set() needs an object like {hour: 0}")
    known = {_UNIT_ALIASES[k]: int(to_number(v)) for k, v in values.items() if k in _UNIT_ALIASES}
    known.pop("week", None)
    known.pop("quarter", None)
    return DateTime(lx.set_units(d.dt, known))


def _set_zone(d: DateTime, zone: Any, opts: Any = UNDEFINED) -> DateTime:
    tz = zone_for(to_string(zone)) if zone is not UNDEFINED else UTC
    keep = isinstance(opts, dict) and bool(opts.get("keepLocalTime"))
    return DateTime(lx.set_zone(d.dt, tz, keep_local_time=keep))


_N8N_UNITS = {"ms": "millisecond", "sec": "second", "secs": "second", "hr": "hour",
              "hrs": "hour", "min": "minute", "mins": "minute"}  # fmt: skip


def _n8n_shift(d: DateTime, a: list[Any], sign: int) -> DateTime:
    """n8n's plus/minus also take (amount, unit): `plus(5, 'days')`."""
    if a[1] is UNDEFINED or isinstance(a[0], dict):
        return d.shifted(a[0], sign)
    unit = _N8N_UNITS.get(to_string(a[1]), to_string(a[1]))
    return d.shifted({unit: a[0]}, sign)


def _extract(d: DateTime, part: Any) -> Any:
    name = "week" if part is UNDEFINED else to_string(part)
    if name == "yearDayNumber":
        return d.dt.timetuple().tm_yday
    name = {"week": "weekNumber"}.get(name, _UNIT_ALIASES.get(name, name))
    return d.get_member(None, name)  # type: ignore[arg-type]


def _now_of(a: list[Any]) -> DateTime:
    """The evaluation's `$now`, passed by call_method after the arguments."""
    now = a[-1]
    return now if isinstance(now, DateTime) else DateTime(datetime.now(UTC))


def _is_in_last(d: DateTime, a: list[Any]) -> bool:
    """n8n: now minus (amount, unit, default minutes) <= d <= now."""
    amount = 0 if a[0] is UNDEFINED else a[0]
    unit = "minutes" if a[1] is UNDEFINED else to_string(a[1])
    now = _now_of(a)
    start = now.shifted({_N8N_UNITS.get(unit, unit): amount}, -1)
    return start.millis() <= d.millis() <= now.millis()


def _diff_to(d: DateTime, other: Any, unit: Any) -> Any:
    units = ["days"] if unit is UNDEFINED else unit if isinstance(unit, list) else [unit]
    if len(units) > 1:
        return {to_string(u): d.diff(other, _unit(u)) for u in units}
    return d.diff(other, _unit(units[0] if units else "days"))


def _diff_object(d: DateTime, other: Any, unit: Any) -> dict[str, Any]:
    u = "millisecond" if unit is UNDEFINED else _unit(unit)
    return {u + "s": d.diff(other, u)}


def _has_same(d: DateTime, other: Any, unit: Any) -> bool:
    u = _unit(unit)
    return d.start_of(u) == _coerce(other).start_of(u)


_METHODS: dict[str, Any] = {
    "toISO": lambda d, a: d.iso(),
    "toJSON": lambda d, a: d.iso(),
    "toString": lambda d, a: d.iso(),
    "toISODate": lambda d, a: d.iso()[:10],
    "toISOTime": lambda d, a: d.iso()[11:],
    "toSQLDate": lambda d, a: d.iso()[:10],
    "toISOString": lambda d, a: DateTime(d.dt.astimezone(UTC)).iso(),
    "toFormat": lambda d, a: d.format(to_string(a[0])),
    "toMillis": lambda d, a: d.millis(),
    "valueOf": lambda d, a: d.millis(),
    "getTime": lambda d, a: d.millis(),
    "toSeconds": lambda d, a: norm_number(d.millis() / 1000),
    "toUnixInteger": lambda d, a: d.millis() // 1000,
    "plus": lambda d, a: _n8n_shift(d, a, 1),
    "minus": lambda d, a: _n8n_shift(d, a, -1),
    "beginningOf": lambda d, a: DateTime(d.start_of("week" if a[0] is UNDEFINED else _unit(a[0]))),
    "endOfMonth": lambda d, a: DateTime(d.end_of("month")),
    "extract": lambda d, a: _extract(d, a[0]),
    "format": lambda d, a: d.format(to_string(a[0])),
    "isDst": lambda d, a: is_in_dst(d.dt),
    "toInt": lambda d, a: d.millis(),
    "toFloat": lambda d, a: d.millis(),
    "toBoolean": lambda d, a: UNDEFINED,
    "isEmpty": lambda d, a: False,
    "isNotEmpty": lambda d, a: True,
    "toDateTime": lambda d, a: d,
    "isInLast": lambda d, a: _is_in_last(d, a),
    "diffToNow": lambda d, a: _diff_to(d, _now_of(a), a[0]),
    "startOf": lambda d, a: DateTime(d.start_of(_unit(a[0]))),
    "endOf": lambda d, a: DateTime(d.end_of(_unit(a[0]))),
    "set": lambda d, a: _set(d, a[0]),
    "setZone": lambda d, a: _set_zone(d, a[0], a[1]),
    "toUTC": lambda d, a: DateTime(d.dt.astimezone(UTC)),
    "toLocal": lambda d, a: d,
    "diff": lambda d, a: _diff_object(d, a[0], a[1]),
    "diffTo": lambda d, a: _diff_to(d, a[0], a[1]),
    "equals": lambda d, a: isinstance(a[0], DateTime) and d.dt == a[0].dt,
    "hasSame": lambda d, a: _has_same(d, a[0], a[1]),
    "isBetween": lambda d, a: _coerce(a[0]).millis() <= d.millis() <= _coerce(a[1]).millis(),
    "isWeekend": lambda d, a: d.dt.isoweekday() >= 6,
    "getFullYear": lambda d, a: d.dt.year,
    "getMonth": lambda d, a: d.dt.month - 1,
    "getDate": lambda d, a: d.dt.day,
    "getDay": lambda d, a: d.dt.isoweekday() % 7,
    "getHours": lambda d, a: d.dt.hour,
    "getMinutes": lambda d, a: d.dt.minute,
    "getSeconds": lambda d, a: d.dt.second,
}
from hetumind.expressions.jsdate import DATE_METHODS  # noqa: E402  (it needs DateTime)

_METHODS.update(DATE_METHODS)
_METHOD_NAMES = frozenset(_METHODS)
