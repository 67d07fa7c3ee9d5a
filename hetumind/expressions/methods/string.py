"""String methods: JS's own plus n8n's data-transformation extensions.

Strings are Python strings, so indexes count code points, not UTF-16 units (they differ
only for characters outside the Basic Multilingual Plane, such as emoji); `.length` alone
counts UTF-16 units as JavaScript does (`values.js_length`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
import unicodedata
import urllib.parse
from typing import TYPE_CHECKING, Any

from hetumind.expressions.datetime import DateTime, parse_datetime
from hetumind.expressions.methods._args import arg, int_arg, relative_index
from hetumind.expressions.regex import JsRegExp, js_replace, match_array
from hetumind.expressions.values import (
    MAX_ARRAY_LENGTH,
    MAX_STRING_LENGTH,
    UNDEFINED,
    EvalError,
    check_string,
    norm_number,
    string_to_number,
    to_integer,
    to_string,
)

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Method, Runtime

__all__ = ["STRING_METHODS", "encode_uri_component", "parse_float", "parse_int"]

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")  # fmt: skip
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "en",
        "for",
        "if",
        "in",
        "nor",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "v",
        "v.",
        "via",
        "vs",
        "vs.",
    ]
)
# JS WhiteSpace + LineTerminator; Python's own strip() also removes \x1c-\x1f.
_JS_SPACE = (
    " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_HASHES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3-256", "sha3-512")


def _regexp(value: Any) -> JsRegExp:
    if isinstance(value, JsRegExp):
        return value
    return JsRegExp.create(re.escape(to_string(value)) if value is not UNDEFINED else "", "")


def _split(rt: Runtime, s: str, args: list[Any]) -> list[Any]:
    sep, limit = arg(args, 0), arg(args, 1)
    cap = MAX_ARRAY_LENGTH if limit is UNDEFINED else max(to_integer(limit), 0)
    if sep is UNDEFINED:
        parts = [s]
    elif isinstance(sep, JsRegExp):
        parts = [UNDEFINED if p is None else p for p in sep.split(rt, s)]
        if s and sep.matches_empty() and len(parts) >= 2:
            # Python splits an empty match at both ends too; JS does not.
            parts = parts[1:-1]
    else:
        sep_s = to_string(sep)
        if sep_s == "" and min(len(s), cap) > MAX_ARRAY_LENGTH:
            raise EvalError("RangeError: Invalid array length")
        parts = (
            list(s[:cap])
            if sep_s == ""
            else s.split(sep_s, cap)
            if cap < len(s)
            else s.split(sep_s)
        )
    if len(parts) > MAX_ARRAY_LENGTH:
        raise EvalError("RangeError: Invalid array length")
    return parts[:cap]


def _match(rt: Runtime, s: str, args: list[Any]) -> Any:
    regex = _regexp(arg(args, 0))
    if regex.is_global:
        found = []
        for m in regex.finditer(rt, s):
            found.append(m.group(0))
            if len(found) > MAX_ARRAY_LENGTH:
                raise EvalError("RangeError: Invalid array length")
        return found or None
    m = regex.search(rt, s)
    return match_array(m) if m else None


def _index_of(s: str, args: list[Any]) -> int:
    return s.find(to_string(arg(args, 0)), max(int_arg(args, 1, 0), 0))


def _last_index_of(s: str, args: list[Any]) -> int:
    end = int_arg(args, 1, len(s))
    sub = to_string(arg(args, 0))
    return s.rfind(sub, 0, max(end, 0) + len(sub))


def _slice(s: str, args: list[Any]) -> str:
    n = len(s)
    start = relative_index(int_arg(args, 0, 0), n)
    end = relative_index(int_arg(args, 1, n), n)
    return s[start:end]


def _substring(s: str, args: list[Any]) -> str:
    n = len(s)
    a = min(max(int_arg(args, 0, 0), 0), n)
    b = min(max(int_arg(args, 1, n), 0), n)
    return s[min(a, b) : max(a, b)]


def _substr(s: str, args: list[Any]) -> str:
    start = relative_index(int_arg(args, 0, 0), len(s))
    length = int_arg(args, 1, len(s) - start)
    return s[start : start + max(length, 0)]


def _pad(s: str, args: list[Any], at_start: bool) -> str:
    target = int_arg(args, 0, 0)
    fill = " " if arg(args, 1) is UNDEFINED else to_string(arg(args, 1))
    if target <= len(s) or not fill:
        return s
    if target > MAX_STRING_LENGTH:
        raise EvalError("Invalid string length")
    pad = (fill * ((target - len(s)) // len(fill) + 1))[: target - len(s)]
    return pad + s if at_start else s + pad


def _repeat(s: str, args: list[Any]) -> str:
    count = to_integer(arg(args, 0))
    if count < 0:
        raise EvalError("Invalid count value: " + to_string(arg(args, 0)))
    if s and count * len(s) > MAX_STRING_LENGTH:
        raise EvalError("Invalid string length")
    return s * count if s else ""


def _char_code_at(s: str, args: list[Any]) -> Any:
    i = int_arg(args, 0, 0)
    return ord(s[i]) if 0 <= i < len(s) else math.nan


def _at(s: str, args: list[Any]) -> Any:
    i = int_arg(args, 0, 0)
    i = i + len(s) if i < 0 else i
    return s[i] if 0 <= i < len(s) else UNDEFINED


def parse_int(s: str, radix: Any = UNDEFINED) -> float | int:
    s = s.strip()
    sign = -1 if s.startswith("-") else 1
    s = s[1:] if s[:1] in "+-" else s
    base = 10 if radix is UNDEFINED else to_integer(radix)
    if base in (0, 16) and s[:2].lower() == "0x":
        s, base = s[2:], 16
    base = base or 10
    if not 2 <= base <= 36:
        return math.nan
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    n = 0
    while n < len(s) and s[n].lower() in digits:
        n += 1
    return sign * norm_number(int(s[:n], base)) if n else math.nan


_FLOAT_PREFIX = re.compile(r"[+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")


def parse_float(s: str) -> float | int:
    m = _FLOAT_PREFIX.match(s.strip())
    return string_to_number(m.group(0)) if m else math.nan


def _words(s: str) -> list[str]:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", s)
    return [w for w in re.split(r"[^A-Za-z0-9]+", s) if w]


def _title_case(s: str) -> str:
    words = s.split(" ")
    out = []
    for i, w in enumerate(words):
        if i and w.lower() in _SMALL_WORDS:
            out.append(w.lower())
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def _sentence_case(s: str) -> str:
    lowered = s.lower()
    return re.sub(r"(^\s*|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), lowered)


def _camel_case(s: str) -> str:
    words = [w.lower() for w in _words(s)]
    return words[0] + "".join(w.capitalize() for w in words[1:]) if words else ""


def _remove_markdown(s: str) -> str:
    s = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"^\s{0,3}#{1,6}\s*", "", s, flags=re.M)
    s = re.sub(r"^\s*[-*+]\s+", "", s, flags=re.M)
    s = re.sub(r"^\s*>\s?", "", s, flags=re.M)
    s = re.sub(r"(\*\*|__)(.*?)\1", r"\2", s)
    s = re.sub(r"(\*|_)(.*?)\1", r"\2", s)
    s = re.sub(r"~~(.*?)~~", r"\1", s)
    s = re.sub(r"`{1,3}([^`]*)`{1,3}", r"\1", s)
    return s.strip()


def _hash(s: str, args: list[Any]) -> str:
    algo = "md5" if arg(args, 0) is UNDEFINED else to_string(arg(args, 0)).lower()
    if algo == "base64":
        return base64.b64encode(s.encode()).decode()
    name = algo.replace("-", "_") if algo.startswith("sha3") else algo
    if algo not in _HASHES:
        raise EvalError(f"Unknown hash algorithm {algo}")
    return hashlib.new(name, s.encode()).hexdigest()


def _extract_domain(s: str) -> Any:
    if "@" in s and _EMAIL.fullmatch(s.strip()):
        return s.strip().split("@", 1)[1]
    url = s if "://" in s else "http://" + s
    host = urllib.parse.urlsplit(url).hostname
    return host if host and _DOMAIN.fullmatch(host) else UNDEFINED


def encode_uri_component(s: str, safe: str = "-_.!~*'()") -> str:
    return urllib.parse.quote(s, safe=safe)


def _base64_decode(s: str) -> str:
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError) as e:
        raise EvalError(f"Invalid base64 string: {e}") from None


# n8n strips these currency signs before Number() (string-extensions' CURRENCY_REGEXP).
_CURRENCY = re.compile(
    "Lek|؋|\\$|ƒ|₼|Br|BZ\\$|\\$b|KM|P|лв|R\\$|៛|¥|₡|kn|₱|Kč|kr|RD\\$|£|€|¢|Q|L|Ft|₹|Rp|﷼|₪|"
    "J\\$|₩|₭|ден|RM|₨|₮|MT|C\\$|₦|B/\\.|Gs|S/\\.|zł|lei|₽|Дин\\.|S|R|CHF|NT\\$|฿|TT\\$|₺|₴|"
    "\\$U|Bs|₫|Z\\$"
)


def _to_number(s: str) -> Any:
    n = string_to_number(_CURRENCY.sub("", s))
    if n != n:
        raise EvalError("cannot convert to number")
    return n


def _extract_url_path(s: str) -> Any:
    try:
        parts = urllib.parse.urlsplit(s.strip())
    except ValueError:
        return UNDEFINED
    if not parts.scheme or not (parts.netloc or parts.scheme in ("mailto", "data", "file")):
        return UNDEFINED
    return parts.path or "/"


def _to_datetime(s: str) -> DateTime:
    dt = parse_datetime(s)
    if dt is None:
        raise EvalError(f"cannot convert '{s}' to a date")
    return DateTime(dt)


def _parse_json(s: str) -> Any:
    from hetumind.expressions.builtins import json_parse

    return json_parse(s)


def _quote(s: str, args: list[Any]) -> str:
    mark = '"' if arg(args, 0) is UNDEFINED else to_string(arg(args, 0))
    return mark + s.replace("\\", "\\\\").replace(mark, "\\" + mark) + mark


def _normalize(s: str, args: list[Any]) -> str:
    form = "NFC" if arg(args, 0) is UNDEFINED else _s(args, 0)
    if form not in ("NFC", "NFD", "NFKC", "NFKD"):
        raise EvalError("The normalization form should be one of NFC, NFD, NFKC, NFKD.")
    return unicodedata.normalize(form, s)  # type: ignore[arg-type]


def _match_all(rt: Runtime, s: str, args: list[Any]) -> list[Any]:
    regex = _regexp(arg(args, 0))
    if not regex.is_global:
        raise EvalError("TypeError: String.prototype.matchAll called with a non-global RegExp")
    out = []
    for m in regex.finditer(rt, s):
        rt.tick()
        out.append(rt.own(match_array(m)))
    return rt.own(out)


def _search(rt: Runtime, s: str, args: list[Any]) -> int:
    m = _regexp(arg(args, 0)).search(rt, s)
    return m.start() if m else -1


def _url_encode(s: str, args: list[Any]) -> str:
    if arg(args, 0) is True:  # n8n: true encodes like encodeURI, keeping URL syntax
        return encode_uri_component(s, ";,/?:@&=+$#-_.!~*'()")
    return encode_uri_component(s)


def _s(args: list[Any], i: int) -> str:
    return to_string(arg(args, i))


STRING_METHODS: dict[str, Method] = {
    "toUpperCase": lambda rt, s, a: s.upper(),
    "toLowerCase": lambda rt, s, a: s.lower(),
    "toLocaleUpperCase": lambda rt, s, a: s.upper(),
    "toLocaleLowerCase": lambda rt, s, a: s.lower(),
    "trim": lambda rt, s, a: s.strip(_JS_SPACE),
    "trimStart": lambda rt, s, a: s.lstrip(_JS_SPACE),
    "trimEnd": lambda rt, s, a: s.rstrip(_JS_SPACE),
    "split": _split,
    "replace": lambda rt, s, a: js_replace(rt, s, arg(a, 0), arg(a, 1), False),
    "replaceAll": lambda rt, s, a: js_replace(rt, s, arg(a, 0), arg(a, 1), True),
    "includes": lambda rt, s, a: _s(a, 0) in s[max(int_arg(a, 1, 0), 0) :],
    "startsWith": lambda rt, s, a: s.startswith(_s(a, 0), max(int_arg(a, 1, 0), 0)),
    "endsWith": lambda rt, s, a: s[: int_arg(a, 1, len(s))].endswith(_s(a, 0)),
    "indexOf": lambda rt, s, a: _index_of(s, a),
    "lastIndexOf": lambda rt, s, a: _last_index_of(s, a),
    "search": _search,
    "matchAll": _match_all,
    "slice": lambda rt, s, a: _slice(s, a),
    "substring": lambda rt, s, a: _substring(s, a),
    "substr": lambda rt, s, a: _substr(s, a),
    "padStart": lambda rt, s, a: _pad(s, a, True),
    "padEnd": lambda rt, s, a: _pad(s, a, False),
    "repeat": lambda rt, s, a: _repeat(s, a),
    "charAt": lambda rt, s, a: s[i] if 0 <= (i := int_arg(a, 0, 0)) < len(s) else "",
    "charCodeAt": lambda rt, s, a: _char_code_at(s, a),
    "codePointAt": lambda rt, s, a: _char_code_at(s, a),
    "concat": lambda rt, s, a: check_string(s + "".join(to_string(x) for x in a)),
    "match": _match,
    "at": lambda rt, s, a: _at(s, a),
    "localeCompare": lambda rt, s, a: (s > (o := _s(a, 0))) - (s < o),
    "normalize": lambda rt, s, a: _normalize(s, a),
    "toString": lambda rt, s, a: s,
    "valueOf": lambda rt, s, a: s,
    # n8n extensions
    "isEmpty": lambda rt, s, a: s == "",
    "isNotEmpty": lambda rt, s, a: s != "",
    "toTitleCase": lambda rt, s, a: _title_case(s),
    "toSentenceCase": lambda rt, s, a: _sentence_case(s),
    "toSnakeCase": lambda rt, s, a: "_".join(w.lower() for w in _words(s)),
    "toKebabCase": lambda rt, s, a: "-".join(w.lower() for w in _words(s)),
    "toCamelCase": lambda rt, s, a: _camel_case(s),
    "extractEmail": lambda rt, s, a: m.group(0) if (m := _EMAIL.search(s)) else UNDEFINED,
    "extractUrl": lambda rt, s, a: m.group(0) if (m := _URL.search(s)) else UNDEFINED,
    "extractDomain": lambda rt, s, a: _extract_domain(s),
    "extractUrlPath": lambda rt, s, a: _extract_url_path(s),
    "isEmail": lambda rt, s, a: bool(_EMAIL.fullmatch(s)),
    "isUrl": lambda rt, s, a: bool(_URL.fullmatch(s)),
    "isDomain": lambda rt, s, a: bool(_DOMAIN.fullmatch(s)),
    "isNumeric": lambda rt, s, a: s.strip() != "" and string_to_number(s) == string_to_number(s),
    "removeMarkdown": lambda rt, s, a: _remove_markdown(s),
    "removeTags": lambda rt, s, a: re.sub(r"<[^>]*>", "", s),
    "replaceSpecialChars": lambda rt, s, a: "".join(
        c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)
    ),
    "hash": lambda rt, s, a: _hash(s, a),
    "toInt": lambda rt, s, a: parse_int(s),
    "toFloat": lambda rt, s, a: parse_float(s),
    "toWholeNumber": lambda rt, s, a: parse_int(s),
    "toDecimalNumber": lambda rt, s, a: parse_float(s),
    "toNumber": lambda rt, s, a: _to_number(s),
    "toBoolean": lambda rt, s, a: s.strip().lower() not in ("false", "no", "0", "", "n", "off"),
    "urlEncode": lambda rt, s, a: _url_encode(s, a),
    "urlDecode": lambda rt, s, a: urllib.parse.unquote(s),
    "base64Encode": lambda rt, s, a: base64.b64encode(s.encode()).decode(),
    "base64Decode": lambda rt, s, a: _base64_decode(s),
    "quote": lambda rt, s, a: _quote(s, a),
    "toDate": lambda rt, s, a: _to_datetime(s),
    "toDateTime": lambda rt, s, a: _to_datetime(s),
    "parseJson": lambda rt, s, a: _parse_json(s),
    "toJsonString": lambda rt, s, a: json.dumps(s, ensure_ascii=False),
}
