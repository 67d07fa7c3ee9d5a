"""Compiles the syntax tree into nested Python closures, once per parameter.

Each closure takes the runtime and the local scope (a dict of arrow-function parameters
and block declarations). Identifiers are resolved at compile time: locals, `$` variables,
built-in globals, or a ReferenceError raised when (and only if) the code runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hetumind.expressions import syntax as ast
from hetumind.expressions.builtins import CONSTRUCTORS, GLOBALS
from hetumind.expressions.operators import BINARY, UNARY
from hetumind.expressions.regex import JsRegExp
from hetumind.expressions.runtime import (
    MAX_CALL_DEPTH,
    NotAFunction,
    Runtime,
    call_method,
    get_member,
    property_key,
)
from hetumind.expressions.values import (
    MAX_ARRAY_LENGTH,
    UNDEFINED,
    EvalError,
    HostObject,
    JsCallable,
    check_string,
    to_string,
    truthy,
)
from hetumind.expressions.variables import resolve_variable

__all__ = ["Ev", "compile_node"]

Ev = Callable[[Runtime, dict[str, Any]], Any]
_NO_RETURN: Any = object()


class _ShortCircuit(Exception):
    """Raised by `?.` on null/undefined; caught by the enclosing OptionalChain."""


def _located(err: EvalError, node: ast.Node) -> EvalError:
    if err.pos is None:
        err.pos = node.pos
    return err


def _foreign(exc: Exception, node: ast.Node) -> EvalError:
    # Python-level failures inside a method (bad argument types, overflow) become JS-style
    # errors at the call site instead of tracebacks.
    message = str(exc) or type(exc).__name__
    return EvalError(f"{type(exc).__name__}: {message}", node.pos)


class JsFunction(JsCallable):
    """An arrow function closed over the scope it was created in."""

    __slots__ = ("bind", "body", "name", "scope")

    def __init__(self, bind: Callable[[Runtime, dict[str, Any], list[Any]], None], body: Ev,
                 scope: dict[str, Any]) -> None:  # fmt: skip
        self.name = "anonymous"
        self.bind = bind
        self.body = body
        self.scope = scope

    def invoke(self, rt: Runtime, args: list[Any]) -> Any:
        if rt.depth >= MAX_CALL_DEPTH:
            raise EvalError("Maximum call stack size exceeded")
        rt.depth += 1
        try:
            sc = self.scope.copy()
            self.bind(rt, sc, args)
            return self.body(rt, sc)
        finally:
            rt.depth -= 1

    def __repr__(self) -> str:
        return "<arrow function>"


def compile_node(node: ast.Node, local: frozenset[str] = frozenset()) -> Ev:
    compiler = _COMPILERS.get(type(node))
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
    return lambda rt, sc: regex


def _ident(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Ident)
    name = node.name
    if name in local:

        def ev_local(rt: Runtime, sc: dict[str, Any]) -> Any:
            try:
                return sc[name]
            except KeyError:
                raise EvalError(f"Cannot access '{name}' before initialization", node.pos) from None

        return ev_local
    if name.startswith("$"):
        return resolve_variable(name, node.pos)
    if name in GLOBALS:
        value = GLOBALS[name]
        return lambda rt, sc: value

    def ev_missing(rt: Runtime, sc: dict[str, Any]) -> Any:
        raise EvalError(f"{name} is not defined", node.pos)

    return ev_missing


def _template(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Template)
    strings = node.strings
    parts = [compile_node(e, local) for e in node.exprs]

    def ev(rt: Runtime, sc: dict[str, Any]) -> Any:
        out = [strings[0]]
        for i, part in enumerate(parts):
            out.append(to_string(part(rt, sc)))
            out.append(strings[i + 1])
        return check_string("".join(out))

    return ev


def _spread_items(value: Any, node: ast.Node) -> list[Any]:
    if type(value) is list:
        return value
    if type(value) is str:
        return list(value)
    raise EvalError(f"{to_string(value) if value is not None else 'null'} is not iterable",
                    node.pos)  # fmt: skip


def _elements(nodes: tuple[ast.Node, ...], local: frozenset[str]) -> Callable[..., list[Any]]:
    """Evaluate a list of array elements or call arguments, expanding `...spread`."""
    compiled = [
        (True, compile_node(n.expr, local), n) if isinstance(n, ast.Spread)
        else (False, compile_node(n, local), n)
        for n in nodes
    ]  # fmt: skip
    if not any(spread for spread, _, _ in compiled):
        evs = [ev for _, ev, _ in compiled]
        return lambda rt, sc: [ev(rt, sc) for ev in evs]

    def ev_spread(rt: Runtime, sc: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for spread, ev, n in compiled:
            if spread:
                out.extend(_spread_items(ev(rt, sc), n))
                if len(out) > MAX_ARRAY_LENGTH:
                    raise EvalError("Invalid array length", n.pos)
            else:
                out.append(ev(rt, sc))
        return out

    return ev_spread


def _array(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.ArrayLit)
    return _elements(node.elements, local)


def _object(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.ObjectLit)
    props: list[tuple[str | Ev | None, Ev]] = []
    for key, value in node.props:
        if key is None:
            assert isinstance(value, ast.Spread)
            props.append((None, compile_node(value.expr, local)))
        elif isinstance(key, str):
            props.append((key, compile_node(value, local)))
        else:
            props.append((compile_node(key, local), compile_node(value, local)))

    def ev(rt: Runtime, sc: dict[str, Any]) -> Any:
        out: dict[str, Any] = {}
        for key, value in props:
            if key is None:
                src = value(rt, sc)
                if type(src) is dict:
                    out.update(src)
                elif type(src) in (list, str):
                    out.update({str(i): v for i, v in enumerate(src)})
                elif isinstance(src, HostObject):
                    out.update({k: src.get_member(rt, k) for k in src.own_keys()})
            elif isinstance(key, str):
                out[key] = value(rt, sc)
            else:
                out[property_key(key(rt, sc))] = value(rt, sc)
        return out

    return ev


def _member(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Member)
    obj_ev = compile_node(node.obj, local)
    optional = node.optional
    if isinstance(node.prop, str):
        key = node.prop

        def ev_static(rt: Runtime, sc: dict[str, Any]) -> Any:
            obj = obj_ev(rt, sc)
            if type(obj) is dict:
                return obj.get(key, UNDEFINED)
            if optional and (obj is None or obj is UNDEFINED):
                raise _ShortCircuit
            try:
                return get_member(rt, obj, key)
            except EvalError as e:
                raise _located(e, node) from None

        return ev_static
    key_ev = compile_node(node.prop, local)

    def ev_computed(rt: Runtime, sc: dict[str, Any]) -> Any:
        obj = obj_ev(rt, sc)
        if optional and (obj is None or obj is UNDEFINED):
            raise _ShortCircuit
        k = key_ev(rt, sc)
        try:
            return get_member(rt, obj, k)
        except EvalError as e:
            raise _located(e, node) from None

    return ev_computed


def _optional_chain(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.OptionalChain)
    inner = compile_node(node.expr, local)

    def ev(rt: Runtime, sc: dict[str, Any]) -> Any:
        try:
            return inner(rt, sc)
        except _ShortCircuit:
            return UNDEFINED

    return ev


def _source(node: ast.Node, text: str) -> str:
    return text[node.pos : node.end] if text else "expression"


def _call(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Call)
    args_ev = _elements(node.args, local)
    callee = node.callee
    optional_call = node.optional
    if isinstance(callee, ast.Ident) and callee.name.startswith("new "):
        ctor = CONSTRUCTORS.get(callee.name[4:])
        if ctor is None:
            name = callee.name[4:]

            def ev_bad_new(rt: Runtime, sc: dict[str, Any]) -> Any:
                raise EvalError(f"new {name}() is not supported in expressions", node.pos)

            return ev_bad_new
        callee_ev: Ev = lambda rt, sc: ctor  # noqa: E731
    elif isinstance(callee, ast.Member) and not optional_call:
        obj_ev = compile_node(callee.obj, local)
        static_key = callee.prop if isinstance(callee.prop, str) else None
        key_ev = None if isinstance(callee.prop, str) else compile_node(callee.prop, local)
        member_optional = callee.optional

        def ev_method(rt: Runtime, sc: dict[str, Any]) -> Any:
            obj = obj_ev(rt, sc)
            if member_optional and (obj is None or obj is UNDEFINED):
                raise _ShortCircuit
            key = static_key if key_ev is None else key_ev(rt, sc)
            args = args_ev(rt, sc)
            try:
                return call_method(rt, obj, key, args)
            except NotAFunction:
                raise EvalError(f"{_source(callee, rt.text)} is not a function",
                                node.pos) from None  # fmt: skip
            except EvalError as e:
                raise _located(e, node) from None
            except (_ShortCircuit, RecursionError):
                raise
            except (ValueError, TypeError, OverflowError, IndexError, KeyError,
                    AttributeError, ArithmeticError) as e:  # fmt: skip
                raise _foreign(e, node) from None

        return ev_method
    else:
        callee_ev = compile_node(callee, local)

    def ev_call(rt: Runtime, sc: dict[str, Any]) -> Any:
        fn = callee_ev(rt, sc)
        if optional_call and (fn is None or fn is UNDEFINED):
            raise _ShortCircuit
        args = args_ev(rt, sc)
        try:
            return rt.call(fn, args)
        except NotAFunction:
            raise EvalError(f"{_source(callee, rt.text)} is not a function",
                            node.pos) from None  # fmt: skip
        except EvalError as e:
            raise _located(e, node) from None
        except (_ShortCircuit, RecursionError):
            raise
        except (ValueError, TypeError, OverflowError, IndexError, KeyError,
                AttributeError, ArithmeticError) as e:  # fmt: skip
            raise _foreign(e, node) from None

    return ev_call


def _unary(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Unary)
    operand = compile_node(node.operand, local)
    fn = UNARY[node.op]
    if node.op == "typeof" and isinstance(node.operand, ast.Ident):
        # `typeof undeclared` is "undefined", not a ReferenceError.
        def ev_typeof(rt: Runtime, sc: dict[str, Any]) -> Any:
            try:
                return fn(operand(rt, sc))
            except EvalError as e:
                if e.message.endswith("is not defined"):
                    return "undefined"
                raise

        return ev_typeof

    def ev(rt: Runtime, sc: dict[str, Any]) -> Any:
        try:
            return fn(operand(rt, sc))
        except EvalError as e:
            raise _located(e, node) from None

    return ev


def _binary(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Binary)
    left = compile_node(node.left, local)
    right = compile_node(node.right, local)
    fn = BINARY[node.op]

    def ev(rt: Runtime, sc: dict[str, Any]) -> Any:
        rt.fuel -= 1
        if rt.fuel < 0:
            raise rt.out_of_fuel()
        try:
            return fn(left(rt, sc), right(rt, sc))
        except EvalError as e:
            raise _located(e, node) from None

    return ev


def _logical(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Logical)
    left = compile_node(node.left, local)
    right = compile_node(node.right, local)
    if node.op == "&&":
        return lambda rt, sc: right(rt, sc) if truthy(v := left(rt, sc)) else v
    if node.op == "||":
        return lambda rt, sc: v if truthy(v := left(rt, sc)) else right(rt, sc)
    return lambda rt, sc: right(rt, sc) if (v := left(rt, sc)) is None or v is UNDEFINED else v


def _conditional(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Conditional)
    test = compile_node(node.test, local)
    yes = compile_node(node.consequent, local)
    no = compile_node(node.alternate, local)
    return lambda rt, sc: yes(rt, sc) if truthy(test(rt, sc)) else no(rt, sc)


def _declared_names(body: ast.Node) -> set[str]:
    names: set[str] = set()
    stack = [body]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Declare):
            names.add(n.name)
        elif isinstance(n, ast.Block):
            stack.extend(n.body)
        elif isinstance(n, ast.If):
            stack.append(n.consequent)
            if n.alternate is not None:
                stack.append(n.alternate)
    return names


def _arrow(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Arrow)
    names = {p.name for p in node.params if p.name} | {
        n for p in node.params for n in p.pattern or ()
    }
    inner = local | names | _declared_names(node.body)
    params = [(p, compile_node(p.default, inner) if p.default else None) for p in node.params]
    simple = len(params) == 1 and params[0][1] is None and params[0][0].name is not None
    simple = simple and not params[0][0].rest

    if simple:
        only = node.params[0].name

        def bind(rt: Runtime, sc: dict[str, Any], args: list[Any]) -> None:
            sc[only] = args[0] if args else UNDEFINED  # type: ignore[index]

    else:

        def bind(rt: Runtime, sc: dict[str, Any], args: list[Any]) -> None:
            for i, (p, default) in enumerate(params):
                if p.rest:
                    sc[p.name] = list(args[i:])  # type: ignore[index]
                    break
                arg = args[i] if i < len(args) else UNDEFINED
                if arg is UNDEFINED and default is not None:
                    arg = default(rt, sc)
                if p.pattern is not None:
                    if arg is None or arg is UNDEFINED:
                        raise EvalError(f"Cannot destructure '{to_string(arg)}'", node.pos)
                    for name in p.pattern:
                        sc[name] = get_member(rt, arg, name)
                else:
                    sc[p.name] = arg  # type: ignore[index]

    body: Ev
    if isinstance(node.body, ast.Block):
        block = _statement(node.body, inner)

        def body_block(rt: Runtime, sc: dict[str, Any]) -> Any:
            result = block(rt, sc)
            return UNDEFINED if result is _NO_RETURN else result

        body = body_block
    else:
        body = compile_node(node.body, inner)
    return lambda rt, sc: JsFunction(bind, body, sc)


def _statement(node: ast.Node, local: frozenset[str]) -> Ev:
    """Statements return _NO_RETURN, or the value of the `return` they reached."""
    if isinstance(node, ast.Block):
        stmts = [_statement(s, local) for s in node.body]

        def ev_block(rt: Runtime, sc: dict[str, Any]) -> Any:
            for st in stmts:
                result = st(rt, sc)
                if result is not _NO_RETURN:
                    return result
            return _NO_RETURN

        return ev_block
    if isinstance(node, ast.Return):
        if node.expr is None:
            return lambda rt, sc: UNDEFINED
        return compile_node(node.expr, local)
    if isinstance(node, ast.Declare):
        name = node.name
        init = compile_node(node.expr, local) if node.expr else (lambda rt, sc: UNDEFINED)

        def ev_declare(rt: Runtime, sc: dict[str, Any]) -> Any:
            sc[name] = init(rt, sc)
            return _NO_RETURN

        return ev_declare
    if isinstance(node, ast.If):
        test = compile_node(node.test, local)
        yes = _statement(node.consequent, local)
        no = _statement(node.alternate, local) if node.alternate else None

        def ev_if(rt: Runtime, sc: dict[str, Any]) -> Any:
            rt.tick()
            if truthy(test(rt, sc)):
                return yes(rt, sc)
            return no(rt, sc) if no is not None else _NO_RETURN

        return ev_if
    assert isinstance(node, ast.ExprStmt)
    expr = compile_node(node.expr, local)

    def ev_expr(rt: Runtime, sc: dict[str, Any]) -> Any:
        expr(rt, sc)
        return _NO_RETURN

    return ev_expr


def _spread_outside(node: ast.Node, local: frozenset[str]) -> Ev:
    raise EvalError("unexpected spread", node.pos)


_COMPILERS: dict[type, Callable[[ast.Node, frozenset[str]], Ev]] = {
    ast.Literal: _literal,
    ast.Regex: _regex,
    ast.Ident: _ident,
    ast.Template: _template,
    ast.ArrayLit: _array,
    ast.ObjectLit: _object,
    ast.Member: _member,
    ast.OptionalChain: _optional_chain,
    ast.Call: _call,
    ast.Unary: _unary,
    ast.Binary: _binary,
    ast.Logical: _logical,
    ast.Conditional: _conditional,
    ast.Arrow: _arrow,
    ast.Spread: _spread_outside,
}
