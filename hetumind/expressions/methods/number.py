"""Number and boolean methods (JS's own plus n8n's extensions)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from hetumind.expressions.datetime import DateTime
from hetumind.expressions.methods._args import arg, int_arg
from hetumind.expressions.values import (
    UNDEFINED,
    EvalError,
    norm_number,
    number_to_string,
    to_number,
    to_string,
)

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Method

__all__ = ["BOOLEAN_METHODS", "NUMBER_METHODS", "js_round"]

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def js_round(x: float | int) -> float | int:
    """Math.round: halves go towards +Infinity."""
    if type(x) is int or not math.isfinite(x):
        return x
    return norm_number(math.floor(x + 0.5))


def to_fixed(x: float | int, digits: int) -> str:
    if not 0 <= digits <= 100:
        raise EvalError("toFixed() digits argument must be between 0 and 100")
    if not math.isfinite(x) or abs(x) >= 1e21:
        return number_to_string(x)
    q = Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{q:f}"
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def _to_precision(x: float | int, args: list[Any]) -> str:
    if arg(args, 0) is UNDEFINED or not math.isfinite(x):
        return number_to_string(x)
    p = int_arg(args, 0, 1)
    if not 1 <= p <= 100:
        raise EvalError("toPrecision() argument must be between 1 and 100")
    if x == 0:
        return "0" if p == 1 else "0." + "0" * (p - 1)
    d = Decimal(x)
    e = d.adjusted()
    q = d.quantize(Decimal(1).scaleb(e - p + 1), rounding=ROUND_HALF_UP)
    if q.adjusted() != e:  # rounding carried into a new digit (9.99 -> 10.0)
        e = q.adjusted()
        q = d.quantize(Decimal(1).scaleb(e - p + 1), rounding=ROUND_HALF_UP)
    if e < -6 or e >= p:
        sign, digits, _ = q.as_tuple()
        s = "".join(map(str, digits))[:p].ljust(p, "0")
        mantissa = s[0] + ("." + s[1:] if p > 1 else "")
        return ("-" if sign else "") + f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return f"{q:f}"


def _to_radix(x: float | int, args: list[Any]) -> str:
    radix = int_arg(args, 0, 10)
    if not 2 <= radix <= 36:
        raise EvalError("toString() radix must be between 2 and 36")
    if radix == 10 or not math.isfinite(x):
        return number_to_string(x)
    negative, x = x < 0, abs(x)
    whole = int(x)
    frac = x - whole
    out = ""
    while True:
        whole, r = divmod(whole, radix)
        out = _DIGITS[r] + out
        if not whole:
            break
    if frac:
        out += "."
        for _ in range(52):
            frac *= radix
            digit = int(frac)
            out += _DIGITS[digit]
            frac -= digit
            if not frac:
                break
    return ("-" if negative else "") + out


def _round(x: float | int, args: list[Any]) -> float | int:
    # n8n's round() is `+value.toFixed(decimalPlaces)`: halves go away from zero.
    return to_number(to_fixed(x, int_arg(args, 0, 0)))


# (group separator, decimal separator, minimum digits before grouping applies)
_LOCALES: dict[str, tuple[str, str, int]] = {
    "en": (",", ".", 1), "de": (".", ",", 1), "fr": ("\u202f", ",", 1), "es": (".", ",", 2),
    "it": (".", ",", 1), "pt": (".", ",", 1), "nl": (".", ",", 1), "ru": ("\u00a0", ",", 1),
    "pl": ("\u00a0", ",", 2), "sv": ("\u00a0", ",", 1), "ja": (",", ".", 1), "zh": (",", ".", 1),
    "de-CH": ("\u2019", ".", 1), "pt-PT": ("\u00a0", ",", 2), "en-IN": (",", ".", 1),
}  # fmt: skip


def _format(x: float | int, args: list[Any]) -> str:
    """Intl.NumberFormat(locale, {minimumFractionDigits, maximumFractionDigits,
    useGrouping, style: 'percent'}).format(x) for common locales (en-US by default)."""
    locale = "en-US" if arg(args, 0) is UNDEFINED else to_string(arg(args, 0))
    opts = arg(args, 1) if type(arg(args, 1)) is dict else {}
    group, point, min_group = (
        _LOCALES.get(locale) or _LOCALES.get(locale.split("-")[0]) or (_LOCALES["en"])
    )
    if not math.isfinite(x):
        return "NaN" if x != x else ("∞" if x > 0 else "-∞")
    percent = opts.get("style") == "percent"
    if percent:
        x = x * 100
    min_fd = int(to_number(opts.get("minimumFractionDigits", 0)))
    max_fd = int(to_number(opts.get("maximumFractionDigits", max(min_fd, 0 if percent else 3))))
    max_fd = max(max_fd, min_fd)
    text = (
        f"{Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-max_fd), rounding=ROUND_HALF_UP):f}"
    )
    whole, _, frac = text.lstrip("-").partition(".")
    frac = frac.rstrip("0")
    frac = frac + "0" * (min_fd - len(frac))
    if opts.get("useGrouping", True) is not False and len(whole) >= 4 + (min_group - 1):
        head = len(whole) % 3 or 3
        whole = whole[:head] + "".join(group + whole[i : i + 3] for i in range(head, len(whole), 3))
    out = whole + (point + frac if frac else "")
    negative = text.startswith("-") and any(c not in "0." for c in text[1:])
    return ("-" if negative else "") + out + ("%" if percent else "")


def _parity(x: float | int, want_even: bool) -> bool:
    if type(x) is float and not x.is_integer():
        raise EvalError("isEven()/isOdd() need an integer")
    return (int(x) % 2 == 0) == want_even


def _to_datetime(x: float | int, args: list[Any]) -> DateTime:
    fmt = "ms" if arg(args, 0) is UNDEFINED else to_string(arg(args, 0))
    seconds = x / 1000 if fmt == "ms" else x
    try:
        return DateTime(datetime.fromtimestamp(seconds, UTC))
    except (OverflowError, ValueError, OSError):
        raise EvalError("number is out of the DateTime range") from None


NUMBER_METHODS: dict[str, Method] = {
    "toFixed": lambda rt, x, a: to_fixed(x, int_arg(a, 0, 0)),
    "toString": lambda rt, x, a: _to_radix(x, a),
    "toPrecision": lambda rt, x, a: _to_precision(x, a),
    "toLocaleString": lambda rt, x, a: _format(x, a),
    "valueOf": lambda rt, x, a: x,
    # n8n extensions
    "round": lambda rt, x, a: _round(x, a),
    "floor": lambda rt, x, a: x if not math.isfinite(x) else norm_number(math.floor(x)),
    "ceil": lambda rt, x, a: x if not math.isfinite(x) else norm_number(math.ceil(x)),
    "abs": lambda rt, x, a: abs(x),
    "toInt": lambda rt, x, a: js_round(x),
    "toFloat": lambda rt, x, a: x,
    "toNumber": lambda rt, x, a: x,
    "toBoolean": lambda rt, x, a: x != 0 and x == x,
    "isEven": lambda rt, x, a: _parity(x, True),
    "isOdd": lambda rt, x, a: _parity(x, False),
    "isInteger": lambda rt, x, a: type(x) is int or (math.isfinite(x) and x.is_integer()),
    "format": lambda rt, x, a: _format(x, a),
    "toDateTime": lambda rt, x, a: _to_datetime(x, a),
}

BOOLEAN_METHODS: dict[str, Method] = {
    "toString": lambda rt, b, a: "true" if b else "false",
    "valueOf": lambda rt, b, a: b,
    "toInt": lambda rt, b, a: 1 if b else 0,
    "toNumber": lambda rt, b, a: 1 if b else 0,
    "toFloat": lambda rt, b, a: 1 if b else 0,
    "toBoolean": lambda rt, b, a: b,
    "toDateTime": lambda rt, b, a: UNDEFINED,
}
