"""JavaScript value semantics over plain Python values.

JS values map onto JSON-shaped Python values: number -> int | float (bool excluded),
string -> str, boolean -> bool, null -> None, undefined -> UNDEFINED, array -> list,
plain object -> dict. Functions and host objects (DateTime, `$input`, `Math`, ...) are
instances of the small classes below; nothing else ever reaches an expression.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Runtime

__all__ = [
    "MAX_SAFE_INTEGER",
    "MAX_STRING_LENGTH",
    "UNDEFINED",
    "EvalError",
    "HostObject",
    "JsCallable",
    "add",
    "compare_lt",
    "is_number",
    "js_length",
    "js_typeof",
    "loose_eq",
    "norm_number",
    "number_to_string",
    "strict_eq",
    "to_int32",
    "to_number",
    "to_primitive",
    "to_string",
    "truthy",
]

MAX_SAFE_INTEGER = 2**53
# Bounds what one expression may build, so `"x".repeat(1e9)` fails instead of eating memory.
MAX_STRING_LENGTH = 16 * 1024 * 1024
MAX_ARRAY_LENGTH = 4 * 1024 * 1024


class _Undefined:
    """JS `undefined`: falsy, distinct from None (JS null)."""

    __slots__ = ()
    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        # Pickles (Ray) back to the same singleton.
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()


class EvalError(Exception):
    """A JS runtime error (TypeError, ReferenceError, ...) before it gets a position."""

    def __init__(self, message: str, pos: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


class JsCallable:
    """Anything an expression may call: arrow functions, built-ins, bound methods."""

    __slots__ = ()
    name: str = "anonymous"

    def invoke(self, rt: Runtime, args: list[Any]) -> Any:
        raise NotImplementedError

    def get_static(self, key: str) -> Any:
        """Members of the function itself (`Number.isInteger`); only `name` by default."""
        return self.name if key == "name" else UNDEFINED


class HostObject:
    """A whitelisted non-JSON object; members are answered only through `get_member`."""

    __slots__ = ()
    js_class = "Object"

    def get_member(self, rt: Runtime, key: str) -> Any:
        return UNDEFINED

    def set_member(self, rt: Runtime, key: str, value: Any) -> None:
        raise EvalError(f"Cannot set property '{key}' of {self.js_class}")

    def call_method(self, rt: Runtime, key: str, args: list[Any]) -> Any:
        member = self.get_member(rt, key)
        if isinstance(member, JsCallable):
            return member.invoke(rt, args)
        raise EvalError(f"{self.js_class}.{key} is not a function")

    def to_primitive(self, hint: str) -> Any:
        return f"[object {self.js_class}]"

    def to_json(self) -> Any:
        """What the value becomes at the JSON boundary (and in JSON.stringify)."""
        return {}

    def own_keys(self) -> list[str]:
        return []


def is_number(v: object) -> bool:
    t = type(v)
    return t is int or t is float


def norm_number(x: float | int) -> float | int:
    """JS has one number type: integral results within the safe range become ints."""
    if type(x) is int:
        if -MAX_SAFE_INTEGER <= x <= MAX_SAFE_INTEGER:
            return x
        try:
            return float(x)
        except OverflowError:
            return math.inf if x > 0 else -math.inf
    if float(x).is_integer() and -MAX_SAFE_INTEGER <= x <= MAX_SAFE_INTEGER:
        return int(x)
    return x


def number_to_string(x: float | int) -> str:
    """JS Number::toString(10): shortest round-trip digits with JS's exponent rules."""
    if type(x) is int:
        if -(10**21) < x < 10**21:
            return str(x)
        x = float(x)
    if x != x:
        return "NaN"
    if x == math.inf:
        return "Infinity"
    if x == -math.inf:
        return "-Infinity"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + number_to_string(-x)
    if float(x).is_integer() and x < 1e21:
        return str(int(x))
    _, digit_tuple, exponent = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    assert isinstance(exponent, int)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    s, k = stripped, len(stripped)
    n = exponent + k
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + s
    e = n - 1
    sign = "+" if e >= 0 else "-"
    mantissa = s if k == 1 else s[0] + "." + s[1:]
    return f"{mantissa}e{sign}{abs(e)}"


_JS_WHITESPACE = " \t\n\r\v\f\u00a0\ufeff\u2028\u2029"
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\Z")


def string_to_number(s: str) -> float | int:
    s = s.strip(_JS_WHITESPACE)
    if not s:
        return 0
    if _DECIMAL.match(s):
        return norm_number(float(s))
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    if len(s) > 2 and s[0] == "0" and s[1] in "xXoObB":
        base = {"x": 16, "o": 8, "b": 2}[s[1].lower()]
        try:
            return norm_number(int(s[2:], base))
        except ValueError:
            return math.nan
    return math.nan


def to_number(v: Any) -> float | int:
    t = type(v)
    if t is int or t is float:
        return v
    if t is bool:
        return 1 if v else 0
    if v is None:
        return 0
    if t is str:
        return string_to_number(v)
    if v is UNDEFINED:
        return math.nan
    if t is list or isinstance(v, HostObject):
        return to_number(to_primitive(v, "number"))
    return math.nan


def to_primitive(v: Any, hint: str = "default") -> Any:
    t = type(v)
    if t is list:
        return to_string(v)
    if t is dict:
        return "[object Object]"
    if isinstance(v, HostObject):
        return v.to_primitive(hint)
    if isinstance(v, JsCallable):
        return f"function {v.name}() {{ [native code] }}"
    return v


def to_string(v: Any) -> str:
    t = type(v)
    if t is str:
        return v
    if t is int or t is float:
        return number_to_string(v)
    if t is bool:
        return "true" if v else "false"
    if v is None:
        return "null"
    if v is UNDEFINED:
        return "undefined"
    if t is list:
        return ",".join("" if e is None or e is UNDEFINED else to_string(e) for e in v)
    return to_string(to_primitive(v, "string"))


def truthy(v: Any) -> bool:
    t = type(v)
    if t is bool:
        return v
    if t is str:
        return v != ""
    if t is int:
        return v != 0
    if t is float:
        return not (v == 0 or v != v)
    return not (v is None or v is UNDEFINED)


def js_typeof(v: Any) -> str:
    t = type(v)
    if t is str:
        return "string"
    if t is int or t is float:
        return "number"
    if t is bool:
        return "boolean"
    if v is UNDEFINED:
        return "undefined"
    if isinstance(v, JsCallable):
        return "function"
    return "object"


def _kind(v: Any) -> str:
    t = type(v)
    if t is int or t is float:
        return "number"
    if v is None:
        return "null"
    return js_typeof(v)


def strict_eq(a: Any, b: Any) -> bool:
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        return False
    if ka in ("object", "function"):
        if isinstance(a, HostObject) and isinstance(b, HostObject):
            return a is b or bool(a == b)
        return a is b
    return bool(a == b)


def loose_eq(a: Any, b: Any) -> bool:
    ka, kb = _kind(a), _kind(b)
    if ka == kb:
        return strict_eq(a, b)
    nullish = ("null", "undefined")
    if ka in nullish or kb in nullish:
        return ka in nullish and kb in nullish
    if ka == "boolean":
        return loose_eq(to_number(a), b)
    if kb == "boolean":
        return loose_eq(a, to_number(b))
    if ka == "number" and kb == "string":
        return bool(a == string_to_number(b))
    if ka == "string" and kb == "number":
        return bool(string_to_number(a) == b)
    if ka in ("object", "function"):
        return loose_eq(to_primitive(a), b)
    if kb in ("object", "function"):
        return loose_eq(a, to_primitive(b))
    return False


def compare_lt(a: Any, b: Any) -> bool | None:
    """JS abstract relational comparison a < b; None means undefined (NaN involved)."""
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        if a != a or b != b:
            return None
        return bool(a < b)
    pa, pb = to_primitive(a, "number"), to_primitive(b, "number")
    if type(pa) is str and type(pb) is str:
        return pa < pb
    na, nb = to_number(pa), to_number(pb)
    if na != na or nb != nb:
        return None
    return na < nb


def js_length(s: str) -> int:
    """JavaScript's `string.length`: UTF-16 code units, so a character outside the Basic
    Multilingual Plane (an emoji) counts 2. Indexes elsewhere still count code points."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def check_string(s: str) -> str:
    if len(s) > MAX_STRING_LENGTH:
        raise EvalError("Invalid string length")
    return s


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return norm_number(a + b)
    if ta is str and tb is str:
        return check_string(a + b)
    pa, pb = to_primitive(a), to_primitive(b)
    if type(pa) is str or type(pb) is str:
        return check_string(to_string(pa) + to_string(pb))
    return norm_number(to_number(pa) + to_number(pb))


def to_int32(v: Any) -> int:
    x = to_number(v)
    if type(x) is float and (x != x or x in (math.inf, -math.inf)):
        return 0
    n = int(x) & 0xFFFFFFFF
    return n - 0x100000000 if n >= 0x80000000 else n


def to_integer(v: Any) -> int:
    """ToIntegerOrInfinity, clamped into a range any index arithmetic can use."""
    n = to_number(v)
    if n != n:
        return 0
    if n == math.inf:
        return 2**62
    if n == -math.inf:
        return -(2**62)
    return int(n)


def to_json_value(v: Any) -> Any:
    """Make an evaluation result JSON-compatible for the engine (see CompiledParameter)."""
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is float:
        return v
    if v is UNDEFINED:
        return None
    if t is list:
        return [to_json_value(e) for e in v]
    if t is dict:
        return {k: to_json_value(e) for k, e in v.items() if e is not UNDEFINED}
    if isinstance(v, HostObject):
        return to_json_value(v.to_json())
    return None


def stringify(value: Any, indent: str = "") -> Any:
    """JSON.stringify; returns UNDEFINED where JS does (undefined, functions)."""

    def enc(v: Any, current: str) -> str | None:
        if isinstance(v, HostObject):
            v = v.to_json()
        t = type(v)
        if v is None:
            return "null"
        if t is bool:
            return "true" if v else "false"
        if t is int or t is float:
            return number_to_string(v) if math.isfinite(v) else "null"
        if t is str:
            return json.dumps(v, ensure_ascii=False)
        if t is list:
            if not v:
                return "[]"
            inner = current + indent
            parts = [enc(e, inner) or "null" for e in v]
            if not indent:
                return "[" + ",".join(parts) + "]"
            return "[\n" + inner + (",\n" + inner).join(parts) + "\n" + current + "]"
        if t is dict:
            inner = current + indent
            sep = ": " if indent else ":"
            parts = []
            for k, e in v.items():
                s = enc(e, inner)
                if s is not None:
                    parts.append(json.dumps(str(k), ensure_ascii=False) + sep + s)
            if not parts:
                return "{}"
            if not indent:
                return "{" + ",".join(parts) + "}"
            return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + current + "}"
        return None

    out = enc(value, "")
    return UNDEFINED if out is None else check_string(out)


def same_value_zero(a: Any, b: Any) -> bool:
    """Array.prototype.includes equality: like === but NaN equals NaN."""
    if type(a) is float and type(b) is float and a != a and b != b:
        return True
    return strict_eq(a, b)


NativeImpl = Callable[["Runtime", list[Any]], Any]
