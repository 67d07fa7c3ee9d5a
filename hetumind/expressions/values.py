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


def _is_array_index(k: str) -> bool:
    return k.isdigit() and k.isascii() and (k == "0" or k[0] != "0") and int(k) < 4294967295


def js_keys(d: dict[str, Any]) -> list[str]:
    """An object's keys in JavaScript's order: integer-like keys ascending, then the rest
    in insertion order (V8 orders `{"b": 1, "2": 2, "1": 3}` as "1", "2", "b")."""
    ints = [k for k in d if k[:1].isdigit() and _is_array_index(k)]
    if not ints:
        return list(d)
    ints.sort(key=int)
    return ints + [k for k in d if not (k[:1].isdigit() and _is_array_index(k))]


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
    if float(x).is_integer() and x < MAX_SAFE_INTEGER:
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
        return _join_list(v)
    return to_string(to_primitive(v, "string"))


def graph_size(root: Any) -> tuple[int, int, bool]:
    """(values stored, values an expansion visits, whether there is a cycle) of a value.

    The two counts differ only when containers are shared (`a = [a, a]`): such a graph is
    small in memory but exponential once written out. Iterative and linear in what is
    stored, so callers can refuse an expansion before doing it.
    """
    if type(root) is not list and type(root) is not dict:
        return 1, 1, False
    memo: dict[int, int] = {}
    on_path: set[int] = set()
    unique = 0
    cyclic = False
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        c, leaving = stack.pop()
        cid = id(c)
        children = c if type(c) is list else c.values()
        if leaving:
            on_path.discard(cid)
            total = 1
            for ch in children:
                total += memo.get(id(ch), 1) if type(ch) is list or type(ch) is dict else 1
            memo[cid] = min(total, 1 << 62)
            continue
        if cid in memo:
            continue
        on_path.add(cid)
        unique += len(c) + 1
        stack.append((c, True))
        for ch in children:
            if (type(ch) is list or type(ch) is dict) and id(ch) not in memo:
                if id(ch) in on_path:
                    cyclic = True
                else:
                    stack.append((ch, False))
    return unique, memo[id(root)], cyclic


MAX_SHARED_EXPANSION = 1_000_000  # values a shared graph may add when written out


def check_expansion(value: Any, what: str) -> int:
    """Refuse, up front, to write out a value whose expansion is too large; returns the
    number of values the expansion visits beyond those stored (0 for ordinary data)."""
    unique, expanded, cyclic = graph_size(value)
    if cyclic:
        raise EvalError(f"TypeError: Converting circular structure to {what}")
    if expanded > MAX_ARRAY_LENGTH or expanded - unique > MAX_SHARED_EXPANSION:
        raise EvalError(f"RangeError: the {what} of this value would be too large")
    return expanded - unique


def _join_list(v: list[Any]) -> str:
    """Array.prototype.toString, bounded: a shared graph (`a = [a, a]` forty times) fails
    at the string cap instead of expanding, and a cycle contributes "" as in JS."""
    unique, expanded, _cyclic = graph_size(v)
    if expanded - unique > MAX_SHARED_EXPANSION:
        raise EvalError("RangeError: Invalid string length")
    out: list[str] = []
    size = 0
    active: set[int] = set()
    # Work items: a list to open, a separator, or a leaf value.
    stack: list[Any] = [("open", v)]
    while stack:
        kind, x = stack.pop()
        if kind == "close":
            active.discard(x)
            continue
        if kind == "sep":
            out.append(",")
            size += 1
            continue
        if type(x) is list:
            if id(x) in active:
                continue
            active.add(id(x))
            stack.append(("close", id(x)))
            for i in range(len(x) - 1, -1, -1):
                stack.append(("open", x[i]))
                if i:
                    stack.append(("sep", None))
            continue
        s = "" if x is None or x is UNDEFINED else to_string(x)
        size += len(s)
        if size > MAX_STRING_LENGTH:
            raise EvalError("RangeError: Invalid string length")
        out.append(s)
    if size > MAX_STRING_LENGTH:
        raise EvalError("RangeError: Invalid string length")
    return "".join(out)


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


MAX_JSON_DEPTH = 200


class _Counter:
    __slots__ = ("left",)

    def __init__(self, left: int) -> None:
        self.left = left


def to_json_value(v: Any, _depth: int = 0, _count: _Counter | None = None) -> Any:
    """Make an evaluation result JSON-compatible for the engine (see CompiledParameter).

    Bounded in depth (a cycle fails clearly) and in total size (a shared graph is not
    expanded past MAX_ARRAY_LENGTH values)."""
    t = type(v)
    if t is list or t is dict:
        if _count is None:
            check_expansion(v, "JSON")
            _count = _Counter(MAX_ARRAY_LENGTH)
        _count.left -= len(v) + 1
        if _count.left < 0:
            raise EvalError("RangeError: the result is too large")
        if _depth > MAX_JSON_DEPTH:
            raise EvalError("TypeError: the result is nested too deeply or circular")
        if t is list:
            return [to_json_value(e, _depth + 1, _count) for e in v]
        return {k: to_json_value(e, _depth + 1, _count) for k, e in v.items()
                if e is not UNDEFINED}  # fmt: skip
    if t is str or t is int or t is bool or v is None:
        return v
    if t is float:
        return v
    if v is UNDEFINED:
        return None
    if isinstance(v, HostObject):
        return to_json_value(v.to_json(), _depth + 1, _count)
    return None


def stringify(value: Any, indent: str = "", rt: Runtime | None = None) -> Any:
    """JSON.stringify; returns UNDEFINED where JS does (undefined, functions).

    A shared graph's expansion is measured first and paid for in steps (`rt`), or refused.
    """
    extra = check_expansion(value, "JSON")
    if rt is not None:
        rt.tick(extra >> 3)

    size = [0]
    active: set[int] = set()

    def grow(n: int) -> None:
        # Counted as it is produced, so `JSON.stringify` of a shared graph stops at the cap.
        size[0] += n
        if size[0] > MAX_STRING_LENGTH:
            raise EvalError("RangeError: Invalid string length")

    def enc(v: Any, current: str) -> str | None:
        if isinstance(v, HostObject):
            v = v.to_json()
        t = type(v)
        if t is list or t is dict:
            if id(v) in active:
                raise EvalError("TypeError: Converting circular structure to JSON")
            if len(active) > MAX_JSON_DEPTH:
                raise EvalError("RangeError: JSON.stringify: value is nested too deeply")
            active.add(id(v))
            try:
                return enc_container(v, t, current)
            finally:
                active.discard(id(v))
        s = enc_leaf(v, t)
        if s is not None:
            grow(len(s))
        return s

    def enc_leaf(v: Any, t: type) -> str | None:
        if v is None:
            return "null"
        if t is bool:
            return "true" if v else "false"
        if t is int or t is float:
            return number_to_string(v) if math.isfinite(v) else "null"
        if t is str:
            return json.dumps(v, ensure_ascii=False)
        return None

    def enc_container(v: Any, t: type, current: str) -> str | None:
        grow(2 + len(v) * (1 + len(indent)))
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
            for k in js_keys(v):
                e = v[k]
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
