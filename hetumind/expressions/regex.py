"""JS regular expressions, translated once into Python `re` patterns."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hetumind.expressions.values import UNDEFINED, EvalError, HostObject, JsCallable, to_string

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Runtime

__all__ = ["JsRegExp", "compile_js", "js_replace", "translate"]

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


class JsRegExp(HostObject):
    __slots__ = ("compiled", "flags", "source")
    js_class = "RegExp"

    def __init__(self, source: str, flags: str, compiled: re.Pattern[str]) -> None:
        self.source = source
        self.flags = flags
        self.compiled = compiled

    @classmethod
    def create(cls, source: str, flags: str, pos: int | None = None) -> JsRegExp:
        if set(flags) - set("gimsuy") or len(set(flags)) != len(flags):
            raise EvalError(f"Invalid regular expression flags '{flags}'", pos)
        try:
            return cls(source, flags, compile_js(source, flags))
        except (re.error, ValueError) as e:
            raise EvalError(f"Invalid regular expression: /{source}/: {e}", pos) from None

    @property
    def is_global(self) -> bool:
        return "g" in self.flags

    def get_member(self, rt: Runtime, key: str) -> Any:
        if key == "source":
            return self.source
        if key == "flags":
            return self.flags
        if key == "global":
            return self.is_global
        return UNDEFINED

    def call_method(self, rt: Runtime, key: str, args: list[Any]) -> Any:
        subject = to_string(args[0]) if args else "undefined"
        if key == "test":
            return self.compiled.search(subject) is not None
        if key == "exec":
            m = self.compiled.search(subject)
            return match_array(m) if m else None
        if key == "toString":
            return self.to_primitive("string")
        raise EvalError(f"RegExp.{key} is not a function")

    def to_primitive(self, hint: str) -> Any:
        return f"/{self.source}/{self.flags}"

    def to_json(self) -> Any:
        return {}


def match_array(m: re.Match[str]) -> list[Any]:
    return [m.group(0)] + [UNDEFINED if g is None else g for g in m.groups()]


def _expand(template: str, m: re.Match[str]) -> str:
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
    """String.prototype.replace / replaceAll with a string or RegExp pattern."""
    if isinstance(replacement, JsCallable):

        def repl(m: re.Match[str]) -> str:
            args = [m.group(0), *(UNDEFINED if g is None else g for g in m.groups()), m.start(),
                    subject]  # fmt: skip
            return to_string(rt.call(replacement, args))

    else:
        template = to_string(replacement)

        def repl(m: re.Match[str]) -> str:
            return _expand(template, m)

    fn: Callable[[re.Match[str]], str] = repl
    if isinstance(pattern, JsRegExp):
        count = 0 if pattern.is_global else 1
        if all_ and not pattern.is_global:
            raise EvalError("replaceAll must be called with a global RegExp")
        return pattern.compiled.sub(fn, subject, count=count)
    compiled = re.compile(re.escape(to_string(pattern)))
    return compiled.sub(fn, subject, count=0 if all_ else 1)
