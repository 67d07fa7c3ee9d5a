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

from hetumind.expressions.luxon_zone import (
    days_in_month,
    from_wall,
    is_in_dst,
    wall_ms,
    zone_for,
)
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
    def offset_minutes(self) -> int:
        return int((self.dt.utcoffset() or timedelta(0)).total_seconds() // 60)

    def with_wall(self, local_ts: int) -> DateTime:
        """Same zone, new wall-clock time; the current offset is Luxon's first guess."""
        return DateTime(from_wall(local_ts, self.dt.tzinfo or UTC, self.offset_minutes()))

    def wall(self) -> int:
        d = self.dt
        return wall_ms(d.year, d.month, d.day, d.hour, d.minute, d.second,
                       d.microsecond // 1000)  # fmt: skip

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
        d = self.dt
        months = (
            int(units.get("year", 0)) * 12
            + int(units.get("quarter", 0)) * 3
            + int(units.get("month", 0))
        )
        days = int(units.get("day", 0)) + int(units.get("week", 0)) * 7
        millis = sum(units.get(u, 0) * _MS[u] for u in ("hour", "minute", "second", "millisecond"))
        # Fractions of calendar units count as time, as Luxon's Duration does (casually).
        millis += (
            units.get("day", 0) % 1 if units.get("day", 0) >= 0 else -(-units.get("day", 0) % 1)
        ) * _MS["day"]
        out = self
        if months or days:
            year, month = d.year, d.month + months
            ny = year + (month - 1) // 12
            nm = (month - 1) % 12 + 1
            if not 1 <= ny <= 9999:
                raise EvalError("DateTime out of range")
            day = min(d.day, days_in_month(ny, nm)) + days
            out = self.with_wall(wall_ms(ny, nm, day, d.hour, d.minute, d.second,
                                         d.microsecond // 1000))  # fmt: skip
        return out.plus_millis(millis) if millis else out

    def plus_millis(self, millis: float) -> DateTime:
        """Move the instant (aware datetime arithmetic in Python moves the wall clock)."""
        try:
            moved = self.dt.astimezone(UTC) + timedelta(milliseconds=millis)
            return DateTime(moved.astimezone(self.dt.tzinfo))
        except OverflowError:
            raise EvalError("DateTime out of range") from None

    def start_of(self, unit: str) -> datetime:
        d = self.dt
        ms = d.microsecond // 1000
        if unit == "year":
            fields = (d.year, 1, 1, 0, 0, 0, 0)
        elif unit == "quarter":
            fields = (d.year, (d.month - 1) // 3 * 3 + 1, 1, 0, 0, 0, 0)
        elif unit == "month":
            fields = (d.year, d.month, 1, 0, 0, 0, 0)
        elif unit == "week":
            fields = (d.year, d.month, d.day - d.weekday(), 0, 0, 0, 0)
        elif unit == "day":
            fields = (d.year, d.month, d.day, 0, 0, 0, 0)
        elif unit == "hour":
            fields = (d.year, d.month, d.day, d.hour, 0, 0, 0)
        elif unit == "minute":
            fields = (d.year, d.month, d.day, d.hour, d.minute, 0, 0)
        elif unit == "second":
            fields = (d.year, d.month, d.day, d.hour, d.minute, d.second, 0)
        else:
            fields = (d.year, d.month, d.day, d.hour, d.minute, d.second, ms)
        return self.with_wall(wall_ms(*fields)).dt

    def end_of(self, unit: str) -> datetime:
        # Luxon: plus one unit, back to its start, minus a millisecond.
        nxt = DateTime(self.shifted({unit: 1}, 1).start_of(unit))
        return nxt.plus_millis(-1).dt

    def _calendar_diff(self, o: DateTime, unit: str) -> float:
        """Whole calendar units between the two wall clocks, then the rest in time."""
        step = {"year": ("month", 12), "quarter": ("month", 3), "month": ("month", 1),
                "week": ("day", 7), "day": ("day", 1)}[unit]  # fmt: skip
        later, earlier, sign = (self, o, 1) if self.millis() >= o.millis() else (o, self, -1)
        ld, ed = later.dt, earlier.dt
        if step[0] == "month":
            guess = ((ld.year - ed.year) * 12 + ld.month - ed.month) // step[1]
        else:
            guess = (ld.date() - ed.date()).days // step[1]
        count = max(guess - 1, 0)
        while earlier.shifted({step[0]: (count + 1) * step[1]}, 1).millis() <= later.millis():
            count += 1
        anchor = earlier.shifted({step[0]: count * step[1]}, 1)
        rest = later.millis() - anchor.millis()
        casual = {"year": 365 * _MS["day"], "quarter": 91 * _MS["day"], "month": 30 * _MS["day"],
                  "week": _MS["week"], "day": _MS["day"]}[unit]  # fmt: skip
        return sign * (count + rest / casual)

    def diff(self, other: Any, unit: str) -> float | int:
        o = _coerce(other)
        if unit in ("year", "quarter", "month", "week", "day"):
            return norm_number(self._calendar_diff(o, unit))
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
            "zoneName": _zone_name(d), "isValid": True, "localWeekday": d.isoweekday(),
            "weekYear": d.isocalendar().year, "zone": {"name": _zone_name(d)},
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
        return method(self, a)


def from_iso(text: str, opts: Any = UNDEFINED) -> DateTime:
    """Luxon's DateTime.fromISO(text, {zone, setZone}): a text without an offset is wall
    time in `zone` (default UTC); with an offset it is that instant, shown in `zone`, or in
    its own offset with `setZone: true`."""
    zone_opt = opts.get("zone") if isinstance(opts, dict) else None
    set_zone = bool(opts.get("setZone")) if isinstance(opts, dict) else False
    zone = zone_for(to_string(zone_opt)) if zone_opt not in (None, UNDEFINED) else UTC
    dt = parse_datetime(text, _NAIVE)
    if dt is None:
        raise EvalError(f"Invalid DateTime: {text}")
    if dt.tzinfo is _NAIVE:
        d = dt.replace(tzinfo=None)
        return DateTime(from_wall(wall_ms(d.year, d.month, d.day, d.hour, d.minute, d.second,
                                          d.microsecond // 1000), zone))  # fmt: skip
    if set_zone:
        return DateTime(dt)
    return DateTime(dt.astimezone(zone))


class _Naive(tzinfo):
    """Marks a parsed text that had no offset (so its zone comes from the options)."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "UTC"

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)


_NAIVE = _Naive()


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


def _zone_name(d: datetime) -> str:
    z = d.tzinfo
    if z is UTC or z is None:
        return "UTC"
    if isinstance(z, ZoneInfo):
        return z.key
    off = int((d.utcoffset() or timedelta(0)).total_seconds() // 60)
    if off == 0:
        return "UTC"
    h, m = divmod(abs(off), 60)
    return f"UTC{'+' if off > 0 else '-'}{h}" + (f":{m:02d}" if m else "")


def _set(d: DateTime, values: Any) -> DateTime:
    if not isinstance(values, dict):
        raise EvalError("set() needs an object like {hour: 0}")
    t = d.dt
    fields = {"year": t.year, "month": t.month, "day": t.day, "hour": t.hour,
              "minute": t.minute, "second": t.second,
              "millisecond": t.microsecond // 1000}  # fmt: skip
    for k, v in values.items():
        key = _UNIT_ALIASES.get(k, k)
        if key in fields:
            fields[key] = int(to_number(v))
    try:
        datetime(fields["year"], fields["month"], fields["day"])
    except ValueError as e:
        raise EvalError(f"Invalid DateTime: {e}") from None
    return d.with_wall(wall_ms(*fields.values()))


def _set_zone(d: DateTime, zone: Any, opts: Any = UNDEFINED) -> DateTime:
    tz = zone_for(to_string(zone)) if zone is not UNDEFINED else UTC
    if isinstance(opts, dict) and opts.get("keepLocalTime"):
        return DateTime(from_wall(d.wall(), tz))
    return DateTime(d.dt.astimezone(tz))


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
