from __future__ import annotations

import pytest

from hetumind.errors import ExpressionError
from hetumind.expressions import ExpressionContext, compile_parameter


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("={{ 1 + }}", 8, "unexpected"),
        ("={{ $json.a + }}", 14, "unexpected"),
        ("={{ (1 + 2 }}", 11, "expected ')'"),
        ("={{ 'abc }}", 4, "unterminated string"),
        ("={{ 1 + 2", 9, "expected '}}'"),
        ("={{ 1 = 2 }}", 6, "invalid assignment target"),
        ("={{ 1++ }}", 8, "unexpected end"),
        ("={{ class A {} }}", 4, "class is not supported"),
        ("={{ 1 # 2 }}", 6, "unexpected character"),
        ("={{ `abc }}", 4, "unterminated template"),
        ("={{ {a: 1 }}", 12, "expected '}}'"),
        ("={{ async () => 1 }}", 4, "async functions are not supported"),
        ("=Hello {{ $json. }}", 17, "unexpected"),
        ("={{ /abc( /.test('x') }}", 4, "Invalid regular expression"),
    ],
)
def test_syntax_errors_carry_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_parameter(text)
    assert info.value.position == position
    assert fragment in info.value.reason
    assert info.value.expression == text


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_parameter("={{ " + "(" * 500 + "1" + ")" * 500 + " }}")
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_parameter("={{ " + "!" * 500 + "1 }}")


def test_braces_inside_strings_do_not_end_a_segment() -> None:
    p = compile_parameter("={{ '}}' + \"{{\" }}")
    assert p.evaluate(ExpressionContext()) == "}}{{"


def test_object_literal_right_before_closing_braces() -> None:
    p = compile_parameter("={{ {a: {b: 1}}}}")
    assert p.evaluate(ExpressionContext()) == {"a": {"b": 1}}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 ** 3 ** 2", 512),
        ("-2 ** 2 === -4 || true", True),
        ("10 - 4 - 3", 3),
        ("1 < 2 === true", True),
        ("true ? 1 : false ? 2 : 3", 1),
        ("null ?? 'd'", "d"),
        ("0x1F + 0b11 + 0o7 + 1_000", 1041),
        (".5 + 1e3", 1000.5),
        ("'a\\nb'.length", 3),
        ("'\\u0041\\x42'", "AB"),
        ("/* c */ 1 // trailing", 1),
        ("[1, 2, ...[3, 4]]", [1, 2, 3, 4]),
        ("({a: 1, ...{b: 2}, ['c' + 1]: 3})", {"a": 1, "b": 2, "c1": 3}),
        ("((a, b = 2, ...rest) => [a, b, rest])(1, undefined, 3, 4)", [1, 2, [3, 4]]),
        ("(({x, y}) => x + y)({x: 1, y: 2})", 3),
        ("(() => { const a = 2; if (a > 1) { return 'big' } else return 'small' })()", "big"),
        ("(x => { x + 1 })(1)", None),
    ],
)
def test_grammar(expr: str, expected: object) -> None:
    assert compile_parameter("={{ " + expr + " }}").evaluate(ExpressionContext()) == expected


def test_compile_is_cached_and_tracks_referenced_nodes() -> None:
    text = "={{ $('A').item.json.x + $node[\"B\"].json.y + $node.C.json.z + $items('D').length }}"
    p = compile_parameter(text)
    assert compile_parameter(text) is p
    assert p.referenced_nodes == frozenset({"A", "B", "C", "D"})
