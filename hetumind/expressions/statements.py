"""Functions, destructuring, assignment and statements, compiled into closures.

A statement closure returns None when it completes normally, or a completion signal:
BREAK, CONTINUE, or a `_Return`. Every loop iteration and every call costs a step, so
no loop runs past the expression's budget; running out (BudgetExceeded) cannot be caught
by a `try` in the expression.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hetumind.expressions import syntax as ast
from hetumind.expressions.assignment import Binder, compile_binder
from hetumind.expressions.evaluator import COMPILERS, Ev, compile_node, located
from hetumind.expressions.jsobjects import ErrorObject, error_from, iterate
from hetumind.expressions.parser import bound_names
from hetumind.expressions.runtime import (
    MAX_CALL_DEPTH,
    BudgetExceeded,
    JsThrow,
    Runtime,
    Scope,
)
from hetumind.expressions.values import (
    UNDEFINED,
    EvalError,
    HostObject,
    JsCallable,
    js_keys,
    strict_eq,
    to_string,
    truthy,
)

__all__ = ["JsFunction", "compile_program"]

Sv = Callable[[Runtime, Scope], Any]
BREAK: Any = object()
CONTINUE: Any = object()


class _Return:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class JsFunction(JsCallable):
    """An arrow function or function expression closed over the scope it was made in."""

    __slots__ = ("body", "expr_body", "hoisted", "is_arrow", "name", "params", "scope", "simple")

    def __init__(self, name: str | None, params: list[tuple[bool, Binder]], body: Sv,
                 hoisted: tuple[str, ...], is_arrow: bool, scope: Scope,
                 simple: tuple[str, ...] | None, expr_body: bool) -> None:  # fmt: skip
        self.name = name or "anonymous"
        self.params = params
        self.body = body
        self.hoisted = hoisted
        self.is_arrow = is_arrow
        self.scope = scope
        # Plain parameter names of an arrow function without hoisting (`x => x * 2`):
        # bound directly, the common case inside map/filter callbacks.
        self.simple = simple
        self.expr_body = expr_body

    def invoke(self, rt: Runtime, args: list[Any]) -> Any:
        if rt.depth >= MAX_CALL_DEPTH:
            raise EvalError("RangeError: Maximum call stack size exceeded")
        rt.depth += 1
        try:
            sc = Scope(self.scope)
            v = sc.vars
            simple = self.simple
            if simple is not None:
                n = len(args)
                for i, name in enumerate(simple):
                    v[name] = args[i] if i < n else UNDEFINED
                result = self.body(rt, sc)
                if self.expr_body:
                    return result
                return result.value if type(result) is _Return else UNDEFINED
            if not self.is_arrow:
                v["arguments"] = rt.own(list(args))
                if self.name != "anonymous":
                    v.setdefault(self.name, self)
            for name in self.hoisted:
                v[name] = UNDEFINED
            for i, (rest, bind) in enumerate(self.params):
                if rest:
                    bind(rt, sc, rt.own(list(args[i:])))
                    break
                bind(rt, sc, args[i] if i < len(args) else UNDEFINED)
            result = self.body(rt, sc)
            if self.expr_body:
                return result
            return result.value if type(result) is _Return else UNDEFINED
        finally:
            rt.depth -= 1

    def __repr__(self) -> str:
        return f"<function {self.name}>"


# -- names -----------------------------------------------------------------------------------
def _scan(body: list[ast.Node]) -> tuple[set[str], set[str]]:
    """(`var` names to hoist, every name declared) in a function body, iteratively."""
    hoisted: set[str] = set()
    declared: set[str] = set()
    stack = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.VarDecl):
            names = bound_names([p for p, _ in n.decls])
            declared.update(names)
            if n.kind == "var":
                hoisted.update(names)
        elif isinstance(n, ast.Block):
            stack.extend(n.body)
        elif isinstance(n, ast.If):
            stack.append(n.consequent)
            if n.alternate is not None:
                stack.append(n.alternate)
        elif isinstance(n, ast.For):
            if n.init is not None:
                stack.append(n.init)
            stack.append(n.body)
        elif isinstance(n, ast.ForIn):
            names = bound_names([n.target])
            declared.update(names)
            if n.kind == "var":
                hoisted.update(names)
            stack.append(n.body)
        elif isinstance(n, ast.While | ast.DoWhile):
            stack.append(n.body)
        elif isinstance(n, ast.Try):
            stack.append(n.block)
            if n.param is not None:
                declared.update(bound_names([n.param]))
            for b in (n.handler, n.finalizer):
                if b is not None:
                    stack.append(b)
        elif isinstance(n, ast.Switch):
            for _, stmts in n.cases:
                stack.extend(stmts)
    return hoisted, declared


# -- functions -------------------------------------------------------------------------------
def _function(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Arrow)
    body_stmts = list(node.body.body) if isinstance(node.body, ast.Block) else []
    hoisted, declared = _scan(body_stmts)
    inner = local | set(bound_names(list(node.params))) | declared
    if node.name:
        inner |= {node.name}
    if not node.is_arrow:
        inner |= {"arguments"}
    params: list[tuple[bool, Binder]] = []
    for p in node.params:
        if isinstance(p, ast.RestPattern):
            params.append((True, compile_binder(p.target, inner, True)))
        else:
            params.append((False, compile_binder(p, inner, True)))
    param_names = set(bound_names(list(node.params)))
    hoist = tuple(sorted(hoisted - param_names))
    body: Sv
    expr_body = not isinstance(node.body, ast.Block)
    if isinstance(node.body, ast.Block):
        body = _block(node.body, inner, own_scope=False)
    else:
        body = compile_node(node.body, inner)
    name, is_arrow = node.name, node.is_arrow
    plain = all(isinstance(p, ast.Ident) for p in node.params)
    simple = tuple(p.name for p in node.params) if plain and is_arrow and not hoist else None  # type: ignore[attr-defined]
    return lambda rt, sc: JsFunction(name, params, body, hoist, is_arrow, sc, simple, expr_body)


# -- statements ------------------------------------------------------------------------------
def compile_statement(node: ast.Node, local: frozenset[str]) -> Sv:
    compiler = _STATEMENTS.get(type(node))
    if compiler is None:
        raise EvalError(f"{type(node).__name__} is not supported here", node.pos)
    return compiler(node, local)


def _run_all(stmts: list[Sv]) -> Sv:
    if len(stmts) == 1:
        return stmts[0]

    def run(rt: Runtime, sc: Scope) -> Any:
        for st in stmts:
            r = st(rt, sc)
            if r is not None:
                return r
        return None

    return run


def _block(node: ast.Node, local: frozenset[str], own_scope: bool = True) -> Sv:
    body = list(node.body) if isinstance(node, ast.Block | ast.Program) else [node]
    functions = [s for s in body if isinstance(s, ast.VarDecl) and s.kind == "function"]
    lexical = own_scope and any(isinstance(s, ast.VarDecl) and s.kind != "var" for s in body)
    hoist = [(bound_names([s.decls[0][0]])[0], compile_node(s.decls[0][1], local))  # type: ignore[arg-type]
             for s in functions]  # fmt: skip
    stmts = [compile_statement(s, local) for s in body if s not in functions]
    run = _run_all(stmts) if stmts else (lambda rt, sc: None)
    if not lexical and not hoist:
        return run

    def ev_block(rt: Runtime, sc: Scope) -> Any:
        inner = Scope(sc) if lexical else sc
        for name, make in hoist:
            inner.vars[name] = make(rt, inner)
        return run(rt, inner)

    return ev_block


def _var_decl(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.VarDecl)
    kind = node.kind
    decls = [(compile_binder(p, local, kind != "var"), compile_node(init, local) if init else None,
              p) for p, init in node.decls]  # fmt: skip
    const_names = frozenset(bound_names([p for p, _ in node.decls])) if kind == "const" else None

    def ev(rt: Runtime, sc: Scope) -> Any:
        for bind, init, _p in decls:
            if init is None:
                if kind == "var":
                    continue
                v = UNDEFINED
            else:
                v = init(rt, sc)
            bind(rt, sc, v)
        if const_names is not None:
            sc.consts = sc.consts | const_names
        return None

    return ev


def _expr_stmt(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.ExprStmt)
    expr = compile_node(node.expr, local)

    def ev(rt: Runtime, sc: Scope) -> Any:
        rt.last = expr(rt, sc)
        return None

    return ev


def _return(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.Return)
    if node.expr is None:
        return lambda rt, sc: _Return(UNDEFINED)
    expr = compile_node(node.expr, local)
    return lambda rt, sc: _Return(expr(rt, sc))


def _if(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.If)
    test = compile_node(node.test, local)
    yes = _block(node.consequent, local)
    no = _block(node.alternate, local) if node.alternate is not None else None

    def ev(rt: Runtime, sc: Scope) -> Any:
        rt.tick()
        if truthy(test(rt, sc)):
            return yes(rt, sc)
        return no(rt, sc) if no is not None else None

    return ev


def _loop_result(r: Any) -> tuple[bool, Any]:
    """(stop the loop, what the loop statement returns)."""
    if r is BREAK:
        return True, None
    if r is CONTINUE:
        return False, None
    return True, r


def _for(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.For)
    lexical = isinstance(node.init, ast.VarDecl) and node.init.kind != "var"
    init = compile_statement(node.init, local) if node.init is not None else None
    test = compile_node(node.test, local) if node.test is not None else None
    update = compile_node(node.update, local) if node.update is not None else None
    body = _block(node.body, local)

    def ev(rt: Runtime, sc: Scope) -> Any:
        loop_sc = Scope(sc) if lexical else sc
        if init is not None:
            init(rt, loop_sc)
        while True:
            rt.tick()
            if test is not None and not truthy(test(rt, loop_sc)):
                return None
            r = body(rt, loop_sc)
            if r is not None:
                stop, out = _loop_result(r)
                if stop:
                    return out
            if lexical:  # a fresh binding per iteration, so closures keep their own `i`
                nxt = Scope(sc)
                nxt.vars = dict(loop_sc.vars)
                nxt.consts = loop_sc.consts
                loop_sc = nxt
            if update is not None:
                update(rt, loop_sc)

    return ev


def _keys(rt: Runtime, obj: Any) -> list[Any]:
    t = type(obj)
    if t is dict:
        return js_keys(obj)
    if t is list or t is str:
        return [str(i) for i in range(len(obj))]
    if isinstance(obj, HostObject):
        return obj.own_keys()
    return []


def _for_in(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.ForIn)
    lexical = node.kind in ("let", "const")
    bind = compile_binder(node.target, local, lexical)
    iterable = compile_node(node.iterable, local)
    body = _block(node.body, local)
    of = node.of
    const_names = frozenset(bound_names([node.target])) if node.kind == "const" else None

    def ev(rt: Runtime, sc: Scope) -> Any:
        src = iterable(rt, sc)
        try:
            items = iterate(rt, src) if of else _keys(rt, src)
        except EvalError as e:
            raise located(e, node) from None
        i = 0
        while i < len(items):  # live: a body that appends to the array sees the new items
            rt.tick()
            it_sc = Scope(sc) if lexical else sc
            bind(rt, it_sc, items[i])
            if const_names is not None:
                it_sc.consts = const_names
            i += 1
            r = body(rt, it_sc)
            if r is not None:
                stop, out = _loop_result(r)
                if stop:
                    return out
        return None

    return ev


def _while(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.While | ast.DoWhile)
    test = compile_node(node.test, local)
    body = _block(node.body, local)
    check_first = isinstance(node, ast.While)

    def ev(rt: Runtime, sc: Scope) -> Any:
        first = True
        while True:
            rt.tick()
            if (check_first or not first) and not truthy(test(rt, sc)):
                return None
            first = False
            r = body(rt, sc)
            if r is not None:
                stop, out = _loop_result(r)
                if stop:
                    return out

    return ev


def _throw(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.Throw)
    expr = compile_node(node.expr, local)

    def ev(rt: Runtime, sc: Scope) -> Any:
        v = expr(rt, sc)
        message = v.message if isinstance(v, ErrorObject) else to_string(v)
        raise JsThrow(v, message, node.pos)

    return ev


def _try(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.Try)
    block = _block(node.block, local)
    handler = _block(node.handler, local) if node.handler is not None else None
    bind = compile_binder(node.param, local, True) if node.param is not None else None
    finalizer = _block(node.finalizer, local) if node.finalizer is not None else None

    def ev(rt: Runtime, sc: Scope) -> Any:
        pending: EvalError | None = None
        result: Any = None
        try:
            result = block(rt, sc)
        except BudgetExceeded:
            raise  # the budget is final: no catch, no finally
        except EvalError as e:
            if handler is None:
                pending = e
            else:
                catch_sc = Scope(sc)
                if bind is not None:
                    bind(rt, catch_sc, error_from(e))
                try:
                    result = handler(rt, catch_sc)
                except BudgetExceeded:
                    raise
                except EvalError as e2:
                    pending = e2
        if finalizer is not None:
            r = finalizer(rt, sc)
            if r is not None:
                return r  # a completion in `finally` overrides, as in JavaScript
        if pending is not None:
            raise pending
        return result

    return ev


def _switch(node: ast.Node, local: frozenset[str]) -> Sv:
    assert isinstance(node, ast.Switch)
    disc = compile_node(node.discriminant, local)
    cases = [(compile_node(t, local) if t is not None else None,
              _block(ast.Block(node.pos, node.end, body), local, own_scope=False))
             for t, body in node.cases]  # fmt: skip
    default = next((i for i, (t, _) in enumerate(cases) if t is None), None)

    def ev(rt: Runtime, sc: Scope) -> Any:
        v = disc(rt, sc)
        start = None
        for i, (test, _) in enumerate(cases):
            if test is not None:
                rt.tick()
                if strict_eq(v, test(rt, sc)):
                    start = i
                    break
        if start is None:
            start = default
        if start is None:
            return None
        inner = Scope(sc)
        for _, run in cases[start:]:
            r = run(rt, inner)
            if r is not None:
                return None if r is BREAK else r
        return None

    return ev


_STATEMENTS: dict[type, Callable[[ast.Node, frozenset[str]], Sv]] = {
    ast.Block: _block,
    ast.VarDecl: _var_decl,
    ast.ExprStmt: _expr_stmt,
    ast.Return: _return,
    ast.If: _if,
    ast.For: _for,
    ast.ForIn: _for_in,
    ast.While: _while,
    ast.DoWhile: _while,
    ast.Break: lambda node, local: lambda rt, sc: BREAK,
    ast.Continue: lambda node, local: lambda rt, sc: CONTINUE,
    ast.Throw: _throw,
    ast.Try: _try,
    ast.Switch: _switch,
}


def compile_program(node: ast.Program, local: frozenset[str] = frozenset()) -> Ev:
    """A `{{ }}` segment of statements: its value is what the last expression statement
    produced (or what a top-level `return` gives)."""
    hoisted, declared = _scan(list(node.body))
    inner = local | declared
    run = _block(node, inner, own_scope=False)
    hoist = tuple(sorted(hoisted))

    def ev(rt: Runtime, sc: Scope) -> Any:
        top = Scope(sc)
        for name in hoist:
            top.vars[name] = UNDEFINED
        rt.last = UNDEFINED
        r = run(rt, top)
        if type(r) is _Return:
            return r.value
        if r is BREAK or r is CONTINUE:
            raise EvalError("SyntaxError: break or continue outside a loop", node.pos)
        return rt.last

    return ev


def _program(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Program)
    return compile_program(node, local)


COMPILERS.update({
    ast.Arrow: _function,
    ast.Program: _program,
})  # fmt: skip
