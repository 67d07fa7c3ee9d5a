"""n8n's "filter" parameter: conditions with typed operators, shared by If, Filter and Switch.

A filter value looks like ``{"options": {"caseSensitive", "typeValidation": "strict"|"loose",
"version"}, "conditions": [{"leftValue", "rightValue", "operator": {"type", "operation",
"rightType"?, "singleValue"?}}], "combinator": "and"|"or"}``.

`evaluate_filter` decides a whole batch at once. Each condition whose left side is a typed
Arrow column (a vectorized expression) compared with a constant runs in `pyarrow.compute`;
every other condition runs item by item with n8n's JavaScript semantics
(`filter_values.py`). Both paths give the same answer; tests compare them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.builtin.filter_values import (
    UNARY_OPERATIONS,
    FilterFailure,
    FilterOptions,
    condition_passes,
    parse_value,
)

__all__ = [
    "FilterOptions",
    "FilterOutcome",
    "constant_mask",
    "evaluate_filter",
    "filter_options",
    "first_error",
]


@dataclass
class FilterOutcome:
    """Per item: whether the filter passed, and the error message where it failed."""

    passed: pa.BooleanArray
    errors: dict[int, str] = field(default_factory=dict)


def filter_options(raw_filter: Mapping[str, Any]) -> FilterOptions:
    """The options n8n runs the filter with: those saved in the filter value itself.

    n8n: `ignoreCase = !options.caseSensitive`, `strict = typeValidation === 'strict'`,
    `version` defaults to 1. Missing options therefore mean case-insensitive and loose.
    """
    opts = raw_filter.get("options") if isinstance(raw_filter, Mapping) else None
    opts = opts if isinstance(opts, Mapping) else {}
    version = opts.get("version", 1)
    return FilterOptions(
        case_sensitive=bool(opts.get("caseSensitive", False)),
        strict=opts.get("typeValidation") == "strict",
        version=int(version) if isinstance(version, int | float) else 1,
    )


def first_error(outcome: FilterOutcome) -> tuple[int, str] | None:
    if not outcome.errors:
        return None
    index = min(outcome.errors)
    return index, outcome.errors[index]


@dataclass
class _Condition:
    index: int
    left: Any
    right: Any
    type: str
    operation: str
    right_type: str
    single_value: bool


def _conditions(raw_filter: Mapping[str, Any]) -> list[_Condition]:
    out = []
    for index, raw in enumerate(raw_filter.get("conditions") or []):
        if not isinstance(raw, Mapping):
            continue
        operator = raw.get("operator") or {}
        op_type = str(operator.get("type", "string"))
        operation = str(operator.get("operation", "equals"))
        right_type = operator.get("rightType") or _default_right_type(op_type, operation)
        out.append(
            _Condition(
                index=index,
                left=raw.get("leftValue", ""),
                right=raw.get("rightValue", ""),
                type=op_type,
                operation=operation,
                right_type=str(right_type),
                # n8n's editor marks unary operators singleValue; trust the operation too,
                # so a hand-written workflow without the flag does not fail on rightValue.
                single_value=bool(operator.get("singleValue")) or operation in UNARY_OPERATIONS,
            )
        )
    return out


def _default_right_type(op_type: str, operation: str) -> str:
    # What n8n's editor stores as operator.rightType for these operators.
    if op_type == "array" and operation in ("contains", "notContains"):
        return "any"
    if op_type == "array" and operation.startswith("length"):
        return "number"
    return op_type


def evaluate_filter(
    ctx: NodeContext,
    batch: ItemBatch,
    raw_filter: Any,
    parameter: str,
    options: FilterOptions,
    *,
    vectorize: bool = True,
) -> FilterOutcome:
    """Evaluate the filter at raw parameter `raw_filter` for every item of `batch`.

    `parameter` is the filter's parameter path (for error messages). Expression errors
    and type errors are reported per item in `FilterOutcome.errors`, never raised, so the
    caller can apply n8n's continue-on-fail rule for its node.
    """
    n = len(batch)
    if not isinstance(raw_filter, Mapping):
        return FilterOutcome(constant_mask(True, n))
    combinator = raw_filter.get("combinator", "and")
    conditions = _conditions(raw_filter)
    errors: dict[int, str] = {}
    if combinator not in ("and", "or"):
        return FilterOutcome(constant_mask(False, n))

    acc: Any = constant_mask(combinator == "and", n)
    for cond in conditions:
        path = f"{parameter}.conditions.{cond.index}"
        left, left_errors = _column(ctx, batch, cond.left, f"{path}.leftValue")
        right_errors: dict[int, str] = {}
        if cond.single_value and not _is_expression(cond.right):
            right: Any = cond.right
        elif _is_expression(cond.right):
            right, right_errors = _column(ctx, batch, cond.right, f"{path}.rightValue")
        else:
            right = cond.right
        # Expressions resolve before the filter runs, so their errors count for every item.
        for i, msg in {**right_errors, **left_errors}.items():
            errors.setdefault(i, msg)
        reached = acc if combinator == "and" else pc.invert(acc)
        result = None
        if vectorize and not left_errors and not right_errors:
            result = _vectorized(cond, left, right, options)
        if result is None:
            result, failures = _row_wise(cond, left, right, options, n, reached)
            for i, msg in failures.items():
                errors.setdefault(i, msg)
        acc = pc.and_(acc, result) if combinator == "and" else pc.or_(acc, result)
    if errors:
        mask = [i not in errors for i in range(n)]
        acc = pc.and_(acc, pa.array(mask, pa.bool_()))
    return FilterOutcome(_plain_bool(acc), errors)


def constant_mask(value: bool, n: int) -> pa.BooleanArray:
    """n copies of one boolean, without building a Python list."""
    return pc.fill_null(pa.nulls(n, pa.bool_()), value)


def _plain_bool(arr: Any) -> pa.BooleanArray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.fill_null(arr, False)


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _column(
    ctx: NodeContext, batch: ItemBatch, raw: Any, parameter: str
) -> tuple[Any, dict[int, str]]:
    """Values of one side of a condition: an Arrow array, a Python list, or a constant."""
    if not _is_expression(raw):
        return raw, {}
    try:
        column = ctx.evaluate_column(raw, parameter, batch)
        return (_PerItem(column) if isinstance(column, list) else column), {}
    except HetumindError:
        pass
    # Some item fails: evaluate item by item so the others still get their answer.
    values = _PerItem()
    errors: dict[int, str] = {}
    for i in range(len(batch)):
        try:
            values.append(ctx.evaluate(raw, i, parameter))
        except HetumindError as exc:  # expression errors' messages say parameter and position
            values.append(None)
            errors[i] = exc.message
    return values, errors


def _row_wise(
    cond: _Condition,
    left: Any,
    right: Any,
    options: FilterOptions,
    n: int,
    reached: Any,
) -> tuple[pa.BooleanArray, dict[int, str]]:
    reached_mask = _plain_bool(reached)
    if not pc.any(reached_mask).as_py():
        return constant_mask(False, n), {}
    lefts = _as_list(left, n)
    rights = _as_list(right, n)
    reached_list = reached_mask.to_pylist()
    out: list[bool] = []
    failures: dict[int, str] = {}
    for i in range(n):
        if not reached_list[i]:
            out.append(False)
            continue
        try:
            out.append(
                condition_passes(
                    cond.type,
                    cond.operation,
                    cond.right_type,
                    cond.single_value,
                    lefts[i],
                    rights[i],
                    options,
                    condition_index=cond.index,
                    item_index=i,
                )
            )
        except FilterFailure as exc:
            failures[i] = str(exc)
            out.append(False)
    return pa.array(out, pa.bool_()), failures


class _PerItem(list[Any]):
    """One value per item, from an expression that did not vectorize."""


def _as_list(values: Any, n: int) -> list[Any]:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return list(values.to_pylist())
    if isinstance(values, _PerItem):
        return list(values)
    return [values] * n


# vectorized path -----------------------------------------------------------------------------

_NUMBER_OPS = {"equals", "notEquals", "gt", "lt", "gte", "lte"}
_STRING_OPS = {
    "equals",
    "notEquals",
    "contains",
    "notContains",
    "startsWith",
    "notStartsWith",
    "endsWith",
    "notEndsWith",
}


def _vectorized(
    cond: _Condition, left: Any, right: Any, options: FilterOptions
) -> pa.BooleanArray | None:
    """The condition over a typed column, or None when only the row-wise path applies."""
    if not isinstance(left, pa.Array | pa.ChunkedArray):
        return None
    if isinstance(right, pa.Array | pa.ChunkedArray | _PerItem):
        return None
    col = left.combine_chunks() if isinstance(left, pa.ChunkedArray) else left
    typ = col.type
    op = cond.operation
    if op in ("exists", "notExists"):
        exists = pc.is_valid(col)
        if pa.types.is_floating(typ):
            exists = pc.and_(exists, pc.invert(pc.fill_null(pc.is_nan(col), False)))
        return _plain_bool(exists if op == "exists" else pc.invert(exists))
    if cond.type == "number" and _is_number_type(typ):
        return _number(col, op, right, cond, options)
    if cond.type == "string" and (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
        return _string(col, op, right, cond, options)
    if cond.type == "boolean" and pa.types.is_boolean(typ):
        return _boolean(col, op, right, cond, options)
    if cond.type == "array" and (pa.types.is_list(typ) or pa.types.is_large_list(typ)):
        return _array(col, op, right, cond, options)
    return None


def _finite_number(value: Any) -> bool:
    return type(value) in (int, float) and not (isinstance(value, float) and math.isnan(value))


def _is_number_type(typ: pa.DataType) -> bool:
    return pa.types.is_integer(typ) or pa.types.is_floating(typ)


def _constant(cond: _Condition, right: Any, options: FilterOptions) -> tuple[bool, Any]:
    """The parsed right value, or (False, None) when the row-wise path must report it."""
    if cond.single_value:
        return True, None
    ok, value = parse_value(right, cond.right_type, options)
    return ok, value


def _number(
    col: pa.Array, op: str, right: Any, cond: _Condition, options: FilterOptions
) -> pa.BooleanArray | None:
    exists = pc.is_valid(col)
    if pa.types.is_floating(col.type):
        exists = pc.and_(exists, pc.invert(pc.fill_null(pc.is_nan(col), False)))
    if op == "empty":
        return _plain_bool(pc.invert(exists))
    if op == "notEmpty":
        return _plain_bool(exists)
    if op not in _NUMBER_OPS:
        return None
    ok, value = _constant(cond, right, options)
    if not ok or not _finite_number(value):
        return None
    scalar = pa.scalar(value)
    if op == "equals":
        return _plain_bool(pc.equal(col, scalar))
    if op == "notEquals":
        return _plain_bool(pc.invert(pc.fill_null(pc.equal(col, scalar), False)))
    # JS relational operators treat null as 0.
    filled = pc.fill_null(col, pa.scalar(0, col.type))
    fn = {"gt": pc.greater, "lt": pc.less, "gte": pc.greater_equal, "lte": pc.less_equal}[op]
    return _plain_bool(fn(filled, scalar))


def _string(
    col: pa.Array, op: str, right: Any, cond: _Condition, options: FilterOptions
) -> pa.BooleanArray | None:
    filled = pc.fill_null(col, "")
    if op == "empty":
        return _plain_bool(pc.equal(pc.utf8_length(filled), 0))
    if op == "notEmpty":
        return _plain_bool(pc.not_equal(pc.utf8_length(filled), 0))
    if op not in _STRING_OPS:
        return None
    ok, value = _constant(cond, right, options)
    if not ok or not (value is None or isinstance(value, str)):
        return None
    needle = value or ""
    if not options.case_sensitive:
        filled = pc.utf8_lower(filled)
        needle = needle.lower()
    base = op[3].lower() + op[4:] if op.startswith("not") else op
    if base == "equals":
        result = pc.equal(filled, needle)
    elif base == "contains":
        result = pc.match_substring(filled, needle)
    elif base == "startsWith":
        result = pc.starts_with(filled, needle)
    else:
        result = pc.ends_with(filled, needle)
    return _plain_bool(pc.invert(result) if op.startswith("not") else result)


def _boolean(
    col: pa.Array, op: str, right: Any, cond: _Condition, options: FilterOptions
) -> pa.BooleanArray | None:
    if op in ("empty", "notEmpty"):
        exists = pc.is_valid(col)
        return _plain_bool(pc.invert(exists) if op == "empty" else exists)
    if op == "true":
        return _plain_bool(pc.fill_null(col, False))
    if op == "false":
        return _plain_bool(pc.fill_null(pc.invert(col), True))
    if op not in ("equals", "notEquals"):
        return None
    ok, value = _constant(cond, right, options)
    if not ok or not isinstance(value, bool):
        return None
    eq = pc.fill_null(pc.equal(col, value), False)
    return _plain_bool(eq if op == "equals" else pc.invert(eq))


def _array(
    col: pa.Array, op: str, right: Any, cond: _Condition, options: FilterOptions
) -> pa.BooleanArray | None:
    lengths = pc.fill_null(pc.list_value_length(col), 0)
    if op == "empty":
        return _plain_bool(pc.equal(lengths, 0))
    if op == "notEmpty":
        return _plain_bool(pc.not_equal(lengths, 0))
    fns = {
        "lengthEquals": pc.equal,
        "lengthNotEquals": pc.not_equal,
        "lengthGt": pc.greater,
        "lengthLt": pc.less,
        "lengthGte": pc.greater_equal,
        "lengthLte": pc.less_equal,
    }
    if op not in fns:
        return None
    ok, value = _constant(cond, right, options)
    if not ok or not _finite_number(value):
        return None
    return _plain_bool(fns[op](lengths, pa.scalar(value)))
