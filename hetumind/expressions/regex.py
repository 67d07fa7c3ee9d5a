"""JS regular expressions, translated once into Python patterns, run under a time limit.

Expressions match with the `regex` package, whose `timeout=` stops catastrophic
backtracking (`/(a|aa)+$/` over a long run of a's). Regex time is part of the step
budget: each call may run for at most REGEX_CALL_TIMEOUT_S or what is left of the budget
(STEPS_PER_MS steps buy a millisecond), and the time it took is charged afterwards.
`regex_test`/`regex_search` give nodes (If, Filter, Switch conditions) the same limits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hetumind.errors import ExpressionError
from hetumind.expressions.values import (
    MAX_STRING_LENGTH,
    UNDEFINED,
    EvalError,
    HostObject,
    JsCallable,
    to_string,
)

if TYPE_CHECKING:
    import regex as _regex

    from hetumind.expressions.runtime import Runtime

__all__ = [
    "REGEX_CALL_TIMEOUT_S",
    "JsRegExp",
    "compile_js",
    "compile_js_timed",
    "js_replace",
    "parse_regex_literal",
    "regex_search",
    "regex_test",
    "translate",
]

REGEX_CALL_TIMEOUT_S = 0.1
STEPS_PER_MS = 500  # the default 100,000-step budget holds 200 ms of regex work

_CLASS_ESCAPES = {"d": "0-9", "w": "A-Za-z0-9_"}
_ESCAPES = {"d": "[0-9]", "w": "[A-Za-z0-9_]", "D": "[^0-9]", "W": "[^A-Za-z0-9_]"}


def translate(pattern: str, multiline: bool) -> str:
    """Rewrite the JS-only syntax; the rest of JS regex syntax means the same in Python."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if in_class and e in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[e])
            elif not in_class and e in _ESCAPES:
                out.append(_ESCAPES[e])
            elif e == "k" and pattern.startswith("<", i + 2):
                close = pattern.index(">", i + 3)
                out.append(f"(?P={pattern[i + 3 : close]})")
                i = close + 1
                continue
            elif e == "/":
                out.append("/")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif c == "[":
                c = "\\["  # Python warns about possible nested sets
            out.append(c)
        elif c == "[":
            in_class = True
            if pattern.startswith("[^]", i):
                out.append("[\\s\\S]")
                in_class = False
                i += 3
                continue
            out.append(c)
        elif c == "(" and pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        elif c == "$" and not multiline:
            out.append(r"(?!\n)\Z")  # JS `$` never matches before a trailing newline
        else:
            out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_js(pattern: str, flags: str) -> re.Pattern[str]:
    """A JavaScript regex (source and flags such as "gim") as a Python pattern.

    Raises re.error for patterns Python cannot compile.
    """
    py_flags = 0
    if "i" in flags:
        py_flags |= re.IGNORECASE
    if "m" in flags:
        py_flags |= re.MULTILINE
    if "s" in flags:
        py_flags |= re.DOTALL
    return re.compile(translate(pattern, "m" in flags), py_flags)


@lru_cache(maxsize=512)
def compile_js_timed(pattern: str, flags: str) -> _regex.Pattern[str]:
    """Like compile_js, for the `regex` package (whose matching takes a timeout)."""
    import regex as _regex  # imported on first use: it costs ~10 ms of every start-up

    py_flags = _regex.VERSION0
    if "i" in flags:
        py_flags |= _regex.IGNORECASE
    if "m" in flags:
        py_flags |= _regex.MULTILINE
    if "s" in flags:
        py_flags |= _regex.DOTALL
    return _regex.compile(translate(pattern, "m" in flags), py_flags)


def _budget_error(rt: Runtime | None, source: str, flags: str, clock: _Clock) -> EvalError:
    from hetumind.expressions.runtime import BudgetExceeded

    limit = max(1, round(clock.timeout * 1000))
    message = (f"regular expression /{source}/{flags} took too long (over {limit} ms); "
               "simplify the pattern or shorten the text")  # fmt: skip
    err = BudgetExceeded(message)
    if rt is not None:
        rt.fuel = min(rt.fuel, -1)  # the evaluation is over, whatever catches this
    return err


class _Clock:
    """Times one regex call: the timeout it may use, and its cost charged afterwards."""

    __slots__ = ("rt", "start", "timeout")

    def __init__(self, rt: Runtime | None, timeout: float | None = None) -> None:
        self.rt = rt
        if timeout is None:
            timeout = REGEX_CALL_TIMEOUT_S
            if rt is not None:
                timeout = max(0.001, min(timeout, rt.fuel / STEPS_PER_MS / 1000))
        self.timeout = timeout
        self.start = time.perf_counter()

    def charge(self) -> None:
        if self.rt is not None:
            spent_ms = (time.perf_counter() - self.start) * 1000
            self.rt.tick(int(spent_ms * STEPS_PER_MS))


class JsRegExp(HostObject):
    __slots__ = ("compiled", "flags", "last_index", "source")
    js_class = "RegExp"

    def __init__(self, source: str, flags: str, compiled: _regex.Pattern[str]) -> None:
        self.source = source
        self.flags = flags
        self.compiled = compiled
        # `lastIndex`: where exec/test of a global or sticky regex go on from, so the
        # `while ((m = re.exec(s)) !== null)` loop works as in JavaScript.
        self.last_index = 0

    def fresh(self) -> JsRegExp:
        """A new object for each evaluation of a literal (JS does the same), so lastIndex
        never carries over between items."""
        return JsRegExp(self.source, self.flags, self.compiled)

    @classmethod
    def create(cls, source: str, flags: str, pos: int | None = None) -> JsRegExp:
        if set(flags) - set("gimsuyd") or len(set(flags)) != len(flags):
            raise EvalError(f"Invalid regular expression flags '{flags}'", pos)
        import regex as _regex

        try:
            return cls(source, flags, compile_js_timed(source, flags))
        except (_regex.error, re.error, ValueError) as e:
            raise EvalError(f"Invalid regular expression: /{source}/: {e}", pos) from None

    @property
    def is_global(self) -> bool:
        return "g" in self.flags

    # Every match below runs under the clock; a timeout ends the whole evaluation.
    def search(self, rt: Runtime | None, subject: str, pos: int = 0) -> _regex.Match[str] | None:
        clock = _Clock(rt)
        try:
            m = self.compiled.search(subject, pos, timeout=clock.timeout)
        except TimeoutError:
            raise _budget_error(rt, self.source, self.flags, clock) from None
        clock.charge()
        return m

    def finditer(self, rt: Runtime | None, subject: str) -> Iterator[_regex.Match[str]]:
        clock = _Clock(rt)
        try:
            yield from self.compiled.finditer(subject, timeout=clock.timeout)
        except TimeoutError:
            raise _budget_error(rt, self.source, self.flags, clock) from None
        clock.charge()

    def split(self, rt: Runtime | None, subject: str) -> list[Any]:
        clock = _Clock(rt)
        try:
            parts = list(self.compiled.split(subject, timeout=clock.timeout))
        except TimeoutError:
            raise _budget_error(rt, self.source, self.flags, clock) from None
        clock.charge()
        return parts

    def matches_empty(self) -> bool:
        return self.compiled.fullmatch("", timeout=REGEX_CALL_TIMEOUT_S) is not None

    def get_member(self, rt: Runtime, key: str) -> Any:
        if key == "source":
            return self.source
        if key == "flags":
            return self.flags
        if key == "global":
            return self.is_global
        if key == "lastIndex":
            return self.last_index
        if key in ("ignoreCase", "multiline", "sticky", "unicode", "dotAll", "hasIndices"):
            flag = {"ignoreCase": "i", "multiline": "m", "sticky": "y", "unicode": "u",
                    "dotAll": "s", "hasIndices": "d"}[key]  # fmt: skip
            return flag in self.flags
        return UNDEFINED

    def set_member(self, rt: Runtime, key: str, value: Any) -> None:
        if key != "lastIndex":
            raise EvalError(f"Cannot set property '{key}' of RegExp")
        from hetumind.expressions.values import to_integer

        self.last_index = max(0, to_integer(value))

    def _stateful_match(self, rt: Runtime, subject: str) -> _regex.Match[str] | None:
        if not ("g" in self.flags or "y" in self.flags):
            return self.search(rt, subject)
        start = self.last_index
        if start > len(subject):
            self.last_index = 0
            return None
        m = self.search(rt, subject, start)
        if m is not None and "y" in self.flags and m.start() != start:
            m = None
        self.last_index = 0 if m is None else m.end()
        return m

    def call_method(self, rt: Runtime, key: str, args: list[Any]) -> Any:
        subject = to_string(args[0]) if args else "undefined"
        if key == "test":
            return self._stateful_match(rt, subject) is not None
        if key == "exec":
            m = self._stateful_match(rt, subject)
            return rt.own(match_array(m)) if m else None
        if key == "toString":
            return self.to_primitive("string")
        raise EvalError(f"RegExp.{key} is not a function")

    def to_primitive(self, hint: str) -> Any:
        return f"/{self.source}/{self.flags}"

    def to_json(self) -> Any:
        return {}


def match_array(m: re.Match[str] | _regex.Match[str]) -> list[Any]:
    return [m.group(0)] + [UNDEFINED if g is None else g for g in m.groups()]


def _expand(template: str, m: re.Match[str] | _regex.Match[str]) -> str:
    """JS replacement patterns: $$, $&, $`, $', $1..$99, $<name>."""
    out: list[str] = []
    i, n = 0, len(template)
    groups = m.groups()
    while i < n:
        c = template[i]
        if c != "$" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = template[i + 1]
        if e == "$":
            out.append("$")
            i += 2
        elif e == "&":
            out.append(m.group(0))
            i += 2
        elif e == "`":
            out.append(m.string[: m.start()])
            i += 2
        elif e == "'":
            out.append(m.string[m.end() :])
            i += 2
        elif e.isdigit():
            two = template[i + 1 : i + 3]
            if len(two) == 2 and two.isdigit() and 0 < int(two) <= len(groups):
                out.append(groups[int(two) - 1] or "")
                i += 3
            elif 0 < int(e) <= len(groups):
                out.append(groups[int(e) - 1] or "")
                i += 2
            else:
                out.append("$")
                i += 1
        elif e == "<" and ">" in template[i:]:
            close = template.index(">", i)
            name = template[i + 2 : close]
            out.append((m.groupdict().get(name) or "") if name in m.groupdict() else "")
            i = close + 1
        else:
            out.append("$")
            i += 1
    return "".join(out)


def js_replace(rt: Runtime, subject: str, pattern: Any, replacement: Any, all_: bool) -> str:
    """String.prototype.replace / replaceAll with a string or RegExp pattern.

    The output is assembled match by match and its size checked before each piece is
    added, so an amplifying replacement fails at the string cap instead of building it.
    """
    if isinstance(replacement, JsCallable):

        def repl(m: _regex.Match[str]) -> str:
            args = [m.group(0), *(UNDEFINED if g is None else g for g in m.groups()), m.start(),
                    subject]  # fmt: skip
            return to_string(rt.call(replacement, args))

    else:
        template = to_string(replacement)
        plain = "$" not in template

        def repl(m: _regex.Match[str]) -> str:
            return template if plain else _expand(template, m)

    if isinstance(pattern, JsRegExp):
        if all_ and not pattern.is_global:
            raise EvalError("TypeError: replaceAll must be called with a global RegExp")
        regex = pattern
        once = not pattern.is_global
    else:
        import regex as _regex

        regex = JsRegExp(_regex.escape(to_string(pattern)), "g",
                         compile_js_timed(_regex.escape(to_string(pattern)), ""))  # fmt: skip
        once = not all_
    out: list[str] = []
    size = 0
    last = 0
    for m in regex.finditer(rt, subject):
        piece = repl(m)
        size += (m.start() - last) + len(piece)
        if size > MAX_STRING_LENGTH:
            raise EvalError("RangeError: Invalid string length")
        out.append(subject[last : m.start()])
        out.append(piece)
        last = m.end()
        if once:
            break
        rt.tick(len(piece) >> 10)
    if not out:
        return subject
    if size + len(subject) - last > MAX_STRING_LENGTH:
        raise EvalError("RangeError: Invalid string length")
    out.append(subject[last:])
    return "".join(out)


def parse_regex_literal(text: str) -> tuple[str, str]:
    """`/pattern/flags` as users type it in conditions, else the text is the pattern."""
    m = re.fullmatch(r"/(.*)/([a-z]*)", text, re.S)
    return (m.group(1), m.group(2)) if m else (text, "")


def _node_regex(pattern: str, flags: str) -> JsRegExp:
    try:
        return JsRegExp.create(pattern, flags)
    except EvalError as e:
        raise ExpressionError(e.message) from None


def regex_search(
    pattern: str, subject: str, flags: str = "", *, timeout: float = REGEX_CALL_TIMEOUT_S
) -> list[Any] | None:
    """Match a JS regex (source and flags) against `subject` within `timeout` seconds.

    Returns the match array (full match, then groups, None for a group that did not take
    part) or None; raises ExpressionError
    for an invalid pattern or when the match takes too long. For nodes' conditions.
    """
    rx = _node_regex(pattern, flags)
    clock = _Clock(None, timeout)
    try:
        m = rx.compiled.search(subject, timeout=clock.timeout)
    except TimeoutError:
        raise ExpressionError(_budget_error(None, pattern, flags, clock).message) from None
    return [None if g is UNDEFINED else g for g in match_array(m)] if m else None


def regex_test(
    pattern: str, subject: str, flags: str = "", *, timeout: float = REGEX_CALL_TIMEOUT_S
) -> bool:
    """`new RegExp(pattern, flags).test(subject)` under a time limit (see regex_search)."""
    return regex_search(pattern, subject, flags, timeout=timeout) is not None
