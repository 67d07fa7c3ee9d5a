"""Pure column expressions compiled to Arrow compute, for whole batches at once.

A plan only covers what it reproduces exactly as the per-item interpreter would. Anything
it cannot promise at run time (nulls, whose JS meaning depends on null vs undefined; NaN;
division by zero; integers beyond 2**53; non-ASCII case mapping; number-to-string of
floats) raises NotVectorizable, and the caller evaluates item by item instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.expressions import syntax as ast
from hetumind.expressions.operators import BINARY, UNARY
from hetumind.expressions.values import MAX_SAFE_INTEGER, to_string, truthy

__all__ = ["NotVectorizable", "VectorPlan", "plan_for"]

ArrowData = Any  # pa.Array | pa.ChunkedArray (pyarrow ships no type stubs)
ColumnGetter = Callable[[str], ArrowData | None]


class NotVectorizable(Exception):
    """This batch must be evaluated item by item (the result could differ otherwise)."""


@dataclass(frozen=True, slots=True)
class _V:
    """A vector or scalar value with its JS kind: int, float, bool, str (or null)."""

    kind: str
    value: Any  # ArrowData, or a Python value when `scalar`
    scalar: bool


_ARROW_TYPE = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}
_JS_ASCII_SPACE = " \t\n\v\f\r"
_ASTRAL = r"[\x{10000}-\x{10FFFF}]"  # RE2: characters that take two UTF-16 units
VecEv = Callable[["_Env"], _V]


@dataclass(slots=True)
class _Env:
    column: ColumnGetter
    length: int


def _scalar_kind(v: Any) -> str:
    if v is None:
        return "null"
    t = type(v)
    return {bool: "bool", int: "int", float: "float", str: "str"}.get(t, "other")


def _from_python(v: Any) -> _V:
    kind = _scalar_kind(v)
    if kind in ("other",) or (kind == "int" and abs(v) > MAX_SAFE_INTEGER):
        raise NotVectorizable
    if kind == "float" and v != v:
        raise NotVectorizable
    return _V(kind, v, True)


def _arrow(v: _V, kind: str | None = None) -> Any:
    """The value as Arrow data (array, or typed scalar) of `kind`."""
    kind = kind or v.kind
    if v.scalar:
        if v.kind == "null":
            raise NotVectorizable
        value = v.value
        if kind == "str":
            value = to_string(value)
        elif kind == "float":
            value = float(value)
        elif kind == "int":
            value = int(value)
        return pa.scalar(value, type=_ARROW_TYPE[kind])
    if kind == v.kind:
        return v.value
    return pc.cast(v.value, _ARROW_TYPE[kind])


def _load(env: _Env, name: str) -> _V:
    data = env.column(name)
    if data is None or data.null_count:
        raise NotVectorizable
    t = data.type
    if pa.types.is_integer(t):
        widest = pc.max(pc.abs_checked(pc.cast(data, pa.int64()))).as_py() if len(data) else 0
        if widest > MAX_SAFE_INTEGER:
            raise NotVectorizable
        return _V("int", pc.cast(data, pa.int64()) if t != pa.int64() else data, False)
    if pa.types.is_floating(t):
        if len(data) and pc.any(pc.is_nan(data)).as_py():
            raise NotVectorizable
        return _V("float", pc.cast(data, pa.float64()) if t != pa.float64() else data, False)
    if pa.types.is_boolean(t):
        return _V("bool", data, False)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _V("str", pc.cast(data, pa.string()) if t != pa.string() else data, False)
    raise NotVectorizable


def _numeric(v: _V) -> str:
    if v.kind == "bool":
        return "int"
    if v.kind in ("int", "float"):
        return v.kind
    raise NotVectorizable


def _check_ints(result: Any) -> _V:
    if len(result) and pc.max(pc.abs_checked(result)).as_py() > MAX_SAFE_INTEGER:
        raise NotVectorizable  # JS would have rounded to a double here
    return _V("int", result, False)


def _has_zero(v: _V) -> bool:
    if v.scalar:
        return bool(v.value == 0)
    return bool(pc.any(pc.equal(v.value, 0)).as_py())


def _arith(op: str, a: _V, b: _V) -> _V:
    if op == "+" and (a.kind == "str" or b.kind == "str"):
        for side in (a, b):
            if side.kind in ("float", "null"):
                raise NotVectorizable  # JS float formatting is not Arrow's
        parts = [_arrow(x, "str") for x in (a, b)]
        return _V("str", pc.binary_join_element_wise(*parts, ""), False)
    ka, kb = _numeric(a), _numeric(b)
    kind = "float" if "float" in (ka, kb) or op == "/" else "int"
    x, y = _arrow(a, kind), _arrow(b, kind)
    if op in ("/", "%") and _has_zero(b):
        raise NotVectorizable
    try:
        if op == "+":
            result = pc.add_checked(x, y)
        elif op == "-":
            result = pc.subtract_checked(x, y)
        elif op == "*":
            result = pc.multiply_checked(x, y)
        elif op == "/":
            return _V("float", pc.divide(x, y), False)
        elif op == "%" and kind == "int":
            result = pc.subtract(x, pc.multiply(y, pc.divide(x, y)))
        else:
            raise NotVectorizable
    except pa.ArrowInvalid:
        raise NotVectorizable from None
    return _check_ints(result) if kind == "int" else _V("float", result, False)


_COMPARE = {"<": pc.less, "<=": pc.less_equal, ">": pc.greater, ">=": pc.greater_equal,
            "==": pc.equal, "===": pc.equal, "!=": pc.not_equal, "!==": pc.not_equal}  # fmt: skip


def _compare(op: str, a: _V, b: _V) -> _V:
    numeric = ("int", "float")
    same_family = (a.kind == b.kind) or (a.kind in numeric and b.kind in numeric)
    if not same_family:
        if op in ("===", "!==") and "null" not in (a.kind, b.kind):
            value = op == "!=="  # different JS types are never strictly equal
            return _V("bool", value, True)
        if op in ("==", "!=", "<", "<=", ">", ">=") and {a.kind, b.kind} <= {"bool", *numeric}:
            pass  # booleans compare as 0/1 with numbers, which casting reproduces
        else:
            raise NotVectorizable
    if "null" in (a.kind, b.kind):
        raise NotVectorizable
    if a.kind == "str":
        kind = "str"
    elif a.kind == "bool" and b.kind == "bool":
        kind = "bool" if op in ("==", "===", "!=", "!==") else "int"
    else:
        kind = "float" if "float" in (a.kind, b.kind) else "int"
    return _V("bool", _COMPARE[op](_arrow(a, kind), _arrow(b, kind)), False)


def _truth(v: _V) -> Any:
    """A boolean array (or Python bool for scalars) of JS truthiness."""
    if v.scalar:
        return truthy(v.value)
    if v.kind == "bool":
        return v.value
    if v.kind in ("int", "float"):
        return pc.not_equal(v.value, 0)
    return pc.not_equal(v.value, "")


def _select(cond: Any, yes: _V, no: _V) -> _V:
    if isinstance(cond, bool):
        return yes if cond else no
    if yes.kind == no.kind:
        kind = yes.kind
    elif {yes.kind, no.kind} <= {"int", "float"}:
        kind = "float"
    else:
        raise NotVectorizable  # a column of mixed JS types has no Arrow type
    return _V(kind, pc.if_else(cond, _arrow(yes, kind), _arrow(no, kind)), False)


def _ascii_only(v: _V) -> Any:
    if not pc.all(pc.string_is_ascii(v.value)).as_py():
        raise NotVectorizable  # Python's and Arrow's Unicode case maps differ at the edges
    return v.value


def _method(name: str, obj: _V, args: list[_V]) -> _V:
    if obj.scalar:
        raise NotVectorizable
    lit = [a.value for a in args if a.scalar]
    if len(lit) != len(args):
        raise NotVectorizable
    if obj.kind == "str":
        if name == "toUpperCase" and not args:
            return _V("str", pc.ascii_upper(_ascii_only(obj)), False)
        if name == "toLowerCase" and not args:
            return _V("str", pc.ascii_lower(_ascii_only(obj)), False)
        if name == "trim" and not args:
            return _V("str", pc.utf8_trim(_ascii_only(obj), characters=_JS_ASCII_SPACE), False)
        if len(lit) == 1 and type(lit[0]) is str:
            fn = {"includes": pc.match_substring, "startsWith": pc.starts_with,
                  "endsWith": pc.ends_with}.get(name)  # fmt: skip
            if fn is not None:
                return _V("bool", fn(obj.value, pattern=lit[0]), False)
    if obj.kind in ("int", "float") and name == "round" and len(lit) <= 1:
        places = lit[0] if lit else 0
        # n8n's round() is `+x.toFixed(places)`: exact for whole numbers (halves go away
        # from zero); with decimal places it rounds the exact binary value, so per item.
        if places != 0 or type(places) is not int:
            raise NotVectorizable
        if obj.kind == "int":
            return obj
        rounded = pc.round(obj.value, 0, round_mode="half_towards_infinity")
        return _V("float", rounded, False)
    raise NotVectorizable


class _Planner:
    def __init__(self) -> None:
        self.columns: set[str] = set()

    def compile(self, node: ast.Node) -> VecEv | None:
        if isinstance(node, ast.Literal):
            value = node.value
            return lambda env: _from_python(value)
        if isinstance(node, ast.Member):
            return self.member(node)
        if isinstance(node, ast.Binary):
            if node.op not in ("+", "-", "*", "/", "%", *_COMPARE):
                return None
            left, right = self.compile(node.left), self.compile(node.right)
            if left is None or right is None:
                return None
            return self.binary(node.op, left, right)
        if isinstance(node, ast.Unary):
            operand = self.compile(node.operand)
            if operand is None or node.op not in ("-", "+", "!"):
                return None
            return self.unary(node.op, operand)
        if isinstance(node, ast.Logical):
            left, right = self.compile(node.left), self.compile(node.right)
            if left is None or right is None:
                return None
            return self.logical(node.op, left, right)
        if isinstance(node, ast.Conditional):
            test = self.compile(node.test)
            yes, no = self.compile(node.consequent), self.compile(node.alternate)
            if test is None or yes is None or no is None:
                return None
            return lambda env: _select(_truth(test(env)), yes(env), no(env))
        if isinstance(node, ast.Call) and isinstance(node.callee, ast.Member):
            callee = node.callee
            if not isinstance(callee.prop, str) or node.optional or callee.optional:
                return None
            obj = self.compile(callee.obj)
            args = [self.compile(a) for a in node.args]
            if obj is None or any(a is None for a in args):
                return None
            name = callee.prop
            return lambda env: _method(name, obj(env), [a(env) for a in args])  # type: ignore[misc]
        return None

    def member(self, node: ast.Member) -> VecEv | None:
        prop = node.prop
        if isinstance(prop, ast.Literal) and isinstance(prop.value, str):
            prop = prop.value
        if not isinstance(prop, str):
            return None
        if isinstance(node.obj, ast.Ident) and node.obj.name == "$json":
            self.columns.add(prop)
            return lambda env: _load(env, prop)
        if prop != "length":
            return None
        obj = self.compile(node.obj)
        if obj is None:
            return None

        def length(env: _Env) -> _V:
            v = obj(env)
            if v.kind != "str" or v.scalar:
                raise NotVectorizable
            # UTF-16 units, as JS counts: code points plus one per astral character
            units = pc.add(pc.utf8_length(v.value), pc.count_substring_regex(v.value, _ASTRAL))
            return _V("int", pc.cast(units, pa.int64()), False)

        return length

    @staticmethod
    def binary(op: str, left: VecEv, right: VecEv) -> VecEv:
        fold = BINARY[op]

        def ev(env: _Env) -> _V:
            a, b = left(env), right(env)
            if a.scalar and b.scalar:
                return _from_python(fold(a.value, b.value))
            if op in _COMPARE:
                return _compare(op, a, b)
            return _arith(op, a, b)

        return ev

    @staticmethod
    def unary(op: str, operand: VecEv) -> VecEv:
        fold = UNARY[op]

        def ev(env: _Env) -> _V:
            v = operand(env)
            if v.scalar:
                return _from_python(fold(v.value))
            if op == "!":
                return _V("bool", pc.invert(_truth(v)), False)
            kind = _numeric(v)
            if op == "+":
                return _V(kind, _arrow(v, kind), False)
            return _V(kind, pc.negate_checked(_arrow(v, kind)), False)

        return ev

    @staticmethod
    def logical(op: str, left: VecEv, right: VecEv) -> VecEv:
        def ev(env: _Env) -> _V:
            a = left(env)
            if op == "??":
                if a.scalar and a.value is None:
                    return right(env)
                return a  # columns never hold nulls here (see _load)
            b = right(env)
            cond = _truth(a)
            return _select(cond, b, a) if op == "&&" else _select(cond, a, b)

        return ev


class VectorPlan:
    """Evaluates one parameter over whole columns.

    `evaluate(column, length)` asks `column(name)` for each top-level `$json` key it reads
    (None when the column is missing or not plainly typed) and returns an Arrow array of
    `length` results, or raises NotVectorizable when only per-item evaluation would be
    exact. Integral results of `/` stay float64 here while the per-item path returns ints.
    """

    __slots__ = ("_ev", "columns")

    def __init__(self, ev: VecEv, columns: frozenset[str]) -> None:
        self._ev = ev
        self.columns = columns

    def evaluate(self, column: ColumnGetter, length: int) -> ArrowData:
        try:
            v = self._ev(_Env(column, length))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
            raise NotVectorizable(str(e)) from None
        if v.kind not in _ARROW_TYPE:
            raise NotVectorizable
        if v.scalar:
            return pa.repeat(_arrow(v), length)
        return v.value

    def __repr__(self) -> str:
        return f"VectorPlan(columns={sorted(self.columns)})"


def plan_for(node: ast.Node) -> VectorPlan | None:
    planner = _Planner()
    ev = planner.compile(node)
    if ev is None:
        return None
    return VectorPlan(ev, frozenset(planner.columns))
