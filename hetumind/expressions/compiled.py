"""Parameters as the engine sees them: compile once, evaluate per item (or per batch)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hetumind.errors import ExpressionError
from hetumind.expressions import syntax as ast
from hetumind.expressions.context import ExpressionContext
from hetumind.expressions.evaluator import compile_node
from hetumind.expressions.lexer import tokenize
from hetumind.expressions.parser import parse_tokens
from hetumind.expressions.runtime import Runtime, Scope
from hetumind.expressions.values import (
    UNDEFINED,
    EvalError,
    HostObject,
    stringify,
    to_json_value,
    to_string,
)

if TYPE_CHECKING:
    from hetumind.expressions.vectorize import VectorPlan

__all__ = ["CompiledParameter", "compile_parameter", "evaluate_parameters", "is_expression"]

_TOP_SCOPE = Scope()  # never written: functions and programs bind into child scopes


def is_expression(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _segment_text(value: Any) -> str:
    """How n8n renders one `{{ }}` inside surrounding text."""
    if type(value) is str:
        return value
    if value is None or value is UNDEFINED:
        return ""
    if type(value) in (dict, list):
        out = stringify(value)
        return "" if out is UNDEFINED else str(out)
    if isinstance(value, HostObject):
        return to_string(to_json_value(value))
    return to_string(value)


def _split(text: str) -> list[str | ast.Node | None]:
    """Literal text chunks and parsed `{{ }}` segments (None for an empty segment)."""
    parts: list[str | ast.Node | None] = []
    pos = 1
    while True:
        start = text.find("{{", pos)
        if start < 0:
            if pos < len(text):
                parts.append(text[pos:])
            return parts
        if start > pos:
            parts.append(text[pos:start])
        tokens, pos = tokenize(text, start + 2, "}}")
        parts.append(None if tokens[0].kind == "eof" else parse_tokens(text, tokens))


def _referenced_nodes(nodes: list[ast.Node]) -> frozenset[str]:
    found: set[str] = set()
    stack: list[Any] = list(nodes)
    while stack:
        n = stack.pop()
        is_call = isinstance(n, ast.Call) and isinstance(n.callee, ast.Ident)
        if is_call and n.callee.name in ("$", "$items") and n.args:
            first = n.args[0]
            if isinstance(first, ast.Literal) and isinstance(first.value, str):
                found.add(first.value)
        if isinstance(n, ast.Member) and isinstance(n.obj, ast.Ident) and n.obj.name == "$node":
            prop = n.prop
            if isinstance(prop, str):
                found.add(prop)
            elif isinstance(prop, ast.Literal) and isinstance(prop.value, str):
                found.add(prop.value)
        if isinstance(n, ast.Node):
            for f in dataclasses.fields(n):
                child = getattr(n, f.name)
                if isinstance(child, ast.Node):
                    stack.append(child)
                elif isinstance(child, tuple):
                    stack.extend(_flatten(child))
    return frozenset(found)


def _flatten(values: tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    stack = [values]
    while stack:
        for v in stack.pop():
            if isinstance(v, tuple):
                stack.append(v)
            elif isinstance(v, ast.Node):
                out.append(v)
    return out


class CompiledParameter:
    """A parameter value that starts with "=": parsed once, evaluated many times.

    Results are JSON-compatible: undefined becomes None, a DateTime its ISO string, and
    arithmetic results that are integral become ints (88 / 2 is 44); numbers merely read
    from the input keep their Python type. A lone `{{ }}` (whitespace around it allowed)
    yields the typed value; anything else yields a string.

    Example:
        >>> ctx = ExpressionContext(json={"price": 4})
        >>> compile_parameter("={{ $json.price * 2 }}").evaluate(ctx)
        8
    """

    __slots__ = ("_ast", "_run", "referenced_nodes", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            parts = _split(source)
        except RecursionError:
            raise ExpressionError("expression is nested too deeply", position=0,
                                  expression=source) from None  # fmt: skip
        expressions = [p for p in parts if isinstance(p, ast.Node)]
        self.referenced_nodes = _referenced_nodes(expressions)
        non_blank = [p for p in parts if not (isinstance(p, str) and not p.strip())]
        self._ast: ast.Node | None = None
        try:
            if len(non_blank) == 1 and isinstance(non_blank[0], ast.Node):
                self._ast = non_blank[0]
                self._run = self._single(compile_node(non_blank[0]))
            elif len(non_blank) == 1 and non_blank[0] is None:
                self._run = lambda rt: None
            elif not expressions and None not in parts:
                literal = source[1:]
                self._run = lambda rt: literal
            else:
                self._run = self._template(parts)
        except EvalError as e:
            raise ExpressionError(e.message, position=e.pos, expression=source) from None
        except RecursionError:
            raise ExpressionError("expression is nested too deeply", position=0,
                                  expression=source) from None  # fmt: skip

    @staticmethod
    def _single(ev: Callable[[Runtime, Scope], Any]) -> Callable[[Runtime], Any]:
        def run(rt: Runtime) -> Any:
            v = ev(rt, _TOP_SCOPE)
            t = type(v)
            if t is str or t is int or t is bool or t is float or v is None:
                return v
            return to_json_value(v)

        return run

    @staticmethod
    def _template(parts: list[str | ast.Node | None]) -> Callable[[Runtime], Any]:
        compiled: list[str | Callable[[Runtime, Scope], Any]] = [
            p if isinstance(p, str) else compile_node(p) if p is not None else "" for p in parts
        ]

        def run(rt: Runtime) -> str:
            out = []
            for p in compiled:
                out.append(p if isinstance(p, str) else _segment_text(p(rt, _TOP_SCOPE)))
            return "".join(out)

        return run

    def evaluate(self, ctx: ExpressionContext) -> Any:
        rt = Runtime(ctx, self.source)
        try:
            return self._run(rt)
        except EvalError as e:
            raise ExpressionError(e.message, position=e.pos, expression=self.source) from None
        except RecursionError:
            raise ExpressionError("Maximum call stack size exceeded",
                                  expression=self.source) from None  # fmt: skip
        except ExpressionError:
            raise
        except Exception as e:  # an interpreter bug must still surface as a clean error
            raise ExpressionError(f"internal error: {type(e).__name__}: {e}",
                                  expression=self.source) from None  # fmt: skip

    def vectorize(self) -> VectorPlan | None:
        """A plan that evaluates this parameter on whole Arrow columns, if it is pure."""
        from hetumind.expressions.vectorize import plan_for

        try:
            return plan_for(self._ast) if self._ast is not None else None
        except RecursionError:  # too deep to vectorize: it still runs per item
            return None

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # Closures do not pickle; the source does (Ray ships parameters between workers).
        return compile_parameter, (self.source,)

    def __repr__(self) -> str:
        return f"CompiledParameter({self.source!r})"


@functools.lru_cache(maxsize=4096)
def compile_parameter(text: str) -> CompiledParameter:
    """Parse an "=..." parameter value; raises ExpressionError with the offending position."""
    if not text.startswith("="):
        raise ExpressionError("an expression parameter starts with '='", position=0,
                              expression=text)  # fmt: skip
    return CompiledParameter(text)


def evaluate_parameters(value: Any, ctx: ExpressionContext) -> Any:
    """Evaluate every expression inside a parameter tree; other values are returned as is."""
    if isinstance(value, str):
        return compile_parameter(value).evaluate(ctx) if value.startswith("=") else value
    if isinstance(value, dict):
        return {k: evaluate_parameters(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate_parameters(v, ctx) for v in value]
    return value
