"""Every whitelisted method, by value kind: expression -> expected result."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from hetumind.errors import ExpressionError

Evaluate = Callable[..., Any]

STRING = [
    ("'abc'.length", 3),
    ("'abc'.toUpperCase()", "ABC"),
    ("'ABC'.toLowerCase()", "abc"),
    ("'  a  '.trim()", "a"),
    ("'  a  '.trimStart()", "a  "),
    ("'  a  '.trimEnd()", "  a"),
    ("'a,b,,c'.split(',')", ["a", "b", "", "c"]),
    ("'abc'.split('')", ["a", "b", "c"]),
    ("'a1b22c'.split(/\\d+/)", ["a", "b", "c"]),
    ("'a,b,c'.split(',', 2)", ["a", "b"]),
    ("'abc'.split()", ["abc"]),
    ("'aXbX'.replace('X', '-')", "a-bX"),
    ("'aXbX'.replace(/x/gi, '-')", "a-b-"),
    ("'john smith'.replace(/(\\w+) (\\w+)/, '$2, $1')", "smith, john"),
    ("'abc'.replace(/b/, m => m.toUpperCase())", "aBc"),
    ("'aXbX'.replaceAll('X', '$&$&')", "aXXbXX"),
    ("'hello'.includes('ell')", True),
    ("'hello'.startsWith('he')", True),
    ("'hello'.endsWith('lo')", True),
    ("'hello'.indexOf('l')", 2),
    ("'hello'.lastIndexOf('l')", 3),
    ("'hello'.indexOf('z')", -1),
    ("'hello'.slice(1, -1)", "ell"),
    ("'hello'.slice(-3)", "llo"),
    ("'hello'.substring(3, 1)", "el"),
    ("'hello'.substr(1, 3)", "ell"),
    ("'5'.padStart(3, '0')", "005"),
    ("'5'.padEnd(3, 'ab')", "5ab"),
    ("'ab'.repeat(3)", "ababab"),
    ("'abc'.charAt(1)", "b"),
    ("'abc'.charCodeAt(0)", 97),
    ("'a'.concat('b', 1)", "ab1"),
    ("'a1b2'.match(/\\d/g)", ["1", "2"]),
    ("'a1b2'.match(/(\\w)(\\d)/)", ["a1", "a", "1"]),
    ("'abc'.match(/z/)", None),
    ("'abc'.search(/c/)", 2),
    ("'abc'.at(-1)", "c"),
    ("'a'.localeCompare('b')", -1),
    ("'abc'.toString()", "abc"),
    ("''.isEmpty()", True),
    ("'x'.isNotEmpty()", True),
    ("'the lord of the rings'.toTitleCase()", "The Lord of the Rings"),
    ("'helloWorld foo-bar'.toSnakeCase()", "hello_world_foo_bar"),
    ("'HELLO there. how ARE you?'.toSentenceCase()", "Hello there. How are you?"),
    ("'hello big world'.toCamelCase()", "helloBigWorld"),
    ("'Hello World'.toKebabCase()", "hello-world"),
    ("'mail me at a.b@example.com now'.extractEmail()", "a.b@example.com"),
    ("'see https://n8n.io/docs?x=1 ok'.extractUrl()", "https://n8n.io/docs?x=1"),
    ("'https://www.n8n.io/path'.extractDomain()", "www.n8n.io"),
    ("'bob@example.com'.extractDomain()", "example.com"),
    ("'bob@example.com'.isEmail()", True),
    ("'bob@'.isEmail()", False),
    ("'https://n8n.io'.isUrl()", True),
    ("'12.5'.isNumeric()", True),
    ("'12a'.isNumeric()", False),
    ("'# Title\\n**bold** and [link](http://x)'.removeMarkdown()", "Title\nbold and link"),
    ("'<p>hi</p>'.removeTags()", "hi"),
    ("'abc'.hash()", "900150983cd24fb0d6963f7d28e17f72"),
    ("'abc'.hash('sha256')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("'42px'.toInt()", 42),
    ("'3.5kg'.toFloat()", 3.5),
    ("'12'.toNumber()", 12),
    ("'false'.toBoolean()", False),
    ("'yes'.toBoolean()", True),
    ("'a b&c'.urlEncode()", "a%20b%26c"),
    ("'a%20b'.urlDecode()", "a b"),
    ("'hi'.base64Encode()", "aGk="),
    ("'aGk='.base64Decode()", "hi"),
    ("'say \"x\"'.quote()", '"say \\"x\\""'),
    ("'2024-01-02T03:04:05Z'.toDateTime().toISO()", "2024-01-02T03:04:05.000Z"),
    ("'2024-01-02'.toDate().year", 2024),
    ("'{\"a\": [1, 2.5]}'.parseJson()", {"a": [1, 2.5]}),
    ("'Crème Brûlée'.replaceSpecialChars()", "Creme Brulee"),
]

NUMBER = [
    ("(1.005).toFixed(2)", "1.00"),
    ("(2.5).toFixed(0)", "3"),
    ("(1.45).toFixed(1)", "1.4"),
    ("(-1.5).toFixed(0)", "-2"),
    ("(1234.5678).toFixed(2)", "1234.57"),
    ("(255).toString(16)", "ff"),
    ("(255).toString(2)", "11111111"),
    ("(0.5).toString(2)", "0.1"),
    ("(123.456).toPrecision(4)", "123.5"),
    ("(0.000123).toPrecision(2)", "0.00012"),
    ("(123456).toPrecision(2)", "1.2e+5"),
    ("(1.256).round(2)", 1.26),
    ("(2.5).round()", 3),
    ("(-2.5).round()", -3),  # n8n: +value.toFixed(0)
    ("(2.7).floor()", 2),
    ("(2.1).ceil()", 3),
    ("(2.6).toInt()", 3),
    ("(2).toFloat()", 2),
    ("(4).isEven()", True),
    ("(3).isOdd()", True),
    ("(3).isInteger()", True),
    ("(3.5).isInteger()", False),
    ("(0).toBoolean()", False),
    ("(1234567.891).format()", "1,234,567.891"),
    ("(-3).abs()", 3),
    ("(0).toDateTime().toISO()", "1970-01-01T00:00:00.000Z"),
]

BOOLEAN = [
    ("true.toInt()", 1),
    ("false.toString()", "false"),
    ("true.toNumber()", 1),
]

ARRAY = [
    ("[1, 2].length", 2),
    ("[1, 2, 3].find(x => x > 1)", 2),
    ("[1, 2, 3].find(x => x > 5)", None),
    ("[1, 2, 3].findIndex(x => x > 1)", 1),
    ("[1, 2, 3].findLast(x => x < 3)", 2),
    ("[1, 2, 3].some(x => x > 2)", True),
    ("[1, 2, 3].every(x => x > 2)", False),
    ("[1, 2, 3].includes(2)", True),
    ("[NaN].includes(NaN)", True),
    ("[NaN].indexOf(NaN)", -1),
    ("[1, 2, 1].indexOf(1)", 0),
    ("[1, 2, 1].lastIndexOf(1)", 2),
    ("[1, null, 'a'].join('-')", "1--a"),
    ("[1, 2].join()", "1,2"),
    ("[1, 2, 3, 4].slice(1, -1)", [2, 3]),
    ("[1].concat([2, 3], 4)", [1, 2, 3, 4]),
    ("[1, 2, 3].reverse()", [3, 2, 1]),
    ("[10, 9, 1].sort()", [1, 10, 9]),
    ("['b', 'a'].sort()", ["a", "b"]),
    ("[1, [2, [3, [4]]]].flat()", [1, 2, [3, [4]]]),
    ("[1, [2, [3, [4]]]].flat(Infinity)", [1, 2, 3, 4]),
    ("[1, 2].flatMap(x => [x, x])", [1, 1, 2, 2]),
    ("[1, 2, 3].at(-1)", 3),
    ("['a', 'b'].keys()", [0, 1]),
    ("['a'].entries()", [[0, "a"]]),
    ("[1, 2].forEach(x => x)", None),
    ("[1, 2].reduceRight((a, b) => a + '' + b)", "21"),
    ("[1, 2].first()", 1),
    ("[1, 2].last()", 2),
    ("[1, 1, 2, {a: 1}, {a: 1}].unique()", [1, 2, {"a": 1}]),
    ("[{a: 1, b: 1}, {a: 1, b: 2}].unique('a')", [{"a": 1, "b": 1}]),
    ("[1, 1].removeDuplicates()", [1]),
    ("[1, 2, 3.5].sum()", 6.5),
    ("[1, 5, 3].max()", 5),
    ("[1, 5, 3].min()", 1),
    ("[1, 2, 3, 4].average()", 2.5),
    ("[].isEmpty()", True),
    ("[1].isNotEmpty()", True),
    ("[0, null, '', 'a', undefined].compact()", [0, "a"]),
    ("[1, 2, 3].chunk(2)", [[1, 2], [3]]),
    ("[{a: 1, b: 2}, {a: 3}].pluck('a')", [1, 3]),
    ("[{a: 1, b: 2}, {a: 3}].pluck('a', 'b')", [[1, 2], 3]),
    ("[1, 2, 3].difference([2])", [1, 3]),
    ("[1, 2, 3].intersection([3, 2, 9])", [2, 3]),
    ("[1, 2].union([2, 3])", [1, 2, 3]),
    ("[{k: 'a', v: 1}, {k: 'b', v: 2}].smartJoin('k', 'v')", {"a": 1, "b": 2}),
    ("[{a: 1}, {b: 2}].merge()", {"a": 1, "b": 2}),
    ("[1, 'a'].toJsonString()", '[1,"a"]'),
    ("[7].randomItem()", 7),
    ("[1].append(2, 3)", [1, 2, 3]),
]

OBJECT = [
    ("({a: 1, b: 2}).keys()", ["a", "b"]),
    ("({a: 1, b: 2}).values()", [1, 2]),
    ("({a: 1}).entries()", [["a", 1]]),
    ("({}).isEmpty()", True),
    ("({a: 1}).isNotEmpty()", True),
    ("({a: 1}).hasField('a')", True),
    ("({a: 1, b: 2}).removeField('a')", {"b": 2}),
    ("({a: null, b: '', c: 0}).compact()", {"c": 0}),
    ("({a: 'xyz', b: 'q'}).keepFieldsContaining('y')", {"a": "xyz"}),
    ("({a: 'xyz', b: 'q'}).removeFieldsContaining('y')", {"b": "q"}),
    ("({a: 1}).merge({a: 2, b: 3})", {"a": 1, "b": 3}),
    ("({a: 1, b: 2}).renameKeys('a', 'x')", {"x": 1, "b": 2}),
    ("({a: [1, {b: 'c'}]}).toJsonString()", '{"a":[1,{"b":"c"}]}'),
    ("({a: 'x y', b: 1}).urlEncode()", "a=x+y&b=1"),
    ("({a: 1}).hasOwnProperty('a')", True),
]

DATETIME = [
    ("$now.toISO()", "2024-03-15T13:45:30.123Z"),
    ("$now.toFormat('yyyy-MM-dd HH:mm:ss')", "2024-03-15 13:45:30"),
    ("$now.toFormat(\"dd LLL yyyy 'at' h:mm a\")", "15 Mar 2024 at 1:45 PM"),
    ("$now.toFormat('EEEE, MMMM d')", "Friday, March 15"),
    ("$now.toMillis()", 1710510330123),
    ("$now.plus({days: 1}).toISODate()", "2024-03-16"),
    ("$now.plus({months: 1, hours: 2}).toISO()", "2024-04-15T15:45:30.123Z"),
    ("$now.minus({years: 1}).year", 2023),
    ("$now.plus(1000).second", 31),
    ("$now.startOf('month').toISO()", "2024-03-01T00:00:00.000Z"),
    ("$now.endOf('day').toISO()", "2024-03-15T23:59:59.999Z"),
    ("$now.startOf('week').toISODate()", "2024-03-11"),
    (
        "[$now.year, $now.month, $now.day, $now.hour, $now.minute, $now.weekday]",
        [2024, 3, 15, 13, 45, 5],
    ),
    ("$today.toISO()", "2024-03-15T00:00:00.000Z"),
    ("$now.diff($today, 'hours').hours", 13.7583675),
    ("$now.diffTo('2024-03-10', 'days')", 5.573265312500),
    ("$now.setZone('Europe/Berlin').toISO()", "2024-03-15T14:45:30.123+01:00"),
    ("$now.set({hour: 0}).hour", 0),
    ("$now > $today", True),
    ("DateTime.fromISO('2020-02-29').plus({years: 1}).toISODate()", "2021-02-28"),
    ("DateTime.fromMillis(0).toISO()", "1970-01-01T00:00:00.000Z"),
    ("new Date('2024-01-01T00:00:00Z').getTime()", 1704067200000),
    ("new Date(2024, 0, 31).toISOString()", "2024-01-31T00:00:00.000Z"),
    ("`at ${$now}`", "at 2024-03-15T13:45:30.123Z"),
    ("'at ' + $now.toISO()", "at 2024-03-15T13:45:30.123Z"),
]

BUILTINS = [
    ("Math.abs(-2)", 2),
    ("Math.ceil(1.1)", 2),
    ("Math.floor(-1.1)", -2),
    ("Math.round(2.5)", 3),
    ("Math.round(-2.5)", -2),
    ("Math.max(1, 3, 2)", 3),
    ("Math.max()", -math.inf),
    ("Math.min(...[4, 2, 8])", 2),
    ("Math.pow(2, 8)", 256),
    ("Math.sqrt(16)", 4),
    ("Math.trunc(-4.7)", -4),
    ("Math.sign(-3)", -1),
    ("Math.log(Math.E)", 1),
    ("Math.PI > 3.14", True),
    ("Math.random() < 1", True),
    ("JSON.stringify({a: 1, b: [1, 'x', null], c: undefined})", '{"a":1,"b":[1,"x",null]}'),
    ("JSON.stringify({a: [1]}, null, 2)", '{\n  "a": [\n    1\n  ]\n}'),
    ("JSON.stringify([NaN, 1.0, 'é'])", '[null,1,"é"]'),
    ("JSON.stringify(undefined)", None),
    ("JSON.parse('{\"a\": [1, 2]}').a[1]", 2),
    ("Object.keys({a: 1, b: 2})", ["a", "b"]),
    ("Object.values({a: 1})", [1]),
    ("Object.entries({a: 1})", [["a", 1]]),
    ("Object.assign({a: 1}, {b: 2})", {"a": 1, "b": 2}),
    ("Object.fromEntries([['a', 1]])", {"a": 1}),
    ("String(12)", "12"),
    ("String(null)", "null"),
    ("Number('12.5')", 12.5),
    ("Number.isInteger(5)", True),
    ("Boolean('')", False),
    ("parseInt('42abc')", 42),
    ("parseInt('ff', 16)", 255),
    ("parseFloat('3.14xyz')", 3.14),
    ("isNaN('abc')", True),
    ("Array.isArray([])", True),
    ("Array.from('ab')", ["a", "b"]),
    ("Array.from({length: 3}, (v, i) => i * 2)", [0, 2, 4]),
    ("encodeURIComponent('a b/c?')", "a%20b%2Fc%3F"),
    ("decodeURIComponent('a%20b')", "a b"),
    ("/a+/.test('caat')", True),
    ("new RegExp('^a', 'i').test('Abc')", True),
    ("$jmespath({a: [{b: 1}, {b: 2}]}, 'a[*].b')", [1, 2]),
    ("$if(1 > 0, 'yes', 'no')", "yes"),
    ("$ifEmpty('', 'default')", "default"),
    ("$ifEmpty([], 'd')", "d"),
    ("$ifEmpty('v', 'd')", "v"),
    ("$min(3, 1, 2)", 1),
    ("$max(3, 1, 2)", 3),
]


@pytest.mark.parametrize(
    ("expr", "expected"), STRING + NUMBER + BOOLEAN + ARRAY + OBJECT + DATETIME + BUILTINS
)
def test_method(ev: Evaluate, expr: str, expected: object) -> None:
    result = ev(expr)
    if isinstance(expected, float):
        assert result == pytest.approx(expected)
    else:
        assert result == expected


def test_methods_do_not_mutate_input(ev: Evaluate) -> None:
    data = {"xs": [3, 1, 2], "o": {"a": 1}}
    assert ev("$json.xs.sort()", json=data) == [1, 2, 3]
    assert ev("$json.xs.reverse()", json=data) == [2, 1, 3]
    assert ev("Object.assign($json.o, {b: 2})", json=data) == {"a": 1, "b": 2}
    assert data == {"xs": [3, 1, 2], "o": {"a": 1}}
    with pytest.raises(ExpressionError, match="belongs to the workflow's data"):
        ev("$json.xs.push(4)", json=data)
    with pytest.raises(ExpressionError, match="belongs to the workflow's data"):
        ev("$json.o.a = 2", json=data)
    assert data == {"xs": [3, 1, 2], "o": {"a": 1}}


def test_callbacks_errors_surface(ev: Evaluate) -> None:
    with pytest.raises(ExpressionError, match="not a function"):
        ev("[1].map(5)")
    with pytest.raises(ExpressionError, match="bogus is not defined"):
        ev("[1].map(x => bogus)")
