"""A Luxon-like DateTime for `$now`, `$today`, `DateTime.fromISO()` and `.toDateTime()`.

At the JSON boundary a DateTime becomes Luxon's `toISO()` string, e.g.
"2024-05-01T12:30:00.000+02:00" ("Z" for UTC), which is also what n8n writes out.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, tzinfo
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

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Runtime

__all__ = ["DateTime", "parse_datetime"]

_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond")
_UNIT_ALIASES = {u + "s": u for u in _UNITS} | {u: u for u in _UNITS}
_MS = {"week": 604_800_000, "day": 86_400_000, "hour": 3_600_000, "minute": 60_000,
       "second": 1000, "millisecond": 1}  # fmt: skip
_FORMAT_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|.", re.S)
_MONTHS = list(calendar.month_name)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = list(calendar.day_name)


def _unit(value: Any) -> str:
    u = _UNIT_ALIASES.get(to_string(value))
    if u is None:
        raise EvalError(f"Invalid unit {to_string(value)}")
    return u


def parse_datetime(text: str, zone: tzinfo | None = None) -> datetime | None:
    s = text.strip()
    if re.fullmatch(r"-?\d{1,15}", s):
        return datetime.fromtimestamp(int(s) / 1000, UTC)
    try:
        dt = datetime.fromisoformat(s.replace(" ", "T", 1) if "T" not in s else s)
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            dt = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone or UTC)
    return dt


def _add_months(dt: datetime, months: int) -> datetime:
    total = dt.year * 12 + dt.month - 1 + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise EvalError("DateTime out of range")
    day = min(dt.day, calendar.monthrange(year, month + 1)[1])
    return dt.replace(year=year, month=month + 1, day=day)


class DateTime(HostObject):
    __slots__ = ("dt",)
    js_class = "DateTime"

    def __init__(self, dt: datetime) -> None:
        self.dt = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)

    def __repr__(self) -> str:
        return f"DateTime({self.iso()})"

    # -- conversions ---------------------------------------------------------------------
    def millis(self) -> int:
        return (self.dt - _EPOCH) // timedelta(milliseconds=1)

    def _offset(self) -> str:
        off = self.dt.utcoffset() or timedelta(0)
        if off == timedelta(0) and str(self.dt.tzinfo) in ("UTC", "Etc/UTC", "Z"):
            return "Z"
        minutes = int(off.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    def iso(self) -> str:
        d = self.dt
        return (f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:"
                f"{d.second:02d}.{d.microsecond // 1000:03d}{self._offset()}")  # fmt: skip

    def to_primitive(self, hint: str) -> Any:
        return self.iso() if hint == "string" else self.millis()

    def to_json(self) -> Any:
        return self.iso()

    # -- formatting ----------------------------------------------------------------------
    def format(self, fmt: str) -> str:
        d = self.dt
        out: list[str] = []
        for m in _FORMAT_TOKEN.finditer(fmt):
            tok = m.group(0)
            if tok.startswith("'"):
                out.append(tok[1:-1] if len(tok) > 2 else "'")
                continue
            out.append(self._token(tok, d))
        return "".join(out)

    def _token(self, tok: str, d: datetime) -> str:
        c, n = tok[0], len(tok)
        if c == "y":
            return f"{d.year % 100:02d}" if n == 2 else f"{d.year:0{max(n, 1)}d}"
        if c in "ML":
            if n >= 4:
                return _MONTHS[d.month]
            if n == 3:
                return _MONTHS[d.month][:3]
            return f"{d.month:0{n}d}"
        if c == "d":
            return f"{d.day:0{n}d}"
        if c in "Ec":
            if n >= 4:
                return _DAYS[d.weekday()]
            if n == 3:
                return _DAYS[d.weekday()][:3]
            return str(d.isoweekday())
        if c == "H":
            return f"{d.hour:0{n}d}"
        if c == "h":
            return f"{(d.hour % 12) or 12:0{n}d}"
        if c == "m":
            return f"{d.minute:0{n}d}"
        if c == "s":
            return f"{d.second:0{n}d}"
        if c == "S":
            return f"{d.microsecond // 1000:03d}" if n >= 3 else str(d.microsecond // 1000)
        if c == "a":
            return "AM" if d.hour < 12 else "PM"
        if c == "Z":
            off = self._offset()
            off = "+00:00" if off == "Z" else off
            if n == 1:
                return "+0" if off == "+00:00" else off.replace(":00", "").replace("+0", "+")
            return off if n == 2 else off.replace(":", "") if n == 3 else str(d.tzinfo)
        if c == "z":
            return str(d.tzinfo)
        if c == "o":
            return f"{d.timetuple().tm_yday:0{n}d}"
        if c == "q":
            return str((d.month - 1) // 3 + 1)
        if c == "W":
            return f"{d.isocalendar().week:0{n}d}"
        if c == "k":
            return f"{d.isocalendar().year:0{n}d}"
        if c == "X":
            return str(self.millis() // 1000)
        if c == "x":
            return str(self.millis())
        return tok

    # -- arithmetic ----------------------------------------------------------------------
    def shifted(self, amount: Any, sign: int) -> DateTime:
        if is_number(amount):
            return DateTime(self.dt + sign * timedelta(milliseconds=amount))
        if not isinstance(amount, dict):
            raise EvalError("plus/minus need an object like {days: 1} or milliseconds")
        dt = self.dt
        for key, value in amount.items():
            unit = _unit(key)
            n = to_number(value) * sign
            if unit in ("year", "quarter", "month"):
                months = int(n) * {"year": 12, "quarter": 3, "month": 1}[unit]
                dt = _add_months(dt, months)
            else:
                dt = dt + timedelta(milliseconds=n * _MS[unit])
        return DateTime(dt)

    def start_of(self, unit: str) -> datetime:
        d = self.dt
        if unit == "year":
            return d.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "quarter":
            month = (d.month - 1) // 3 * 3 + 1
            return d.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "month":
            return d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "week":
            day = d - timedelta(days=d.weekday())
            return day.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "day":
            return d.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "hour":
            return d.replace(minute=0, second=0, microsecond=0)
        if unit == "minute":
            return d.replace(second=0, microsecond=0)
        if unit == "second":
            return d.replace(microsecond=d.microsecond // 1000 * 1000)
        return d

    def end_of(self, unit: str) -> datetime:
        start = DateTime(self.start_of(unit))
        if unit in ("year", "quarter", "month"):
            nxt = start.shifted({unit: 1}, 1).dt
        else:
            nxt = start.dt + timedelta(milliseconds=_MS[unit])
        return nxt - timedelta(milliseconds=1)

    def diff(self, other: Any, unit: str) -> float | int:
        o = _coerce(other)
        if unit in ("year", "quarter", "month"):
            months = (self.dt.year - o.dt.year) * 12 + self.dt.month - o.dt.month
            anchor = _add_months(o.dt, months)
            span = (self.dt - anchor).total_seconds() * 1000
            month_ms = 30.436875 * _MS["day"]
            value = months + span / month_ms
            div = {"year": 12, "quarter": 3, "month": 1}[unit]
            return norm_number(value / div)
        return norm_number((self.millis() - o.millis()) / _MS[unit])

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
            "zoneName": str(d.tzinfo), "isValid": True,
            "offset": int((d.utcoffset() or timedelta(0)).total_seconds() // 60),
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
        return method(self, a)


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
    names = {"year": "year", "month": "month", "day": "day", "hour": "hour",
             "minute": "minute", "second": "second"}  # fmt: skip
    kwargs: dict[str, int] = {}
    for k, v in values.items():
        if k == "millisecond":
            kwargs["microsecond"] = int(to_number(v)) * 1000
        elif k in names:
            kwargs[names[k]] = int(to_number(v))
    try:
        return DateTime(d.dt.replace(**kwargs))  # type: ignore[arg-type]
    except ValueError as e:
        raise EvalError(f"Invalid DateTime: {e}") from None


def _set_zone(d: DateTime, zone: Any) -> DateTime:
    name = to_string(zone)
    if name.upper() == "UTC":
        return DateTime(d.dt.astimezone(UTC))
    try:
        return DateTime(d.dt.astimezone(ZoneInfo(name)))
    except (KeyError, ValueError) as e:
        raise EvalError(f"Invalid zone {name}") from e


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
    "toLocaleString": lambda d, a: d.format("M/d/yyyy, h:mm:ss a"),
    "toMillis": lambda d, a: d.millis(),
    "valueOf": lambda d, a: d.millis(),
    "getTime": lambda d, a: d.millis(),
    "toSeconds": lambda d, a: norm_number(d.millis() / 1000),
    "toUnixInteger": lambda d, a: d.millis() // 1000,
    "plus": lambda d, a: d.shifted(a[0], 1),
    "minus": lambda d, a: d.shifted(a[0], -1),
    "startOf": lambda d, a: DateTime(d.start_of(_unit(a[0]))),
    "endOf": lambda d, a: DateTime(d.end_of(_unit(a[0]))),
    "set": lambda d, a: _set(d, a[0]),
    "setZone": lambda d, a: _set_zone(d, a[0]),
    "toUTC": lambda d, a: DateTime(d.dt.astimezone(UTC)),
    "toLocal": lambda d, a: d,
    "diff": lambda d, a: _diff_object(d, a[0], a[1]),
    "diffTo": lambda d, a: _coerce(a[0]).diff(d, "day" if a[1] is UNDEFINED else _unit(a[1])),
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
_METHOD_NAMES = frozenset(_METHODS)
