"""One filter condition on one item, with the JavaScript semantics of n8n's filter parameter.

Mirrors packages/workflow/src/node-parameters/filter-parameter.ts and the parts of
type-validation.ts it uses: values are validated (strict) or converted (loose) to the
operator's type, then compared as JavaScript compares them.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from hetumind.errors import ExpressionError
from hetumind.expressions.regex import compile_js, regex_test
from hetumind.expressions.values import (
    UNDEFINED,
    HostObject,
    compare_lt,
    js_typeof,
    same_value_zero,
    strict_eq,
    stringify,
    to_number,
    to_string,
    truthy,
)

__all__ = [
    "UNARY_OPERATIONS",
    "FilterFailure",
    "FilterOptions",
    "condition_passes",
    "parse_value",
    "to_js_string",
]

UNARY_OPERATIONS = frozenset({"exists", "notExists", "empty", "notEmpty", "true", "false"})


@dataclass(frozen=True)
class FilterOptions:
    case_sensitive: bool = True
    strict: bool = True
    version: int = 1


class FilterFailure(Exception):
    """A condition cannot be evaluated for an item (n8n's FilterError)."""


def _nullish(v: Any) -> bool:
    return v is None or v is UNDEFINED


def to_js_string(v: Any) -> str:
    """n8n's tryToParseString: objects become JSON, the rest String(value)."""
    if isinstance(v, HostObject):
        v = v.to_json()
    if isinstance(v, dict | list):
        out = stringify(v)
        return out if isinstance(out, str) else ""
    if v is UNDEFINED:
        return ""
    return to_string(v)


def _parse_boolean(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    if not (isinstance(v, str) and v.strip() == ""):
        num = to_number(v)
        if num == 0:
            return False
        if num == 1:
            return True
    raise ValueError("not a boolean")


_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def parse_datetime(v: Any) -> datetime:
    """Luxon-ish parsing as n8n's tryToParseDateTime does: ISO, HTTP, RFC 2822, SQL."""
    if isinstance(v, datetime):
        return v if v.tzinfo else v.astimezone()
    if isinstance(v, HostObject):
        v = v.to_json()
    text = to_string(v).strip()
    m = _ISO_PARTIAL.match(text)
    if m:
        return datetime(int(m.group(1)), int(m.group(2) or 1), 1).astimezone()
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        parsed = datetime.fromisoformat(candidate)
        return parsed if parsed.tzinfo else parsed.astimezone()
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        pass
    raise ValueError("not a date")


def _parse_json_like(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(text.replace("'", '"'))


def _parse_object(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    parsed = _parse_json_like(to_string(v))
    if not isinstance(parsed, dict):
        raise ValueError("not an object")
    return parsed


def _parse_array(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    parsed = _parse_json_like(to_string(v))
    if not isinstance(parsed, list):
        raise ValueError("not an array")
    return parsed


def validate_field_type(value: Any, type_: str, strict: bool) -> tuple[bool, Any]:
    """n8n's validateFieldType(..., {strict, parseStrings: true}) for the filter's types."""
    if _nullish(value):
        return True, value
    kind = type_.lower()
    try:
        if kind == "string":
            if strict and not isinstance(value, str):
                return False, None
            return True, to_js_string(value)
        if kind == "number":
            if strict and js_typeof(value) != "number":
                return False, None
            num = to_number(value)
            if isinstance(num, float) and math.isnan(num):
                return False, None
            return True, num
        if kind == "boolean":
            if strict and not isinstance(value, bool):
                return False, None
            return True, _parse_boolean(value)
        if kind == "datetime":
            return True, parse_datetime(value)
        if kind == "object":
            if strict and not isinstance(value, dict | list):
                return False, None
            return True, _parse_object(value)
        if kind == "array":
            if strict and not isinstance(value, list):
                return False, None
            return True, _parse_array(value)
    except (ValueError, TypeError, OverflowError):
        return False, None
    return True, value


def parse_value(value: Any, type_: str, options: FilterOptions) -> tuple[bool, Any]:
    """n8n's parseSingleFilterValue."""
    if type_ == "any" or _nullish(value):
        return True, value
    if type_ == "boolean" and not options.strict:
        if options.version >= 2:
            ok, parsed = validate_field_type(value, type_, False)
            if ok:
                return True, parsed
        return True, truthy(value)
    if type_ == "number":
        if isinstance(value, float) and math.isnan(value):
            return True, value
        empty = (isinstance(value, str) and value.strip() == "") or value == []
        if empty and options.version >= 3:
            return True, None
    return validate_field_type(value, type_, options.strict)


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _type_error(
    expected: str, value: Any, options: FilterOptions, condition_index: int, item_index: int
) -> str:
    suffix = f"[condition {condition_index}, item {item_index}]"
    from_type = js_typeof(value).lower()
    shown = to_string(value)
    if options.strict:
        return (
            f"Wrong type: '{shown}' is {_article(from_type)} but was expecting "
            f"{_article(expected)} {suffix}"
        )
    return (
        f"Conversion error: the {from_type} '{shown}' can't be converted to "
        f"{_article(expected)} {suffix}"
    )


def condition_passes(
    op_type: str,
    operation: str,
    right_type: str,
    single_value: bool,
    left_raw: Any,
    right_raw: Any,
    options: FilterOptions,
    *,
    condition_index: int = 0,
    item_index: int = 0,
) -> bool:
    """n8n's executeFilterCondition for one item; raises FilterFailure on type errors."""
    left_ok, left = parse_value(left_raw, op_type, options)
    right_parsed, right = parse_value(right_raw, right_type, options)
    right_ok = right_parsed or single_value
    if not left_ok and not right_ok and js_typeof(left_raw) == js_typeof(right_raw):
        raise FilterFailure(
            f"Comparison type expects {_article(op_type)} but both fields are "
            f"{_article(js_typeof(left_raw))}"
        )
    if not left_ok:
        raise FilterFailure(_type_error(op_type, left_raw, options, condition_index, item_index))
    if not right_ok:
        raise FilterFailure(
            _type_error(right_type, right_raw, options, condition_index, item_index)
        )
    if not right_parsed:
        right = UNDEFINED

    exists = not _nullish(left) and not (isinstance(left, float) and math.isnan(left))
    if operation == "exists":
        return exists
    if operation == "notExists":
        return not exists
    ignore_case = not options.case_sensitive
    if op_type == "string":
        return _string(operation, left, right, ignore_case)
    if op_type == "number":
        return _number(operation, left, right, exists)
    if op_type == "dateTime":
        return _datetime(operation, left, right, exists)
    if op_type == "boolean":
        return _boolean(operation, left, right, exists)
    if op_type == "array":
        return _array(operation, left, right, ignore_case)
    if op_type == "object":
        if operation == "empty":
            return not truthy(left) or len(_keys(left)) == 0
        if operation == "notEmpty":
            return truthy(left) and len(_keys(left)) != 0
    return False


def _keys(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return list(v)
    if isinstance(v, list | str):
        return list(range(len(v)))
    return []


def _string(operation: str, left: Any, right: Any, ignore_case: bool) -> bool:
    regex = operation in ("regex", "notRegex")
    if ignore_case and not regex:
        left = left.lower() if isinstance(left, str) else left
        right = right.lower() if isinstance(right, str) else right
    lhs = "" if _nullish(left) else to_js_string(left)
    rhs = "" if _nullish(right) else to_js_string(right)
    match operation:
        case "empty":
            return len(lhs) == 0
        case "notEmpty":
            return len(lhs) != 0
        case "equals":
            return lhs == rhs
        case "notEquals":
            return lhs != rhs
        case "contains":
            return rhs in lhs
        case "notContains":
            return rhs not in lhs
        case "startsWith":
            return lhs.startswith(rhs)
        case "notStartsWith":
            return not lhs.startswith(rhs)
        case "endsWith":
            return lhs.endswith(rhs)
        case "notEndsWith":
            return not lhs.endswith(rhs)
        case "regex":
            return _regex_matches(rhs, lhs, ignore_case)
        case "notRegex":
            return not _regex_matches(rhs, lhs, ignore_case)
    return False


_REGEX_LITERAL = re.compile(r"^/(.*?)/([gimusy]*)$", re.DOTALL)


@lru_cache(maxsize=256)
def _regex(pattern: str, ignore_case: bool) -> tuple[str, str]:
    """n8n's parseRegexPattern: `/source/flags` or a bare source, checked to compile."""
    m = _REGEX_LITERAL.match(pattern)
    source, flags = (m.group(1), m.group(2)) if m else (pattern, "")
    if ignore_case and "i" not in flags:
        flags += "i"
    try:
        compile_js(source, flags)
    except re.error as exc:
        raise FilterFailure(f"Invalid regular expression: /{source}/{flags}: {exc}") from None
    return source, flags


def _regex_matches(pattern: str, subject: str, ignore_case: bool) -> bool:
    """Whether `subject` matches, under the expression language's regex time limit: a
    catastrophic pattern fails the item instead of holding the worker."""
    source, flags = _regex(pattern, ignore_case)
    try:
        return regex_test(source, subject, flags)
    except ExpressionError as exc:
        raise FilterFailure(exc.message) from None


def _js_gt(a: Any, b: Any) -> bool:
    return compare_lt(b, a) is True


def _js_ge(a: Any, b: Any) -> bool:
    r = compare_lt(a, b)
    return r is False


def _number(operation: str, left: Any, right: Any, exists: bool) -> bool:
    left = None if left is UNDEFINED else left
    right = None if right is UNDEFINED else right
    match operation:
        case "empty":
            return not exists
        case "notEmpty":
            return exists
        case "equals":
            return strict_eq(left, right)
        case "notEquals":
            return not strict_eq(left, right)
        case "gt":
            return _js_gt(left, right)
        case "lt":
            return compare_lt(left, right) is True
        case "gte":
            return _js_ge(left, right)
        case "lte":
            return _js_ge(right, left)
    return False


def _millis(v: datetime) -> float:
    return v.timestamp() * 1000


def _datetime(operation: str, left: Any, right: Any, exists: bool) -> bool:
    if operation == "empty":
        return not exists
    if operation == "notEmpty":
        return exists
    if not isinstance(left, datetime) or not isinstance(right, datetime):
        return False
    lm, rm = round(_millis(left)), round(_millis(right))
    match operation:
        case "equals":
            return lm == rm
        case "notEquals":
            return lm != rm
        case "after":
            return lm > rm
        case "before":
            return lm < rm
        case "afterOrEquals":
            return lm >= rm
        case "beforeOrEquals":
            return lm <= rm
    return False


def _boolean(operation: str, left: Any, right: Any, exists: bool) -> bool:
    match operation:
        case "empty":
            return not exists
        case "notEmpty":
            return exists
        case "true":
            return truthy(left)
        case "false":
            return not truthy(left)
        case "equals":
            return strict_eq(_undef_to_none(left), _undef_to_none(right))
        case "notEquals":
            return not strict_eq(_undef_to_none(left), _undef_to_none(right))
    return False


def _undef_to_none(v: Any) -> Any:
    return None if v is UNDEFINED else v


def _contains(array: list[Any], value: Any, ignore_case: bool) -> bool:
    if ignore_case and isinstance(value, str):
        low = value.lower()
        return any(isinstance(item, str) and item.lower() == low for item in array)
    return any(same_value_zero(item, value) for item in array)


def _array(operation: str, left: Any, right: Any, ignore_case: bool) -> bool:
    items: Any = [] if _nullish(left) else left
    length = len(items) if isinstance(items, list | str | dict) else 0
    match operation:
        case "contains":
            return isinstance(items, list) and _contains(items, right, ignore_case)
        case "notContains":
            return not (isinstance(items, list) and _contains(items, right, ignore_case))
        case "empty":
            return length == 0
        case "notEmpty":
            return length != 0
    if operation.startswith("length"):
        r = None if right is UNDEFINED else right
        compare = {
            "lengthEquals": lambda: strict_eq(length, r),
            "lengthNotEquals": lambda: not strict_eq(length, r),
            "lengthGt": lambda: _js_gt(length, r),
            "lengthLt": lambda: compare_lt(length, r) is True,
            "lengthGte": lambda: _js_ge(length, r),
            "lengthLte": lambda: _js_ge(r, length),
        }.get(operation)
        return bool(compare()) if compare else False
    return False
