"""The Code node end to end, on both backends: n8n's programming model in both languages,
logs, limits from workflow settings, onError handling and node references."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.nodes.builtin.code import Code
from hetumind.sandbox.assets import ensure_assets
from hetumind.workflow import parse_workflow

ROWS: list[dict[str, Any]] = [
    {"name": "Ada", "age": 36},
    {"name": "Grace", "age": 45},
    {"name": "Alan", "age": 41},
]


@pytest.fixture(scope="module", autouse=True)
def _assets() -> None:
    ensure_assets()


def workflow(
    params: dict[str, Any],
    *,
    settings: dict[str, Any] | None = None,
    on_error: str | None = None,
    node_type: str = "n8n-nodes-base.code",
) -> Any:
    code: dict[str, Any] = {
        "id": "c",
        "name": "Code",
        "type": node_type,
        "typeVersion": 2,
        "position": [0, 0],
        "parameters": params,
    }
    if on_error:
        code["onError"] = on_error
    return parse_workflow(
        {
            "name": "code test",
            "nodes": [
                {
                    "id": "s",
                    "name": "Start",
                    "type": "n8n-nodes-base.manualTrigger",
                    "typeVersion": 1,
                    "position": [0, 0],
                    "parameters": {},
                },
                {
                    "id": "d",
                    "name": "Data",
                    "type": "n8n-nodes-base.noOp",
                    "typeVersion": 1,
                    "position": [0, 0],
                    "parameters": {},
                },
                code,
            ],
            "connections": {
                "Start": {"main": [[{"node": "Data", "type": "main", "index": 0}]]},
                "Data": {"main": [[{"node": "Code", "type": "main", "index": 0}]]},
            },
            "settings": settings or {},
        }
    )


def run(backend: str, params: dict[str, Any], **kw: Any) -> dict[str, Any]:
    result = run_workflow(
        workflow(params, **kw), backend=backend, input_items=[{"json": r} for r in ROWS]
    )
    out: dict[str, Any] = result.to_json()["runData"]["Code"][0]
    out["workflowStatus"] = result.status
    return out


def js(code: str, mode: str = "runOnceForAllItems") -> dict[str, Any]:
    return {"language": "javaScript", "mode": mode, "jsCode": code}


def py(code: str, mode: str = "runOnceForAllItems", language: str = "python") -> dict[str, Any]:
    return {"language": language, "mode": mode, "pythonCode": code}


ALL_CASES = [
    js("return $input.all().map(i => ({json: {n: i.json.name, a: i.json.age + 1}}));"),
    js("return items.map(i => ({n: i.json.name, a: i.json.age + 1}));"),
    py("return [{'json': {'n': i.json.name, 'a': i['json']['age'] + 1}} for i in _input.all()]"),
    py("return [{'n': i.json.name, 'a': i.json.age + 1} for i in _items]", language="pythonNative"),
]


@pytest.mark.parametrize("params", ALL_CASES, ids=["js-items", "js-plain", "py", "py-native"])
def test_run_once_for_all_items(backend: str, params: dict[str, Any]) -> None:
    got = run(backend, params)
    assert got["status"] == "success", got["error"]
    assert got["outputs"] == [[{"n": r["name"], "a": r["age"] + 1} for r in ROWS]]


EACH_CASES = [
    js("return {json: {n: $json.name, i: $itemIndex, r: $runIndex}};", "runOnceForEachItem"),
    py("return {'n': _json.name, 'i': _itemIndex, 'r': _runIndex}", "runOnceForEachItem"),
    js(
        "const n = await Promise.resolve($json.name);\nreturn {n, i: $itemIndex, r: $runIndex};",
        "runOnceForEachItem",
    ),
]


@pytest.mark.parametrize("params", EACH_CASES, ids=["js", "py", "js-await"])
def test_run_once_for_each_item(backend: str, params: dict[str, Any]) -> None:
    got = run(backend, params)
    assert got["outputs"] == [[{"n": r["name"], "i": i, "r": 0} for i, r in enumerate(ROWS)]]


def test_each_item_mutating_input_item(backend: str) -> None:
    got = run(backend, py("_input.item.json.seen = True\nreturn _input.item", "runOnceForEachItem"))
    assert got["outputs"] == [[{**r, "seen": True} for r in ROWS]]


@pytest.mark.parametrize(
    ("params", "line"),
    [
        (js("console.log('count', items.length, {a: 1});\nreturn [];"), 'count 3 {"a":1}'),
        (py("print('count', len(_input.all()), {'a': 1})\nreturn []"), 'count 3 {"a": 1}'),
    ],
    ids=["js", "py"],
)
def test_console_output_goes_to_the_run_logs(
    backend: str, params: dict[str, Any], line: str
) -> None:
    got = run(backend, params)
    assert got["outputs"] == [[]]
    assert got["logs"] == [line]


def test_references_to_other_nodes(backend: str) -> None:
    code = (
        "return $input.all().map((item, i) => ({json: {\n"
        "  same: $('Data').all()[i].json.name === item.json.name,\n"
        "  first: $('Data').first().json.name,\n"
        "  wf: $workflow.name,\n"
        "  mode: $execution.mode,\n"
        "}}));"
    )
    got = run(backend, js(code))
    assert got["outputs"][0][0] == {"same": True, "first": "Ada", "wf": "code test", "mode": "test"}
    assert Code.referenced_nodes({"jsCode": code}) == {"Data"}
    assert Code.referenced_nodes({"pythonCode": "_('Data').first()"}) == {"Data"}


def test_paired_item_of_a_referenced_node(backend: str) -> None:
    got = run(backend, js("return {json: {n: $('Data').item.json.name}};", "runOnceForEachItem"))
    assert got["outputs"] == [[{"n": r["name"]} for r in ROWS]]


def test_user_error_names_the_line(backend: str) -> None:
    got = run(backend, js("const a = 1;\n\nthrow new Error('boom');"))
    assert got["workflowStatus"] == "error"
    assert got["error"]["message"] == "boom [line 3]"


def test_each_item_errors_continue_as_error_items(backend: str) -> None:
    code = (
        "if (_json.name == 'Grace'):\n    raise ValueError('no Grace')\nreturn {'ok': _json.name}"
    )
    got = run(backend, py(code, "runOnceForEachItem"), on_error="continueRegularOutput")
    assert got["outputs"] == [
        [{"ok": "Ada"}, {"error": "ValueError: no Grace [line 2, for item 1]"}, {"ok": "Alan"}]
    ]


def test_continue_error_output_routes_failed_items(backend: str) -> None:
    code = "if ($json.age > 40) throw new Error('too old');\nreturn $input.item;"
    got = run(backend, js(code, "runOnceForEachItem"), on_error="continueErrorOutput")
    assert got["outputs"][0] == [ROWS[0]]
    assert [i["error"] for i in got["outputs"][1]] == [
        "too old [line 1, for item 1]",
        "too old [line 1, for item 2]",
    ]


@pytest.mark.parametrize(
    ("settings", "code", "message"),
    [
        ({"sandbox": {"timeoutSeconds": 0.5, "fuel": 10**13}}, "while (true) {}", "timed out"),
        ({"sandbox": {"fuel": 20_000_000}}, "while (true) {}", "ran out of fuel"),
        (
            {"sandbox": {"memoryMb": 64}},
            "const a = [];\nfor (;;) a.push(new Float64Array(4e6));",
            "out of memory",
        ),
    ],
    ids=["timeout", "fuel", "memory"],
)
def test_limits_come_from_workflow_settings(
    backend: str, settings: dict[str, Any], code: str, message: str
) -> None:
    got = run(backend, js(code), settings=settings)
    assert got["workflowStatus"] == "error"
    assert message in got["error"]["message"]


def test_limit_failure_with_continue_on_fail_is_one_error_item(backend: str) -> None:
    settings = {"sandbox": {"fuel": 20_000_000}}
    got = run(backend, js("while (true) {}"), settings=settings, on_error="continueRegularOutput")
    assert got["workflowStatus"] == "success"
    assert len(got["outputs"][0]) == 1
    assert "ran out of fuel" in got["outputs"][0][0]["error"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("return 'nope';", "Code doesn't return items properly"),
        ("return [{json: {a: 1}}, {b: 2}];", "Unknown top-level item key: b [item 1]"),
        ("return [{json: 3}];", "A 'json' property isn't an object [item 0]"),
    ],
)
def test_bad_return_values(code: str, message: str) -> None:
    got = run("inline", js(code))
    assert got["error"]["message"] == message


def test_unknown_language_and_mode_are_clear_errors() -> None:
    got = run("inline", {"language": "ruby", "jsCode": "x"})
    assert "unknown language 'ruby'" in got["error"]["message"]
    got = run("inline", {"language": "javaScript", "mode": "sometimes", "jsCode": "x"})
    assert "unknown mode 'sometimes'" in got["error"]["message"]


def test_hetumind_type_name_and_version_one() -> None:
    wf = workflow(js("return items;"), node_type="hetumind.code")
    result = run_workflow(wf, backend="inline", input_items=[{"json": {"a": 1}}])
    assert result.outputs("Code")[0] == [{"a": 1}]
    assert Code.definition.versions == (1.0, 2.0)
    assert Code.definition.fusible is False
