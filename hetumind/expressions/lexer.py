"""Tokens of the JavaScript subset, with absolute offsets into the parameter text.

The lexer stops where the enclosing construct ends (`}}` of an n8n segment, `}` of a
template `${...}`), so `}}` inside a string literal never ends a segment early.
"""

from __future__ import annotations

from dataclasses import dataclass

from hetumind.errors import ExpressionError
from hetumind.expressions.values import norm_number

__all__ = ["Template", "Token", "tokenize"]

PUNCTUATORS = sorted(
    [
        ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", "&&=", "||=", "??=",
        "**", "?.", "??", "=>", "==", "!=", "<=", ">=", "&&", "||",
        ">>>", "<<", ">>", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
        "+", "-", "*", "/", "%", "<", ">", "!", "?", ":", ".", ",", "(", ")", "[", "]",
        "{", "}", ";", "=", "~", "&", "|", "^",
    ],
    key=len,
    reverse=True,
)  # fmt: skip

# After these a `/` starts a regex literal rather than dividing.
_KEYWORDS_BEFORE_EXPR = frozenset(
    {"return", "typeof", "in", "of", "void", "new", "delete", "instanceof", "case", "else"}
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@dataclass(frozen=True, slots=True)
class Template:
    """A template literal: `strings` interleave with the token lists of `${...}` parts."""

    strings: tuple[str, ...]
    parts: tuple[tuple[Token, ...], ...]


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num | str | template | regex | ident | punct | eof
    value: object
    pos: int
    end: int


def _error(text: str, message: str, pos: int) -> ExpressionError:
    return ExpressionError(message, position=pos, expression=text)


def _is_ident_start(c: str) -> bool:
    return c.isalpha() or c in "_$"


def _is_ident_part(c: str) -> bool:
    return c.isalnum() or c in "_$"


MAX_TEMPLATE_DEPTH = 60


def tokenize(text: str, pos: int, stop: str, depth_: int = 0) -> tuple[list[Token], int]:
    """Tokens from `pos` up to `stop` ("}}", "}" or "" for end of text).

    Returns the tokens (ending with an eof token) and the offset just past the stopper.
    """
    tokens: list[Token] = []
    depth = 0
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t\n\r\v\f\u00a0\ufeff\u2028\u2029":
            pos += 1
        if pos >= n:
            if stop:
                raise _error(text, f"expected '{stop}' before the end", pos)
            tokens.append(Token("eof", None, pos, pos))
            return tokens, pos
        c = text[pos]
        if depth == 0 and stop and text.startswith(stop, pos) and c == "}":
            tokens.append(Token("eof", None, pos, pos))
            return tokens, pos + len(stop)
        if c == "/" and text.startswith("//", pos):
            nl = text.find("\n", pos)
            end = n if nl < 0 else nl
            if stop == "}}":  # a `// comment` inside {{ }} ends where the segment does
                close = text.find("}}", pos)
                end = end if close < 0 else min(end, close)
            pos = end
            continue
        if c == "/" and text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close < 0:
                raise _error(text, "unterminated comment", pos)
            pos = close + 2
            continue
        start = pos
        if c.isdigit() or (c == "." and pos + 1 < n and text[pos + 1].isdigit()):
            value, pos = _number(text, pos)
            tokens.append(Token("num", value, start, pos))
        elif c in "'\"":
            value_s, pos = _string(text, pos)
            tokens.append(Token("str", value_s, start, pos))
        elif c == "`":
            tmpl, pos = _template(text, pos, depth_ + 1)
            tokens.append(Token("template", tmpl, start, pos))
        elif _is_ident_start(c):
            while pos < n and _is_ident_part(text[pos]):
                pos += 1
            tokens.append(Token("ident", text[start:pos], start, pos))
        elif c == "/" and _regex_allowed(tokens):
            regex, pos = _regex(text, pos)
            tokens.append(Token("regex", regex, start, pos))
        else:
            for p in PUNCTUATORS:
                if text.startswith(p, pos):
                    break
            else:
                raise _error(text, f"unexpected character {c!r}", pos)
            if p == "?." and pos + 2 < n and text[pos + 2].isdigit():
                p = "?"  # `a?.5:b` is a conditional, not optional chaining
            if p in ("{",):
                depth += 1
            elif p == "}":
                depth -= 1
            pos += len(p)
            tokens.append(Token("punct", p, start, pos))


def _regex_allowed(tokens: list[Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind in ("num", "str", "template", "regex"):
        return False
    if last.kind == "ident":
        return last.value in _KEYWORDS_BEFORE_EXPR
    return last.value not in (")", "]", "}")


def _number(text: str, pos: int) -> tuple[float | int, int]:
    n = len(text)
    start = pos
    if text[pos] == "0" and pos + 1 < n and text[pos + 1] in "xXoObB":
        base = {"x": 16, "o": 8, "b": 2}[text[pos + 1].lower()]
        pos += 2
        while pos < n and (text[pos].isalnum() or text[pos] == "_"):
            pos += 1
        digits = text[start + 2 : pos].replace("_", "")
        if len(digits) > 4000:
            raise _error(text, "number literal is too long", start)
        try:
            return norm_number(int(digits, base)), pos
        except ValueError:
            raise _error(text, "invalid number literal", start) from None
    while pos < n and (text[pos].isdigit() or text[pos] == "_"):
        pos += 1
    is_float = False
    if pos < n and text[pos] == ".":
        is_float = True
        pos += 1
        while pos < n and text[pos].isdigit():
            pos += 1
    if pos < n and text[pos] in "eE":
        j = pos + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j].isdigit():
            is_float = True
            pos = j
            while pos < n and text[pos].isdigit():
                pos += 1
    if pos < n and _is_ident_start(text[pos]):
        raise _error(text, "identifier directly after number", pos)
    raw = text[start:pos].replace("_", "")
    if not is_float and len(raw) <= 16 and int(raw) <= 2**53:
        return int(raw), pos
    # A JS number literal is a double: float() rounds like V8 and overflows to inf, and
    # unlike int() it has no digit-count limit (a 5,000-digit literal is Infinity).
    value = float(raw)
    return (int(value) if value.is_integer() and abs(value) <= 2**53 else value), pos


def _escape(text: str, pos: int) -> tuple[str, int]:
    """Decode the escape whose backslash is at pos - 1; returns (chars, next pos)."""
    if pos >= len(text):
        raise _error(text, "unterminated escape", pos)
    c = text[pos]
    if c in _ESCAPES:
        return _ESCAPES[c], pos + 1
    if c == "x":
        return _hex(text, pos + 1, 2)
    if c == "u":
        if text.startswith("{", pos + 1):
            close = text.find("}", pos + 2)
            if close < 0:
                raise _error(text, "invalid unicode escape", pos)
            return _hex(text, pos + 2, close - pos - 2, skip=1)
        return _hex(text, pos + 1, 4)
    if c == "\r" and text.startswith("\r\n", pos):
        return "", pos + 2
    if c in "\n\r\u2028\u2029":
        return "", pos + 1
    return c, pos + 1


def _hex(text: str, pos: int, length: int, skip: int = 0) -> tuple[str, int]:
    digits = text[pos : pos + length]
    try:
        code = int(digits, 16)
        return chr(code), pos + length + skip
    except ValueError:
        raise _error(text, "invalid escape sequence", pos) from None


def _string(text: str, pos: int) -> tuple[str, int]:
    quote = text[pos]
    start = pos
    pos += 1
    out: list[str] = []
    n = len(text)
    while True:
        if pos >= n or text[pos] in "\n\r":
            raise _error(text, "unterminated string literal", start)
        c = text[pos]
        if c == quote:
            return "".join(out), pos + 1
        if c == "\\":
            s, pos = _escape(text, pos + 1)
            out.append(s)
        else:
            out.append(c)
            pos += 1


def _template(text: str, pos: int, depth: int) -> tuple[Template, int]:
    start = pos
    if depth > MAX_TEMPLATE_DEPTH:
        raise _error(
            text,
            f"expression is nested too deeply (templates within {MAX_TEMPLATE_DEPTH} templates)",
            pos,
        )
    pos += 1
    strings: list[str] = []
    parts: list[tuple[Token, ...]] = []
    chunk: list[str] = []
    n = len(text)
    while True:
        if pos >= n:
            raise _error(text, "unterminated template literal", start)
        c = text[pos]
        if c == "`":
            strings.append("".join(chunk))
            return Template(tuple(strings), tuple(parts)), pos + 1
        if c == "\\":
            s, pos = _escape(text, pos + 1)
            chunk.append(s)
        elif c == "$" and text.startswith("${", pos):
            strings.append("".join(chunk))
            chunk = []
            toks, pos = tokenize(text, pos + 2, "}", depth)
            parts.append(tuple(toks))
        else:
            chunk.append(c)
            pos += 1


def _regex(text: str, pos: int) -> tuple[tuple[str, str], int]:
    start = pos
    pos += 1
    in_class = False
    n = len(text)
    while True:
        if pos >= n or text[pos] in "\n\r":
            raise _error(text, "unterminated regular expression", start)
        c = text[pos]
        if c == "\\":
            pos += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            break
        pos += 1
    body = text[start + 1 : pos]
    pos += 1
    flag_start = pos
    while pos < n and _is_ident_part(text[pos]):
        pos += 1
    return (body, text[flag_start:pos]), pos
