# ruff: noqa: E501  (JavaScript sources are kept on one line)
"""The JavaScript n8n users write inside `{{ }}`: statements, functions, destructuring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hetumind.errors import ExpressionError

Evaluate = Callable[..., Any]

CASES: list[tuple[str, Any]] = [
    # `;`-separated statements: the value of the last expression statement
    ("const a = 1; let b = 2; a + b", 3),
    ("var x = 5; x * 2;", 10),
    ("let s = 0; for (let i = 0; i < 4; i++) { s += i } s", 6),
    ("const o = {}; o.k = 1; o", {"k": 1}),
    ("if ($json.age > 30) { 'old' } else { 'young' }", "old"),
    # blocks, if/else, loops, break/continue
    (
        "(() => { let out = []; for (const x of [1, 2, 3, 4]) { if (x === 2) continue;"
        " if (x === 4) break; out.push(x) } return out })()",
        [1, 3],
    ),
    (
        "(() => { const ks = []; for (const k in {p: 1, q: 2}) ks.push(k); return ks })()",
        ["p", "q"],
    ),
    ("(() => { const ks = []; for (const i in ['a', 'b']) ks.push(i); return ks })()", ["0", "1"]),
    ("(() => { let i = 0; while (i < 10) { i += 3 } return i })()", 12),
    ("(() => { let i = 0; do { i++ } while (i < 0); return i })()", 1),
    (
        "(() => { var t = 0; for (var i = 0, j = 10; i < j; i++, j--) t++; return [t, i] })()",
        [5, 5],
    ),
    ("(() => { for (const [k, v] of Object.entries({a: 1})) return k + v })()", "a1"),
    ("(() => { let r = ''; for (const ch of 'abc') r = ch + r; return r })()", "cba"),
    # switch with fall-through and default
    (
        "(() => { switch (2) { case 1: return 'one'; case 2: case 3: return 'few';"
        " default: return 'many' } })()",
        "few",
    ),
    (
        "(() => { let r = []; switch ('x') { case 'x': r.push(1); case 'y': r.push(2); break;"
        " default: r.push(3) } return r })()",
        [1, 2],
    ),
    # functions: expressions, declarations (hoisted), IIFEs, closures, recursion, arguments
    ("(function () { return 42 })()", 42),
    ("(function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) })(5)", 120),
    ("(() => { return twice(4); function twice(n) { return n * 2 } })()", 8),
    ("(function () { return arguments.length })(1, 2, 3)", 3),
    ("(() => { let c = 0; const inc = () => { c++ }; inc(); inc(); return c })()", 2),
    (
        "(() => { const fs = []; for (let i = 0; i < 3; i++) fs.push(() => i);"
        " return fs.map(f => f()) })()",
        [0, 1, 2],
    ),
    ("(() => { const o = { double(x) { return x * 2 } }; return o.double(4) })()", 8),
    ("[1, 2, 3].map(function (x) { return x * 10 })", [10, 20, 30]),
    # destructuring in declarations, parameters and assignments; defaults; rest
    ("Object.entries({a: 1, b: 2}).map(([k, v]) => `${k}=${v}`).join('&')", "a=1&b=2"),
    ("[{n: 'x', v: 1}, {n: 'y'}].map(({n, v = 0}) => n + v)", ["x1", "y0"]),
    (
        "(() => { const {name, nested: {x}, ...rest} = $json; return [name, x, Object.keys(rest)] })()",
        ["Ada", 1, ["age", "tags", "none"]],
    ),
    (
        "(() => { const [a, , c = 9, ...more] = [1, 2, undefined, 4, 5]; return {a, c, more} })()",
        {"a": 1, "c": 9, "more": [4, 5]},
    ),
    ("(() => { let a = 1, b = 2; [a, b] = [b, a]; return [a, b] })()", [2, 1]),
    ("((a, b = a * 2, ...rest) => [a, b, rest])(1)", [1, 2, []]),
    ("(({a: {b: [first]}}) => first)({a: {b: [7, 8]}})", 7),
    # spread in arrays, objects and calls
    ("[...[1, 2], ...'ab', ...new Set([3, 3])]", [1, 2, "a", "b", 3]),
    ("({...{a: 1, b: 2}, b: 3, ...null, ...undefined})", {"a": 1, "b": 3}),
    ("Math.max(...[4, 9, 2], 1)", 9),
    # assignment operators, ++/--, logical assignment, comma
    ("(() => { let x = 2; x **= 3; x -= 1; x %= 4; return x })()", 3),
    (
        "(() => { let a = null; a ??= 5; let b = 0; b ||= 7; let c = 1; c &&= 9; return [a, b, c] })()",
        [5, 7, 9],
    ),
    ("(() => { let i = 0; const a = i++; const b = ++i; return [a, b, i] })()", [0, 2, 2]),
    (
        "(() => { const o = {n: 1}; o.n += 5; o['m'] = o.n * 2; o.n++; delete o.m; return o })()",
        {"n": 7},
    ),
    ("(() => { const a = [1, 2, 3]; a.length = 1; a[3] = 4; return a })()", [1, None, None, 4]),
    # try/catch/finally and throw
    ("(() => { try { throw new Error('boom') } catch (e) { return e.message } })()", "boom"),
    ("(() => { try { null.x } catch (e) { return e instanceof TypeError } })()", True),
    ("(() => { try { undefinedThing } catch ({name}) { return name } })()", "ReferenceError"),
    ("(() => { let log = []; try { log.push(1) } finally { log.push(2) } return log })()", [1, 2]),
    ("(() => { try { return 1 } finally { return 2 } })()", 2),
    ("(() => { try { throw {code: 7} } catch (e) { return e.code } })()", 7),
    ("(() => { try { throw 'x' } catch { return 'no binding' } })()", "no binding"),
    # Map, Set, Date, RegExp built with new
    (
        "(() => { const m = new Map([['a', 1]]); m.set('b', 2); return [m.get('a'), m.has('b'),"
        " m.size, [...m.values()], Object.fromEntries(m)] })()",
        [1, True, 2, [1, 2], {"a": 1, "b": 2}],
    ),
    (
        "(() => { const s = new Set([1, 2, 2]); s.add(3).delete(1); return [s.size, [...s]] })()",
        [2, [2, 3]],
    ),
    ("new Date('2024-01-02T03:04:05Z').toISOString()", "2024-01-02T03:04:05.000Z"),
    ("new RegExp('a(b)', 'g').source", "a(b)"),
    ("new Date(0) instanceof Date", True),
    ("[] instanceof Array && !({} instanceof Array)", True),
    # optional chaining and ??
    ("$json.nested?.x ?? 'none'", 1),
    ("$json.missing?.deep.value ?? 'none'", "none"),
    ("$json.missing?.[0]?.()", None),
]


@pytest.mark.parametrize(("expr", "expected"), CASES)
def test_statement_semantics(ev: Evaluate, expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_errors_are_clear(ev: Evaluate) -> None:
    with pytest.raises(ExpressionError, match="boom"):
        ev("(() => { throw new Error('boom') })()")
    with pytest.raises(ExpressionError, match="Assignment to constant variable"):
        ev("const a = 1; a = 2")
    with pytest.raises(ExpressionError, match="nope is not defined"):
        ev("nope = 1")
    with pytest.raises(ExpressionError, match="not iterable"):
        ev("(() => { for (const x of 5) {} })()")
    with pytest.raises(ExpressionError, match="Cannot destructure"):
        ev("(({a}) => a)(null)")


def test_the_workflows_data_is_never_modified(ev: Evaluate) -> None:
    data = {"xs": [3, 1, 2], "o": {"a": {"b": 1}}}
    for expr in (
        "$json.xs.push(4)",
        "$json.o.a = 1",
        "delete $json.o.a",
        "$json.xs[0] = 9",
        "(() => { const c = {...$json.o}; c.a.b = 2 })()",
        "$json.xs.splice(0, 1)",
    ):
        with pytest.raises(ExpressionError, match="belongs to the workflow's data"):
            ev(expr, json=data)
    # A shallow copy is the expression's own, and reordering input returns a copy.
    assert ev("(() => { const c = {...$json.o}; c.z = 1; return c })()", json=data) == {
        "a": {"b": 1},
        "z": 1,
    }
    assert ev("$json.xs.sort()", json=data) == [1, 2, 3]
    assert data == {"xs": [3, 1, 2], "o": {"a": {"b": 1}}}


def test_loops_run_under_the_step_budget(ev: Evaluate) -> None:
    for expr in (
        "(() => { while (true) {} })()",
        "(() => { for (;;) {} })()",
        "(() => { let i = 0; do { i++ } while (true) })()",
        "(() => { const a = [1]; for (const x of a) a.push(x) })()",
        "(() => { while (true) { try { while (true) {} } catch (e) {} finally {} } })()",
    ):
        with pytest.raises(ExpressionError, match="step budget"):
            ev(expr)


def test_recursion_is_bounded(ev: Evaluate) -> None:
    with pytest.raises(ExpressionError, match="Maximum call stack"):
        ev("(function f(n) { return f(n + 1) })(0)")


def test_sandbox_stays_closed(ev: Evaluate) -> None:
    for expr in (
        "(() => {}).constructor",
        "(function () {}).__class__",
        "[].__class__",
        "({}).__proto__",
        "new Function('return 1')",
        "(() => this)()",
    ):
        try:
            result = ev(expr)
        except ExpressionError:
            continue
        assert result is None, expr


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("[1].toInt() === undefined && ({}).toDateTime() === undefined", True),
        ("(true).toDateTime()", None),
        ("DateTime.now().minus({minutes: 5}).isInLast(10, 'minutes')", True),
        ("DateTime.now().minus({days: 2}).isInLast(1, 'days')", False),
        ("Math.round(DateTime.now().minus({days: 2}).diffToNow('days'))", -2),
    ],
)
def test_remaining_n8n_extensions(ev: Evaluate, expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_global_regex_exec_loop(ev: Evaluate) -> None:
    loop = ("(() => { const re = /(\\d+)/g; const s = 'a1b22c333'; const out = []; let m;"
            " while ((m = re.exec(s)) !== null) { out.push(m[1]) } return [out, re.lastIndex] })()")  # fmt: skip
    assert ev(loop) == [["1", "22", "333"], 0]
    assert ev("(() => { const re = /a/g; return [re.test('aa'), re.lastIndex, re.test('aa'),"
              " re.test('aa')] })()") == [True, 1, True, False]  # fmt: skip
    # Each evaluation of a literal is a new object: no state leaks between items.
    assert ev("[1, 2].map(() => /a/g.test('a'))") == [True, True]


def test_object_keys_follow_javascript_order(ev: Evaluate) -> None:
    assert ev("JSON.stringify({b: 1, 2: 2, 1: 3, a: 4})") == '{"1":3,"2":2,"b":1,"a":4}'
    assert ev("Object.keys({b: 1, 10: 2, 9: 3, '01': 4})") == ["9", "10", "b", "01"]
    assert ev(
        "(() => { const k = []; for (const x in {z: 1, 3: 1, 1: 1}) k.push(x); return k })()"
    ) == ["1", "3", "z"]
