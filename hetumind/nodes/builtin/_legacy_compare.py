"""The compare operations of n8n's first-generation If, Filter and Switch nodes.

If 1, Filter 1 and Switch 1/2 compare `value1` with `value2` using plain JavaScript
operators rather than the typed filter engine of the 2.x/3.x versions: `(a || 0) > (b || 0)`
for numbers and dates, `===` for equality, `toString().includes` for "contains", and
`value1.endsWith` (which throws on a non-string). Dates are first turned into epoch
milliseconds as `new Date(text).getTime()` does, and an unreadable date fails the node.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hetumind.errors import ExpressionError, HetumindError
from hetumind.expressions.regex import compile_js, regex_test
from hetumind.expressions.values import (
    UNDEFINED,
    compare_lt,
    js_typeof,
    strict_eq,
    to_string,
    truthy,
)

__all__ = ["LegacyCompareError", "compare", "to_epoch_ms"]

_REGEX_LITERAL = re.compile(r"^/(.*?)/([gimusy]*)$", re.DOTALL)


class LegacyCompareError(HetumindError):
    """A value the legacy operators cannot compare (n8n throws the same message)."""


def _or(value: Any, fallback: Any) -> Any:
    return value if truthy(value) else fallback


def _gt(a: Any, b: Any) -> bool:
    return compare_lt(_or(b, 0), _or(a, 0)) is True


def _ge(a: Any, b: Any) -> bool:
    return compare_lt(_or(a, 0), _or(b, 0)) is False


def _lt(a: Any, b: Any) -> bool:
    return compare_lt(_or(a, 0), _or(b, 0)) is True


def _le(a: Any, b: Any) -> bool:
    return compare_lt(_or(b, 0), _or(a, 0)) is False


def _text(value: Any) -> str:
    """`(value || '').toString()`."""
    return to_string(_or(value, ""))


def _string_method(value: Any, name: str) -> str:
    if js_typeof(value) != "string":
        shown = "undefined" if value is UNDEFINED else js_typeof(value)
        raise LegacyCompareError(f"value1.{name} is not a function (value1 is {shown})")
    return str(value)


def _starts(a: Any, b: Any) -> bool:
    return _string_method(a, "startsWith").startswith(to_string(b))


def _ends(a: Any, b: Any) -> bool:
    return _string_method(a, "endsWith").endswith(to_string(b))


def _empty(value: Any) -> bool:
    if value is None or value is UNDEFINED or (value == "" and isinstance(value, str)):
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, dict | list):
        return len(value) == 0
    return False


def _regex(value: Any, pattern: Any) -> bool:
    literal = _text(pattern)
    m = _REGEX_LITERAL.match(literal)
    source, flags = (m.group(1), m.group(2)) if m else (literal, "")
    flags = flags.replace("g", "").replace("y", "")
    try:
        compile_js(source, flags)
    except re.error as exc:
        raise LegacyCompareError(f"Invalid regular expression: /{source}/: {exc}") from None
    try:  # under the expression language's time limit, not for as long as it takes
        return regex_test(source, _text(value), flags)
    except ExpressionError as exc:
        raise LegacyCompareError(exc.message) from None


_OPERATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "after": _gt,
    "before": _lt,
    "larger": _gt,
    "largerEqual": _ge,
    "smaller": _lt,
    "smallerEqual": _le,
    "equal": strict_eq,
    "notEqual": lambda a, b: not strict_eq(a, b),
    "contains": lambda a, b: _text(b) in _text(a),
    "notContains": lambda a, b: _text(b) not in _text(a),
    "startsWith": _starts,
    "notStartsWith": lambda a, b: not _starts(a, b),
    "endsWith": _ends,
    "notEndsWith": lambda a, b: not _ends(a, b),
    "isEmpty": lambda a, _b: _empty(a),
    "isNotEmpty": lambda a, _b: not _empty(a),
    "regex": _regex,
    "notRegex": lambda a, b: not _regex(a, b),
}


def compare(
    operation: str,
    value1: Any,
    value2: Any,
    allowed: frozenset[str] | None = None,
    entry: str = "compareData",
) -> bool:
    """Apply a legacy operation; an unknown one fails with V8's message for n8n's lookup
    (`entry` names the variable n8n's code reads the operation from)."""
    op = _OPERATIONS.get(operation)
    if op is None or (allowed is not None and operation not in allowed):
        raise LegacyCompareError(f"compareOperationFunctions[{entry}.operation] is not a function")
    return op(value1, value2)


def _parse_js_date(text: str) -> float:
    s = text.strip()
    if not s:
        return math.nan
    iso = s.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", s) else s
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            dt = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return math.nan
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # the oracle, like most servers, runs in UTC
    return dt.timestamp() * 1000


def to_epoch_ms(value: Any) -> float:
    """`convertDateTime`: a date text or epoch number as milliseconds, or an error."""
    result = math.nan
    if isinstance(value, str):
        result = _parse_js_date(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    if math.isnan(result):
        shown = "undefined" if value is UNDEFINED else to_string(value)
        raise LegacyCompareError(f'The value "{shown}" is not a valid DateTime.')
    return int(result) if result.is_integer() else result
