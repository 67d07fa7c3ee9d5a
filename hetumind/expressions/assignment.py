"""Assignment: binding patterns (destructuring), `=` and compound operators, `++`/`--`.

Names are assigned through the scope chain (a `const` refuses); properties only on
containers the evaluation owns (runtime.set_member), so the workflow's data never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hetumind.expressions import syntax as ast
from hetumind.expressions.evaluator import COMPILERS, Ev, compile_node, located
from hetumind.expressions.jsobjects import iterate
from hetumind.expressions.operators import BINARY
from hetumind.expressions.runtime import Runtime, Scope, get_member, property_key, set_member
from hetumind.expressions.values import (
    UNDEFINED,
    EvalError,
    HostObject,
    norm_number,
    to_number,
    to_string,
    truthy,
)

__all__ = ["Binder", "compile_binder"]

Binder = Callable[[Runtime, Scope, Any], None]


# -- binding patterns ------------------------------------------------------------------------
def compile_binder(p: ast.Node, local: frozenset[str], declare: bool) -> Binder:
    """Bind a value to a pattern: `declare` defines names in the current scope, otherwise
    existing bindings (or properties, for member targets) are assigned."""
    if isinstance(p, ast.Ident):
        name = p.name
        if declare:

            def bind_new(rt: Runtime, sc: Scope, v: Any) -> None:
                sc.vars[name] = v

            return bind_new

        def bind_existing(rt: Runtime, sc: Scope, v: Any) -> None:
            s = sc.find(name)
            if s is None:
                raise EvalError(f"ReferenceError: {name} is not defined", p.pos)
            if name in s.consts:
                raise EvalError("TypeError: Assignment to constant variable.", p.pos)
            s.vars[name] = v

        return bind_existing
    if isinstance(p, ast.Member):
        obj_ev = compile_node(p.obj, local)
        key_ev = _key_ev(p.prop, local)

        def bind_member(rt: Runtime, sc: Scope, v: Any) -> None:
            try:
                set_member(rt, obj_ev(rt, sc), key_ev(rt, sc), v)
            except EvalError as e:
                raise located(e, p) from None

        return bind_member
    if isinstance(p, ast.DefaultPattern):
        inner = compile_binder(p.target, local, declare)
        default = compile_node(p.default, local)

        def bind_default(rt: Runtime, sc: Scope, v: Any) -> None:
            inner(rt, sc, default(rt, sc) if v is UNDEFINED else v)

        return bind_default
    if isinstance(p, ast.ArrayPattern):
        parts = [
            None if e is None
            else (True, compile_binder(e.target, local, declare)) if isinstance(e, ast.RestPattern)
            else (False, compile_binder(e, local, declare))
            for e in p.elements
        ]  # fmt: skip

        def bind_array(rt: Runtime, sc: Scope, v: Any) -> None:
            try:
                items = iterate(rt, v)
            except EvalError as e:
                raise located(e, p) from None
            for i, part in enumerate(parts):
                if part is None:
                    continue
                rest, bind = part
                if rest:
                    bind(rt, sc, rt.own(list(items[i:])))
                    return
                bind(rt, sc, items[i] if i < len(items) else UNDEFINED)

        return bind_array
    if isinstance(p, ast.ObjectPattern):
        props: list[tuple[Ev | None, Binder]] = []
        for key, target in p.props:
            if key is None:
                assert isinstance(target, ast.RestPattern)
                props.append((None, compile_binder(target.target, local, declare)))
            else:
                props.append((_key_ev(key, local), compile_binder(target, local, declare)))

        def bind_object(rt: Runtime, sc: Scope, v: Any) -> None:
            if v is None or v is UNDEFINED:
                raise EvalError(f"TypeError: Cannot destructure '{to_string(v)}' as it is "
                                f"{to_string(v)}.", p.pos)  # fmt: skip
            used: set[str] = set()
            for key_ev, bind in props:
                if key_ev is None:
                    rest: dict[str, Any] = {}
                    if type(v) is dict:
                        rest = {k: x for k, x in v.items() if k not in used}
                    elif isinstance(v, HostObject):
                        rest = {k: v.get_member(rt, k) for k in v.own_keys() if k not in used}
                    bind(rt, sc, rt.own(rest))
                    return
                k = property_key(key_ev(rt, sc))
                used.add(k)
                bind(rt, sc, get_member(rt, v, k))

        return bind_object
    raise EvalError("invalid destructuring target", p.pos)


def _key_ev(prop: str | ast.Node, local: frozenset[str]) -> Ev:
    if isinstance(prop, str):
        return lambda rt, sc: prop
    return compile_node(prop, local)


# -- assignment ------------------------------------------------------------------------------
def _assign(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Assign)
    value_ev = compile_node(node.value, local)
    target = node.target
    if node.op == "=":
        bind = compile_binder(target, local, False)

        def ev_set(rt: Runtime, sc: Scope) -> Any:
            v = value_ev(rt, sc)
            bind(rt, sc, v)
            return v

        return ev_set
    op = node.op[:-1]
    get, put = _place(target, local)
    if op in ("&&", "||", "??"):

        def ev_logical(rt: Runtime, sc: Scope) -> Any:
            ref = get(rt, sc)
            old = ref[0]
            keep = (not truthy(old) if op == "&&" else truthy(old) if op == "||"
                    else old is not None and old is not UNDEFINED)  # fmt: skip
            if keep:
                return old
            v = value_ev(rt, sc)
            put(rt, sc, ref, v)
            return v

        return ev_logical
    fn = BINARY[op]

    def ev_compound(rt: Runtime, sc: Scope) -> Any:
        rt.tick()
        ref = get(rt, sc)
        try:
            v = fn(ref[0], value_ev(rt, sc))
        except EvalError as e:
            raise located(e, node) from None
        if type(v) is str and len(v) > 4096:
            rt.charge_size(v)
        put(rt, sc, ref, v)
        return v

    return ev_compound


Ref = tuple[Any, Any, Any]  # (current value, object, key)


def _place(target: ast.Node, local: frozenset[str]) -> tuple[
    Callable[[Runtime, Scope], Ref], Callable[[Runtime, Scope, Ref, Any], None]
]:  # fmt: skip
    """Read-then-write access to an identifier or a property, evaluating it once."""
    if isinstance(target, ast.Ident):
        read = compile_node(target, local)
        bind = compile_binder(target, local, False)
        return (lambda rt, sc: (read(rt, sc), None, None)), (lambda rt, sc, ref, v: bind(rt, sc, v))
    assert isinstance(target, ast.Member)
    obj_ev = compile_node(target.obj, local)
    key_ev = _key_ev(target.prop, local)

    def get(rt: Runtime, sc: Scope) -> Ref:
        obj = obj_ev(rt, sc)
        key = key_ev(rt, sc)
        try:
            return get_member(rt, obj, key), obj, key
        except EvalError as e:
            raise located(e, target) from None

    def put(rt: Runtime, sc: Scope, ref: Ref, v: Any) -> None:
        try:
            set_member(rt, ref[1], ref[2], v)
        except EvalError as e:
            raise located(e, target) from None

    return get, put


def _update(node: ast.Node, local: frozenset[str]) -> Ev:
    assert isinstance(node, ast.Update)
    get, put = _place(node.target, local)
    delta = 1 if node.op == "++" else -1
    prefix = node.prefix

    def ev(rt: Runtime, sc: Scope) -> Any:
        rt.tick()
        ref = get(rt, sc)
        old = to_number(ref[0])
        new = norm_number(old + delta)
        put(rt, sc, ref, new)
        return new if prefix else old

    return ev


COMPILERS.update({ast.Assign: _assign, ast.Update: _update})
