# ruff: noqa: E501  (JavaScript sources are kept on one line)
"""Bounded work: hostile regexes, amplifying native calls and deep input end with a clear
ExpressionError (never a hang, a RecursionError or unbounded memory)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hetumind.errors import ExpressionError
from hetumind.expressions import ExpressionContext, compile_parameter
from hetumind.expressions.regex import regex_search, regex_test

Evaluate = Callable[..., Any]


def graph(use: str) -> str:
    return ("(() => { let a = [1]; for (let i = 0; i < 40; i++) a = [a, a]; return "
            + use + " })()")  # fmt: skip


@pytest.mark.parametrize(
    "expr",
    [
        "/(a+)+$/.test('a'.repeat(30) + '!') || /(a|aa)+$/.test('a'.repeat(40) + '!')",
        "'a'.repeat(40).concat('!').replace(/(a|aa)+$/g, 'x')",
        "'a'.repeat(40).concat('!').match(/(a|aa)+$/)",
        "'a'.repeat(40).concat('!').split(/(a|aa)+$/)",
        "'a'.repeat(40).concat('!').search(/(a|aa)+$/)",
        "[...'a'.repeat(40).concat('!').matchAll(/(a|aa)+$/g)]",
        "new RegExp('(a|aa)+$').exec('a'.repeat(40) + '!')",
    ],
)
def test_catastrophic_regex_ends_with_a_clear_error(ev: Evaluate, expr: str) -> None:
    with pytest.raises(ExpressionError, match=r"regular expression .* took too long"):
        ev(expr)


def test_regex_timeout_cannot_be_caught_in_a_loop(ev: Evaluate) -> None:
    with pytest.raises(ExpressionError, match=r"took too long|step budget"):
        ev(
            "(() => { while (true) { try { /(a|aa)+$/.test('a'.repeat(40) + '!') } catch (e) {} } })()"
        )


def test_the_error_names_the_parameter_when_located() -> None:
    param = compile_parameter("={{ /(a|aa)+$/.test('a'.repeat(40) + '!') }}")
    with pytest.raises(ExpressionError) as info:
        try:
            param.evaluate(ExpressionContext())
        except ExpressionError as e:
            raise e.located(node="If", parameter="conditions") from None
    assert info.value.parameter == "conditions"
    assert "conditions" in str(info.value) and "took too long" in str(info.value)


def test_node_regex_helpers() -> None:
    assert regex_test("a+b", "xxaab")
    assert regex_test("^AB", "abc", "i")
    assert regex_search("(a)(b)?", "xa") == ["a", "a", None]
    assert regex_search("z", "abc") is None
    with pytest.raises(ExpressionError, match="took too long"):
        regex_test("(a|aa)+$", "a" * 40 + "!")
    with pytest.raises(ExpressionError, match="Invalid regular expression"):
        regex_test("(", "x")


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("'x'.repeat(2 ** 30)", "Invalid string length"),
        ("'x'.padStart(2 ** 30)", "Invalid string length"),
        ("'x'.padEnd(2 ** 30, 'ab')", "Invalid string length"),
        ("'x'.repeat(5000).replace(/x/g, 'y'.repeat(5000))", "Invalid string length"),
        ("'ab'.repeat(1000).replaceAll('a', 'a'.repeat(20000))", "Invalid string length"),
        ("'ab'.repeat(1000).replaceAll('a', () => 'a'.repeat(20000))", "Invalid string length"),
        (graph("JSON.stringify(a)"), "too large"),
        (graph("'' + a"), "Invalid string length"),
        (graph("a.join('-')"), "Invalid string length"),
        (graph("a"), "too large"),
        (graph("[a].flat(Infinity)"), "Invalid array length|too large|step budget"),
        ("(() => { const o = {}; o.o = o; return JSON.stringify(o) })()", "circular"),
        ("(() => { const o = {}; o.o = o; return o })()", "circular"),
        ("Array.from({length: 4000000}, (_, i) => i).unique()", "step budget"),
        ("Array(4000000).fill(1).unique()", "step budget|belongs"),
        ("'ab'.repeat(4000000).split('')", "too large|Invalid array length|step budget"),
        ("(() => { let s = 'x'; while (true) s += s })()", "Invalid string length"),
        ("(() => { let a = [1]; while (true) a = a.concat(a) })()", "Invalid array length"),
        ("(() => { const a = []; while (true) a.push(...'abcdefgh') })()", "step budget"),
        ("[1, 2].join('x'.repeat(2 ** 23)).repeat(4)", "Invalid string length"),
    ],
)
def test_native_calls_stop_at_their_caps(ev: Evaluate, expr: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        ev(expr)


@pytest.mark.parametrize(
    "source",
    [
        "$json" + ".a" * 20_000,
        "(" * 5_000 + "1" + ")" * 5_000,
        "[" * 5_000 + "]" * 5_000,
        "-" * 5_000 + "1",
        "!" * 5_000 + "1",
        "a => " * 3_000 + "1",
        "`${" * 2_000 + "1" + "}`" * 2_000,
        "{a:" * 3_000 + "1" + "}" * 3_000,
        "x ? " * 3_000 + "1" + " : 2" * 3_000,
        "2 ** " * 5_000 + "1",
        "[1]" + ".map(x => x)" * 5_000,
        "(() => {" * 2_000 + "}" * 2_000,
        "if (1) " * 3_000 + "1",
    ],
)
def test_deep_input_is_refused_clearly(source: str) -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_parameter("={{ " + source + " }}")


def test_long_flat_expressions_work(ev: Evaluate) -> None:
    assert ev("+".join(["1"] * 5_000)) == 5_000
    assert ev(" && ".join(["true"] * 5_000)) is True
    assert ev("'a'" + " + 'b'" * 5_000) == "a" + "b" * 5_000


def test_huge_number_literals_are_numbers(ev: Evaluate) -> None:
    assert ev("1" * 5_000) == float("inf")
    assert ev("1" * 5_000 + " > 1") is True
    assert ev("0." + "1" * 5_000) == pytest.approx(0.1111111111111111)
    assert ev("String(12345678901234567890)") == "12345678901234567000"
    with pytest.raises(ExpressionError, match="too long"):
        compile_parameter("={{ 0x" + "f" * 5_000 + " }}")
