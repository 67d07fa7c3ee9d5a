"""JS semantics of operators, coercions, truthiness, equality and functions."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from hetumind.errors import ExpressionError

Evaluate = Callable[..., Any]

CASES = [
    # arithmetic and number normalisation
    ("88 / 2", 44),
    ("7 / 2", 3.5),
    ("0.1 + 0.2", 0.30000000000000004),
    ("7 % 3", 1),
    ("-7 % 3", -1),
    ("7.5 % 2", 1.5),
    ("2 ** 10", 1024),
    ("2 ** -1", 0.5),
    ("'6' * '7'", 42),
    ("'10' - 3", 7),
    ("'a' * 2", math.nan),
    ("+'  42  '", 42),
    ("+''", 0),
    ("+'0x10'", 16),
    ("+[]", 0),
    ("+[5]", 5),
    ("+{}", math.nan),
    ("+true", 1),
    ("-null", 0),
    ("1 / 0", math.inf),
    ("-1 / 0", -math.inf),
    ("0 / 0", math.nan),
    ("5 % 0", math.nan),
    ("2 ** 2000", math.inf),
    ("9007199254740993 - 0", 9007199254740992),
    ("5 & 3 | 8 ^ 1", 9),
    ("1 << 31", -2147483648),
    ("-1 >>> 28", 15),
    ("~5", -6),
    # + coercions
    ("1 + '2'", "12"),
    ("'a' + null", "anull"),
    ("'a' + undefined", "aundefined"),
    ("null + 1", 1),
    ("undefined + 1", math.nan),
    ("true + 1", 2),
    ("[1, 2] + [3]", "1,23"),
    ("({}) + 'x'", "[object Object]x"),
    ("[] + {}", "[object Object]"),
    ("[null, undefined, 1] + ''", ",,1"),
    ("1.0 + ''", "1"),
    ("1e21 + ''", "1e+21"),
    ("1e-7 + ''", "1e-7"),
    ("123456789012 * 1000 + ''", "123456789012000"),
    ("0.000001 + ''", "0.000001"),
    ("-1.5e-10 + ''", "-1.5e-10"),
    ("(0.1 + 0.2) + ''", "0.30000000000000004"),
    ("NaN + ''", "NaN"),
    ("-Infinity + ''", "-Infinity"),
    # comparison
    ("'b' > 'a'", True),
    ("'10' < '9'", True),
    ("'10' < 9", False),
    ("null >= 0", True),
    ("undefined >= 0", False),
    ("NaN < 1 || NaN >= 1", False),
    ("[2] > 1", True),
    # equality
    ("1 == '1'", True),
    ("1 === '1'", False),
    ("null == undefined", True),
    ("null === undefined", False),
    ("null == 0", False),
    ("0 == ''", True),
    ("'0' == false", True),
    ("NaN == NaN", False),
    ("[1] == 1", True),
    ("[1,2] == '1,2'", True),
    ("({}) === ({})", False),
    ("$json.nested === $json.nested", True),
    ("1 != '1'", False),
    ("1 !== '1'", True),
    # truthiness and logical operators
    ("!!''", False),
    ("!!'0'", True),
    ("!!0", False),
    ("!!NaN", False),
    ("!![]", True),
    ("!!{}", True),
    ("!!null", False),
    ("0 || 'x'", "x"),
    ("1 && 'y'", "y"),
    ("'' && 'y'", ""),
    ("0 ?? 'd'", 0),
    ("undefined ?? null ?? 3", 3),
    # typeof / void / in
    ("typeof 1", "number"),
    ("typeof 'x'", "string"),
    ("typeof null", "object"),
    ("typeof undefined", "undefined"),
    ("typeof []", "object"),
    ("typeof (x => x)", "function"),
    ("typeof Math.max", "function"),
    ("typeof notDeclared", "undefined"),
    ("void 1", None),
    ("'a' in {a: 1}", True),
    ("1 in [5, 6]", True),
    ("'length' in []", True),
    # member access, optional chaining
    ("$json.nested.x", 1),
    ("$json['nested']['x']", 1),
    ("$json.tags[1]", "b"),
    ("$json.tags['0']", "a"),
    ("$json.tags[5]", None),
    ("$json.missing", None),
    ("$json.missing?.deep.deeper", None),
    ("$json.none?.x", None),
    ("$json.none?.[0]", None),
    ("$json.nested?.x", 1),
    ("$json.missing?.()", None),
    ("$json.name.toUpperCase?.()", "ADA"),
    ("'abc'[1]", "b"),
    ("'abc'.length", 3),
    ("({a: {b: [10, 20]}}).a.b[1]", 20),
    # templates
    ("`${1 + 1} and ${'x'}`", "2 and x"),
    ("`${null}-${undefined}-${[1, 2]}-${{}}`", "null-undefined-1,2-[object Object]"),
    ("`nested ${`in ${1}`}`", "nested in 1"),
    # arrows and callbacks
    ("[1, 2, 3].map(x => x * 2)", [2, 4, 6]),
    ("[1, 2, 3].map((x, i) => x * i)", [0, 2, 6]),
    ("[1, 2, 3, 4].filter(x => x % 2 === 0)", [2, 4]),
    ("[1, 2, 3].reduce((a, b) => a + b)", 6),
    ("[1, 2, 3].reduce((a, b) => a + b, 10)", 16),
    ("[[1, 2], [3]].reduce((acc, xs) => acc.concat(xs), [])", [1, 2, 3]),
    ("(n => m => n + m)(1)(2)", 3),
    ("(() => { const f = n => n <= 1 ? 1 : n * f(n - 1); return f(5) })()", 120),
    ("[3, 1, 2].sort((a, b) => b - a)", [3, 2, 1]),
    ("$input.all().map(i => i.json.v)", [1, 2, 3]),
]


@pytest.mark.parametrize(("expr", "expected"), CASES)
def test_semantics(ev: Evaluate, expr: str, expected: object) -> None:
    result = ev(expr)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(result, float) and math.isnan(result)
    else:
        assert result == expected
        assert type(result) is type(expected) or expected is None


@pytest.mark.parametrize(
    ("expr", "message", "position"),
    [
        ("foo + 1", "foo is not defined", 4),
        ("$json.none.x", "Cannot read properties of null (reading 'x')", 4),
        ("$json.missing.x", "Cannot read properties of undefined (reading 'x')", 4),
        ("$json.name.nope()", "$json.name.nope is not a function", 4),
        ("$json.nested.x()", "$json.nested.x is not a function", 4),
        ("1 + (2)()", "2 is not a function", 9),
        ("$nope", "$nope is not defined", 4),
        ("[].reduce((a, b) => a)", "Reduce of empty array", 4),
        ("'x'.repeat(-1)", "Invalid count value", 4),
        ("1 instanceof 2", "Right-hand side of 'instanceof' is not callable", 4),
        ("new Foo()", "new Foo() is not supported", 4),
    ],
)
def test_runtime_errors_name_the_problem(
    ev: Evaluate, expr: str, message: str, position: int
) -> None:
    with pytest.raises(ExpressionError) as info:
        ev(expr)
    assert message in info.value.reason
    assert info.value.position == position
    assert info.value.expression == "={{ " + expr + " }}"


def test_short_circuit_skips_errors(ev: Evaluate) -> None:
    assert ev("false && foo") is False
    assert ev("true || foo") is True
    assert ev("1 ?? foo") == 1
    assert ev("true ? 1 : foo") == 1


def test_results_are_json_compatible(ev: Evaluate) -> None:
    assert ev("undefined") is None
    assert ev("({a: undefined, b: 1})") == {"b": 1}
    assert ev("[undefined, 1]") == [None, 1]
    assert ev("$now") == "2024-03-15T13:45:30.123Z"
    assert ev("Math") == {}
    assert ev("x => x") is None


def test_input_floats_pass_through_unchanged(ev: Evaluate) -> None:
    assert type(ev("$json.score", json={"score": 88.0})) is float
    assert ev("$json.score / 2", json={"score": 88.0}) == 44
    assert type(ev("$json.score / 2", json={"score": 88.0})) is int
