"""n8n's legacy Function and Function Item nodes (conformance cases code_function_* hold
n8n's recorded answers; these cover the failure texts and binary data)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.sandbox.assets import ensure_assets

ROWS = [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}]


@pytest.fixture(scope="module", autouse=True)
def _assets() -> None:
    ensure_assets()


def _run(kind: str, code: str, items: list[dict[str, Any]] | None = None) -> Any:
    wf = {
        "name": "legacy",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
             "position": [0, 0], "parameters": {}},
            {"name": "F", "type": f"n8n-nodes-base.{kind}", "typeVersion": 1, "position": [0, 0],
             "parameters": {"functionCode": code}},
        ],
        "connections": {"Start": {"main": [[{"node": "F", "type": "main", "index": 0}]]}},
    }  # fmt: skip
    return run_workflow(wf, backend="inline", input_items=items or [{"json": r} for r in ROWS])


def test_function_errors_carry_n8ns_line_suffix() -> None:
    result = _run("function", "const a = 1;\nthrow new Error('nope');")
    assert result.status == "error"
    assert result.error["message"] == "nope [Line 2]"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("return;", "No data got returned. Always return an Array of items!"),
        ("return 'x';", "Always an Array of items has to be returned!"),
        ("return [{json: 1}];", "The json-property has to be an object!"),
        ("return [{json: {}}, {a: 1}];", "Inconsistent item format"),
    ],
)
def test_function_return_shapes_are_checked(code: str, message: str) -> None:
    result = _run("function", code)
    assert result.error["message"] == message


def test_function_item_errors_name_line_and_item() -> None:
    result = _run(
        "functionItem", "if (item.id === 2) {\n  throw new Error('two');\n}\nreturn item;"
    )
    assert result.error["message"] == "two [Line 2 | Item Index: 1]"
    result = _run("functionItem", "item.x = 1;")
    assert result.error["message"] == "No data got returned. Always an object has to be returned!"


def test_function_item_reads_and_replaces_binary() -> None:
    data = base64.b64encode(b"hello").decode()
    items = [{"json": {"n": 1}, "binary": {"data": {"data": data, "mimeType": "text/plain",
                                                     "fileName": "a.txt"}}}]  # fmt: skip
    code = """const b = getBinaryData();
const out = {data: Buffer.from('bye').toString('base64'), mimeType: 'text/plain',
  fileName: 'b.txt'};
setBinaryData({out});
return {had: Object.keys(b), mime: b.data.mimeType};"""
    result = _run("functionItem", code, items)
    assert result.status == "success", result.error
    out = result.to_json()["runData"]["F"][0]["outputs"][0]
    assert out == [{"had": ["data"], "mime": "text/plain"}]
    assert result.backend is not None
    (batch,) = result.backend.outputs(result.run_data["F"][0].outputs)
    assert list((batch.binary or [{}])[0]) == ["out"]


def test_function_sees_the_code_nodes_environment() -> None:
    code = "return items.map(i => ({json: {h: Buffer.from(i.json.name).toString('hex'), " \
        "d: DateTime.fromISO('2024-01-02').day}}));"  # fmt: skip
    result = _run("function", code)
    assert result.to_json()["runData"]["F"][0]["outputs"][0] == [
        {"h": "416461", "d": 2},
        {"h": "4772616365", "d": 2},
    ]
