"""The Code node's environment as n8n gives it: require with n8n's allow lists (answers
recorded from n8n 1.123 with NODE_FUNCTION_ALLOW_BUILTIN=crypto), Node.js globals,
Luxon, $execution.customData, the Python variables, and the columnar batch transfer
keeping the exact item encoding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.code_output import batch_columns, columns_batch
from hetumind.sandbox import SandboxLimits, UserCodeError, run_code
from hetumind.sandbox.assets import ensure_assets
from tests.nodes.test_code import js, py, run

CASES = Path(__file__).parent / "code_cases"


@pytest.fixture(scope="module", autouse=True)
def _assets() -> None:
    ensure_assets()


def _payload(rows: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "mode": "runOnceForAllItems",
        "items": [{"json": r} for r in (rows or [{"a": 1}])],
        "nodes": {},
        "runIndex": 0,
        "continueOnFail": False,
        "workflow": {"id": None, "name": "t", "active": False},
        "execution": {"id": "e1", "mode": "test", "resumeUrl": ""},
        "vars": {},
        **extra,
    }


def test_crypto_through_require_matches_n8n(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODE_FUNCTION_ALLOW_BUILTIN", "crypto")
    wf = json.loads((CASES / "code_js_env_crypto.json").read_text())
    want = json.loads((CASES / "code_js_env_crypto.expected.json").read_text())
    got = run_workflow(wf, backend="inline").to_json()
    assert got["runData"]["Code"][0]["outputs"] == want["runData"]["Code"][0]["outputs"]


@pytest.mark.parametrize(
    ("allow", "name", "expected"),
    [
        ("", "crypto", "Cannot find module 'crypto'"),  # n8n's default: nothing allowed
        ("crypto", "fs", "Cannot find module 'fs'"),
        ("*", "fs", "Cannot find module 'fs'"),  # allowed, but there is no file system
        ("*", "lodash", "Cannot find module 'lodash'"),  # external, not allowed
    ],
)
def test_refused_modules_read_as_n8n(
    monkeypatch: pytest.MonkeyPatch, allow: str, name: str, expected: str
) -> None:
    monkeypatch.setenv("NODE_FUNCTION_ALLOW_BUILTIN", allow)
    monkeypatch.delenv("NODE_FUNCTION_ALLOW_EXTERNAL", raising=False)
    with pytest.raises(UserCodeError, match=rf"^{expected} \[line 1\]$"):
        run_code("javaScript", f"require('{name}');\nreturn [];", _payload(), SandboxLimits())


def test_allowed_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODE_FUNCTION_ALLOW_BUILTIN", "*")
    monkeypatch.setenv("NODE_FUNCTION_ALLOW_EXTERNAL", "luxon")
    code = """const {createHash} = require('node:crypto');
const {DateTime} = require('luxon');
const {Buffer: B} = require('buffer');
return [{h: createHash('sha1').update('abc').digest('hex'), y: DateTime.fromISO('2020-05-01').year,
  b: B.from('x').toString('hex'), u: new (require('url').URL)('http://a.b/c').pathname}];"""
    value = run_code("javaScript", code, _payload(), SandboxLimits()).value
    assert value == [
        {"h": "a9993e364706816aba3e25717850c26c9cd0d89d", "y": 2020, "b": "78", "u": "/c"}
    ]


def test_node_globals_answer_as_node_does() -> None:
    # Node 20's answers (n8n's task runner has these globals; its vm2 sandbox does not)
    code = """const u = new URL('https://User:pw@Example.COM:8443/a/b/../c d?x=1&x=3#frag');
const p = new URLSearchParams('a=1&b=2+3'); p.append('c', 'x y&z');
return [{href: u.href, host: u.host, path: u.pathname, x: u.searchParams.getAll('x'),
  origin: u.origin, p: p.toString(), rel: new URL('../o?q=1', 'https://e.com/d/p.html').href,
  enc: Array.from(new TextEncoder().encode('€')),
  dec: new TextDecoder().decode(new Uint8Array([0xc3, 0xbc])),
  btoa: btoa('hello'), atob: atob('aGVsbG8='),
  bad: (() => { try { new URL('nope'); } catch (e) { return e.message; } })(),
  uuid: crypto.randomUUID().length}];"""
    (value,) = run_code("javaScript", code, _payload(), SandboxLimits()).value
    assert value == {
        "href": "https://User:pw@example.com:8443/a/c%20d?x=1&x=3#frag",
        "host": "example.com:8443",
        "path": "/a/c%20d",
        "x": ["1", "3"],
        "origin": "https://example.com:8443",
        "p": "a=1&b=2+3&c=x+y%26z",
        "rel": "https://e.com/o?q=1",
        "enc": [226, 130, 172],
        "dec": "ü",
        "btoa": "aGVsbG8=",
        "atob": "hello",
        "bad": "Invalid URL",
        "uuid": 36,
    }


def test_custom_data_is_recorded_on_the_run() -> None:
    from tests.nodes.test_code import ROWS, workflow

    code = (
        "$execution.customData.set('k', 'v');\n$execution.customData.set('n', 5);\nreturn [{a: 1}];"
    )
    result = run_workflow(
        workflow(js(code)), backend="inline", input_items=[{"json": r} for r in ROWS]
    )
    assert result.run_data["Code"][0].meta.extra["customData"] == {"k": "v", "n": "5"}


def test_now_follows_the_workflow_zone() -> None:
    code = "return [{z: $now.zoneName, h: $today.hour, o: DateTime.local().zoneName}];"
    got = run("inline", js(code), settings={"timezone": "Asia/Tokyo"})
    assert got["outputs"][0] == [{"z": "Asia/Tokyo", "h": 0, "o": "Asia/Tokyo"}]


def test_python_variables_as_n8n_names_them() -> None:
    code = """e = _execution
e.customData.set('who', 'py')
return [{'json': {'n': len(_items), 'first': _input.first().json.name, 'run': _runIndex,
  'zone': _now.zoneName, 'midnight': _today.hour, 'iso': len(_now.toISO()) > 20,
  'jp': _jmespath({'a': [{'b': 1}, {'b': 2}]}, 'a[*].b'), 'data': _node['Data'].json.name,
  'custom': e.customData.getAll()}}]"""
    got = run("inline", py(code), settings={"timezone": "Europe/Paris"})
    assert got["outputs"][0] == [
        {"n": 3, "first": "Ada", "run": 0, "zone": "Europe/Paris", "midnight": 0, "iso": True,
         "jp": [1, 2], "data": "Ada", "custom": {"who": "py"}}
    ]  # fmt: skip


ROWS_MIXED: list[dict[str, Any]] = [
    {"i": n, "f": n + 0.5, "s": f"s{n}", "b": n % 2 == 0, "nested": {"x": n}, "lst": [n]}
    for n in range(100)
]


@pytest.mark.parametrize("language", ["javaScript", "python"])
def test_columnar_results_keep_the_exact_item_encoding(language: str) -> None:
    batch = ItemBatch.from_json(ROWS_MIXED)
    cols = batch_columns(batch)
    assert cols is not None
    payload = {**_payload(), "items": None, "cols": cols}
    # row 0's float becomes an int: that column must fall back to the JSON encoding
    if language == "javaScript":
        code = "const a = $input.all(); a[0].json.f = 1; return a;"
    else:
        code = "a = _input.all()\na[0].json.f = 1\nreturn a"
    outcome = run_code(language, code, payload, SandboxLimits())
    assert outcome.columns is not None
    got = columns_batch(outcome.columns, each_item=False)
    rows = [{**ROWS_MIXED[0], "f": 1}, *ROWS_MIXED[1:]]
    want = ItemBatch.from_json(rows)
    assert got.table.schema == want.table.schema
    assert got.to_json() == rows


@pytest.mark.parametrize(
    "code",
    [
        "return $input.all().map((i, n) => n === 70 ? {json: {other: 1}} : i);",  # ragged keys
        "return $input.all().map((i, n) => n === 70 ? {json: i.json, binary: {}} : i);",
        "return $input.all().map((i) => ({json: {...i.json, u: undefined}}));",
    ],
)
def test_irregular_results_take_the_row_path(code: str) -> None:
    rows = [{"a": n} for n in range(100)]
    outcome = run_code("javaScript", code, _payload(rows), SandboxLimits())
    assert outcome.columns is None
    assert isinstance(outcome.value, list) and len(outcome.value) == 100


def test_python_collects_cyclic_garbage_of_user_code() -> None:
    # the prelude turns the collector off only around its own work: cycles the code makes
    # are still collected, so this fits in 64 MB
    code = "for i in range(400000):\n    a = [None] * 16\n    a.append(a)\nreturn [{'done': True}]"
    limits = SandboxLimits(memory_mb=64)
    assert run_code("python", code, _payload(), limits).value == [{"done": True}]


def test_python_payload_marshal_cannot_carry_falls_back_to_json() -> None:
    import datetime

    payload = _payload(vars={"when": datetime.date(2024, 1, 2)})
    value = run_code("python", "return [{'w': _vars.when}]", payload, SandboxLimits()).value
    assert value == [{"w": "2024-01-02"}]


def test_python_gets_n8ns_other_underscore_names() -> None:
    code = (
        "return [{'json': {'all': len(_items), 'data': len(_items('Data')),"
        " 'lang': _parameter.language, 'mode': _getNodeParameter('mode'), 'env': dict(_env)}}]"
    )
    got = run("inline", py(code))
    assert got["outputs"][0] == [{"all": 3, "data": 3, "lang": "python",
                                  "mode": "runOnceForAllItems", "env": {}}]  # fmt: skip
    got = run("inline", py("return {'json': {'n': item.json.name}}", mode="runOnceForEachItem"))
    assert got["outputs"][0] == [{"n": "Ada"}, {"n": "Grace"}, {"n": "Alan"}]


def test_rows_batch_is_from_json() -> None:
    from hetumind.nodes.builtin.code_output import rows_batch

    rows: list[dict[str, Any]] = [
        {"i": 1, "f": 1.5, "s": "a", "b": True, "mix": 1, "big": 2**70, "n": None, "d": {}},
        {"i": 2, "f": 2.5, "s": "b", "b": False, "mix": 1.0, "big": 1, "n": None, "d": {"x": 1}},
        {"i": 3, "f": 0.5, "s": "c", "b": True, "mix": True, "extra": [1, "x"], "n": None},
    ]
    for sample in (rows, rows[:2], [{"a": 1}] * 3, []):
        got, want = rows_batch(sample), ItemBatch.from_json(sample)
        assert got.table.schema == want.table.schema
        assert got.to_json() == want.to_json() == sample


def test_patched_builtins_cannot_forge_a_malformed_batch() -> None:
    code = (
        "const all = $input.all();\n"
        "Array.prototype.map = function () { return ['x']; };\n"
        "Object.keys = () => ['a', 'b'];\n"
        "return all;"
    )
    trigger = {"name": "S", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
               "position": [0, 0], "parameters": {}}  # fmt: skip
    node = {"name": "Code", "type": "n8n-nodes-base.code", "typeVersion": 2,
            "position": [0, 0], "parameters": {"jsCode": code}}  # fmt: skip
    wf = {
        "nodes": [trigger, node],
        "connections": {"S": {"main": [[{"node": "Code", "type": "main", "index": 0}]]}},
    }
    rows = [{"a": n} for n in range(100)]
    got = run_workflow(wf, backend="inline", input_items=[{"json": r} for r in rows]).to_json()
    # the prelude encodes with what it captured before the code ran: the items come back
    assert got["runData"]["Code"][0]["outputs"][0] == rows


@pytest.mark.parametrize("language", ["javaScript", "python"])
def test_a_proto_key_stays_data(language: str) -> None:
    rows = [{"__proto__": {"polluted": n}, "a": n} for n in range(100)]
    code = "return $input.all();" if language == "javaScript" else "return _input.all()"
    got = run_workflow(
        {
            "nodes": [
                {
                    "name": "S",
                    "type": "n8n-nodes-base.manualTrigger",
                    "typeVersion": 1,
                    "position": [0, 0],
                    "parameters": {},
                },
                {
                    "name": "Code",
                    "type": "n8n-nodes-base.code",
                    "typeVersion": 2,
                    "position": [0, 0],
                    "parameters": {"language": language, "jsCode": code, "pythonCode": code},
                },
            ],
            "connections": {"S": {"main": [[{"node": "Code", "type": "main", "index": 0}]]}},
        },
        backend="inline",
        input_items=[{"json": r} for r in rows],
    ).to_json()
    assert got["runData"]["Code"][0]["outputs"][0] == rows


@pytest.mark.parametrize("language", ["javaScript", "python"])
def test_custom_data_set_by_an_earlier_node_is_read(language: str) -> None:
    first = "$execution.customData.set('a', 'one');\nreturn [{x: 1}];"
    read = (
        "return [{json: {got: $execution.customData.get('a')}}];"
        if language == "javaScript"
        else "return [{'json': {'got': _execution.customData.get('a')}}]"
    )
    key = "jsCode" if language == "javaScript" else "pythonCode"

    def node(name: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "type": "n8n-nodes-base.code", "typeVersion": 2,
                "position": [0, 0], "parameters": params}  # fmt: skip

    wf = {
        "nodes": [
            {"name": "S", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
             "position": [0, 0], "parameters": {}},
            node("A", {"jsCode": first}),
            node("B", {"language": language, key: read}),
        ],
        "connections": {
            "S": {"main": [[{"node": "A", "type": "main", "index": 0}]]},
            "A": {"main": [[{"node": "B", "type": "main", "index": 0}]]},
        },
    }  # fmt: skip
    got = run_workflow(wf, backend="inline").to_json()
    assert got["runData"]["B"][0]["outputs"][0] == [{"got": "one"}]
