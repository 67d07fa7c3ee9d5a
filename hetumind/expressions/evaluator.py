"""Compiles expression syntax into nested Python closures, once per parameter.

Each closure takes the runtime and the current Scope. Names declared by the expression
(parameters, `const`, `let`, ...) are looked up through the scope chain; any other name is
resolved at compile time to a `$` variable, a built-in global, or a ReferenceError raised
when (and only if) the code runs. Statements and functions live in `statements`.

Left-leaning chains of binary operators (`a + b + c + ...`) are compiled and evaluated in
loops, so a 5,000-term expression needs no deep Python recursion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hetumind.expressions import syntax as ast
from hetumind.expressions.builtins import CONSTRUCTORS, GLOBALS
from hetumind.expressions.jsobjects import iterate
from hetumind.expressions.operators import BINARY, UNARY
from hetumind.expressions.regex import JsRegExp
from hetumind.expressions.runtime import (
    NotAFunction,
    Runtime,
    Scope,
    call_method,
    delete_member,
    get_member,
    property_key,
)
from hetumind.expressions.values import (
    MAX_ARRAY_LENGTH,
    MAX_STRING_LENGTH,
    UNDEFINED,
    EvalError,
    HostObject,
    to_string,
    truthy,
)
from hetumind.expressions.variables import resolve_variable

__all__ = ["COMPILERS", "Ev", "ShortCircuit", "compile_node", "foreign", "located"]

Ev = Callable[[Runtime, Scope], Any]
_PYTHON_FAILURES = (ValueError, TypeError, OverflowError, IndexError, KeyError, AttributeError,
                    ArithmeticError)  # fmt: skip


class ShortCircuit(Exception):
    """Raised by `?.` on null/undefined; caught by the enclosing OptionalChain."""


def located(err: EvalError, node: ast.Node) -> EvalError:
    if err.pos is None:
        err.pos = node.pos
    return err


def foreign(exc: Exception, node: ast.Node) -> EvalError:
    # Python-level failures inside a method (bad argument types, overflow) become JS-style
    # errors at the call site instead of tracebacks.
    message = str(exc) or type(exc).__name__
    return EvalError(f"{type(exc).__name__}: {message}", node.pos)


def compile_node(node: ast.Node, local: frozenset[str] = frozenset()) -> Ev:
    compiler = COMPILERS.get(type(node))
    if compiler is None:
        raise EvalError(f"{type(node).__name__} is not supported here", node.pos)
    return compiler(node, local)


def _literal(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Literal)
    value = node.value
    return lambda rt, sc: value


def _regex(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Regex)
    regex = JsRegExp.create(node.pattern, node.flags, node.pos)
    if "g" in node.flags or "y" in node.flags:
        return lambda rt, sc: regex.fresh()  # it carries lastIndex state
    return lambda rt, sc: regex


def global_ev(name: str, pos: int) -> Ev:
    if name.startswith("$"):
        return resolve_variable(name, pos)
    if name in GLOBALS:
        value = GLOBALS[name]
        return lambda rt, sc: value

    def ev_missing(rt: Runtime, sc: Scope) -> Any:
        raise EvalError(f"{name} is not defined", pos)

    return ev_missing


def _ident(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Ident)
    name = node.name
    fallback = global_ev(name, node.pos)
    if name not in local:
        return fallback

    def ev_local(rt: Runtime, sc: Scope) -> Any:
        v = sc.vars
        if name in v:  # the innermost scope: a callback's own parameter
            return v[name]
        s = sc.parent
        while s is not None:
            v = s.vars
            if name in v:
                return v[name]
            s = s.parent
        return fallback(rt, sc)

    return ev_local


def _template(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Template)
    strings = node.strings
    parts = [compile_node(e, local) for e in node.exprs]

    def ev(rt: Runtime, sc: Scope) -> Any:
        out = [strings[0]]
        size = len(strings[0])
        for i, part in enumerate(parts):
            s = to_string(part(rt, sc))
            size += len(s) + len(strings[i + 1])
            if size > MAX_STRING_LENGTH:
                raise EvalError("RangeError: Invalid string length")
            out.append(s)
            out.append(strings[i + 1])
        result = "".join(out)
        rt.charge_size(result)
        return result

    return ev


def compile_elements(nodes: tuple[ast.Node | None, ...], local: frozenset[str]) -> Ev:
    """Array elements or call arguments, expanding `...spread`; the list is owned."""
    compiled = [
        (None, None) if n is None
        else (True, compile_node(n.expr, local)) if isinstance(n, ast.Spread)
        else (False, compile_node(n, local))
        for n in nodes
    ]  # fmt: skip
    if all(spread is False for spread, _ in compiled):
        evs = [ev for _, ev in compiled]
        return lambda rt, sc: [ev(rt, sc) for ev in evs]  # type: ignore[misc]

    def ev_spread(rt: Runtime, sc: Scope) -> list[Any]:
        out: list[Any] = []
        for spread, ev in compiled:
            if spread is None:
                out.append(UNDEFINED)
            elif spread:
                items = iterate(rt, ev(rt, sc))  # type: ignore[misc]
                if len(out) + len(items) > MAX_ARRAY_LENGTH:
                    raise EvalError("RangeError: Invalid array length")
                rt.tick(len(items) >> 8)
                out.extend(items)
            else:
                out.append(ev(rt, sc))  # type: ignore[misc]
        return out

    return ev_spread


def _array(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.ArrayLit)
    elements = compile_elements(node.elements, local)
    return lambda rt, sc: rt.own(elements(rt, sc))


def spread_into(rt: Runtime, out: dict[str, Any], src: Any) -> None:
    if type(src) is dict:
        rt.tick(len(src) >> 8)
        out.update(src)
    elif type(src) in (list, str):
        rt.tick(len(src) >> 8)
        out.update({str(i): v for i, v in enumerate(src)})
    elif isinstance(src, HostObject):
        out.update({k: src.get_member(rt, k) for k in src.own_keys()})


def _object(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.ObjectLit)
    props: list[tuple[str | Ev | None, Ev]] = []
    for key, value in node.props:
        if isinstance(value, ast.DefaultPattern):
            raise EvalError("Invalid shorthand property initializer", value.pos)
        if key is None:
            assert isinstance(value, ast.Spread)
            props.append((None, compile_node(value.expr, local)))
        elif isinstance(key, str):
            props.append((key, compile_node(value, local)))
        else:
            props.append((compile_node(key, local), compile_node(value, local)))

    def ev(rt: Runtime, sc: Scope) -> Any:
        out: dict[str, Any] = {}
        for key, value in props:
            if key is None:
                spread_into(rt, out, value(rt, sc))
            elif isinstance(key, str):
                out[key] = value(rt, sc)
            else:
                out[property_key(key(rt, sc))] = value(rt, sc)
        return rt.own(out)

    return ev


def _member(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Member)
    obj_ev = compile_node(node.obj, local)
    optional = node.optional
    if isinstance(node.prop, str):
        key = node.prop

        def ev_static(rt: Runtime, sc: Scope) -> Any:
            obj = obj_ev(rt, sc)
            if type(obj) is dict:
                return obj.get(key, UNDEFINED)
            if optional and (obj is None or obj is UNDEFINED):
                raise ShortCircuit
            try:
                return get_member(rt, obj, key)
            except EvalError as e:
                raise located(e, node) from None

        return ev_static
    key_ev = compile_node(node.prop, local)

    def ev_computed(rt: Runtime, sc: Scope) -> Any:
        obj = obj_ev(rt, sc)
        if optional and (obj is None or obj is UNDEFINED):
            raise ShortCircuit
        k = key_ev(rt, sc)
        try:
            return get_member(rt, obj, k)
        except EvalError as e:
            raise located(e, node) from None

    return ev_computed


def _optional_chain(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.OptionalChain)
    inner = compile_node(node.expr, local)

    def ev(rt: Runtime, sc: Scope) -> Any:
        try:
            return inner(rt, sc)
        except ShortCircuit:
            return UNDEFINED

    return ev


def _source(node: ast.Node, text: str) -> str:
    return text[node.pos : node.end] if text else "expression"


def _call(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Call)
    args_ev = compile_elements(node.args, local)
    callee = node.callee
    optional_call = node.optional
    if isinstance(callee, ast.Member) and not optional_call:
        obj_ev = compile_node(callee.obj, local)
        static_key = callee.prop if isinstance(callee.prop, str) else None
        key_ev = None if isinstance(callee.prop, str) else compile_node(callee.prop, local)
        member_optional = callee.optional

        def ev_method(rt: Runtime, sc: Scope) -> Any:
            obj = obj_ev(rt, sc)
            if member_optional and (obj is None or obj is UNDEFINED):
                raise ShortCircuit
            key = static_key if key_ev is None else key_ev(rt, sc)
            args = args_ev(rt, sc)
            try:
                return call_method(rt, obj, key, args)
            except NotAFunction:
                raise EvalError(f"TypeError: {_source(callee, rt.text)} is not a function",
                                node.pos) from None  # fmt: skip
            except EvalError as e:
                raise located(e, node) from None
            except (ShortCircuit, RecursionError):
                raise
            except _PYTHON_FAILURES as e:
                raise foreign(e, node) from None

        return ev_method
    callee_ev = compile_node(callee, local)

    def ev_call(rt: Runtime, sc: Scope) -> Any:
        fn = callee_ev(rt, sc)
        if optional_call and (fn is None or fn is UNDEFINED):
            raise ShortCircuit
        args = args_ev(rt, sc)
        try:
            return rt.call(fn, args)
        except NotAFunction:
            raise EvalError(f"TypeError: {_source(callee, rt.text)} is not a function",
                            node.pos) from None  # fmt: skip
        except EvalError as e:
            raise located(e, node) from None
        except (ShortCircuit, RecursionError):
            raise
        except _PYTHON_FAILURES as e:
            raise foreign(e, node) from None

    return ev_call


def _new(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.New)
    args_ev = compile_elements(node.args, local)
    name = node.callee.name if isinstance(node.callee, ast.Ident) else None
    ctor = CONSTRUCTORS.get(name) if name is not None else None
    if ctor is None or (name is not None and name in local):
        label = _source_name(node.callee)

        def ev_bad_new(rt: Runtime, sc: Scope) -> Any:
            raise EvalError(f"new {label}() is not supported in expressions", node.pos)

        return ev_bad_new

    def ev(rt: Runtime, sc: Scope) -> Any:
        args = args_ev(rt, sc)
        rt.tick()
        try:
            return ctor.invoke(rt, args)
        except EvalError as e:
            raise located(e, node) from None
        except _PYTHON_FAILURES as e:
            raise foreign(e, node) from None

    return ev


def _source_name(node: ast.Node) -> str:
    if isinstance(node, ast.Ident):
        return node.name
    if isinstance(node, ast.Member) and isinstance(node.prop, str):
        return _source_name(node.obj) + "." + node.prop
    return "expression"


def _unary(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Unary)
    if node.op == "delete":
        target = node.operand
        assert isinstance(target, ast.Member)
        obj_ev = compile_node(target.obj, local)
        key_ev = (
            (lambda rt, sc: target.prop)
            if isinstance(target.prop, str)
            else compile_node(target.prop, local)
        )

        def ev_delete(rt: Runtime, sc: Scope) -> Any:
            try:
                return delete_member(rt, obj_ev(rt, sc), key_ev(rt, sc))
            except EvalError as e:
                raise located(e, node) from None

        return ev_delete
    operand = compile_node(node.operand, local)
    fn = UNARY[node.op]
    if node.op == "typeof" and isinstance(node.operand, ast.Ident):
        # `typeof undeclared` is "undefined", not a ReferenceError.
        def ev_typeof(rt: Runtime, sc: Scope) -> Any:
            try:
                return fn(operand(rt, sc))
            except EvalError as e:
                if e.message.endswith("is not defined"):
                    return "undefined"
                raise

        return ev_typeof

    def ev(rt: Runtime, sc: Scope) -> Any:
        try:
            return fn(operand(rt, sc))
        except EvalError as e:
            raise located(e, node) from None

    return ev


def _binary_step(op: str, right: Ev, node: ast.Node) -> Callable[[Runtime, Scope, Any], Any]:
    if op == "&&":
        return lambda rt, sc, v: right(rt, sc) if truthy(v) else v
    if op == "||":
        return lambda rt, sc, v: v if truthy(v) else right(rt, sc)
    if op == "??":
        return lambda rt, sc, v: right(rt, sc) if v is None or v is UNDEFINED else v
    fn = BINARY[op]

    def step(rt: Runtime, sc: Scope, v: Any) -> Any:
        rt.fuel -= 1
        if rt.fuel < 0:
            raise rt.out_of_fuel()
        try:
            result = fn(v, right(rt, sc))
        except EvalError as e:
            raise located(e, node) from None
        if type(result) is str and len(result) > 4096:
            rt.charge_size(result)
        return result

    return step


def _binary(node: ast.Node, local: frozenset[str]) -> Ev:
    # Walk the left spine iteratively: `((a + b) + c) + d` becomes base `a` and the steps
    # `+ b`, `+ c`, `+ d`, evaluated in a loop.
    spine: list[ast.Node] = []
    n: ast.Node = node
    while isinstance(n, ast.Binary | ast.Logical):
        spine.append(n)
        n = n.left
    base = compile_node(n, local)
    steps = [
        _binary_step(s.op, compile_node(s.right, local), s)  # type: ignore[attr-defined]
        for s in reversed(spine)
    ]
    if len(steps) == 1 and spine[0].op not in ("&&", "||", "??"):  # type: ignore[attr-defined]
        # The common single operator, without the loop: `a * 2`.
        right = compile_node(node.right, local)  # type: ignore[attr-defined]
        fn = BINARY[node.op]  # type: ignore[attr-defined]

        def ev_one(rt: Runtime, sc: Scope) -> Any:
            rt.fuel -= 1
            if rt.fuel < 0:
                raise rt.out_of_fuel()
            try:
                result = fn(base(rt, sc), right(rt, sc))
            except EvalError as e:
                raise located(e, node) from None
            if type(result) is str and len(result) > 4096:
                rt.charge_size(result)
            return result

        return ev_one
    if len(steps) == 1:
        only = steps[0]
        return lambda rt, sc: only(rt, sc, base(rt, sc))

    def ev(rt: Runtime, sc: Scope) -> Any:
        v = base(rt, sc)
        for step in steps:
            v = step(rt, sc, v)
        return v

    return ev


def _conditional(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Conditional)
    test = compile_node(node.test, local)
    yes = compile_node(node.consequent, local)
    no = compile_node(node.alternate, local)
    return lambda rt, sc: yes(rt, sc) if truthy(test(rt, sc)) else no(rt, sc)


def _sequence(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Sequence)
    evs = [compile_node(e, local) for e in node.exprs]

    def ev(rt: Runtime, sc: Scope) -> Any:
        v = UNDEFINED
        for e in evs:
            v = e(rt, sc)
        return v

    return ev


def _spread_outside(node: ast.Node, local: frozenset[str]) -> Ev:
    raise EvalError("unexpected spread", node.pos)


def _pattern_outside(node: ast.Node, local: frozenset[str]) -> Ev:
    raise EvalError("invalid destructuring outside a declaration or assignment", node.pos)


COMPILERS: dict[type, Callable[[ast.Node, frozenset[str]], Ev]] = {
    ast.Literal: _literal,
    ast.Regex: _regex,
    ast.Ident: _ident,
    ast.Template: _template,
    ast.ArrayLit: _array,
    ast.ObjectLit: _object,
    ast.Member: _member,
    ast.OptionalChain: _optional_chain,
    ast.Call: _call,
    ast.New: _new,
    ast.Unary: _unary,
    ast.Binary: _binary,
    ast.Logical: _binary,
    ast.Conditional: _conditional,
    ast.Sequence: _sequence,
    ast.Spread: _spread_outside,
    ast.DefaultPattern: _pattern_outside,
    ast.ArrayPattern: _pattern_outside,
    ast.ObjectPattern: _pattern_outside,
    ast.RestPattern: _pattern_outside,
}

# Functions, assignments and statements register their compilers here.
from hetumind.expressions import statements as _statements  # noqa: E402, F401
