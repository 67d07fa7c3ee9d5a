"""A trivial Code node over 100,000 items, both modes and both languages.

Baseline: the same transform (`value * 2 + 1` into a new field, other fields kept) as a
Set node with an expression, which vectorizes to Arrow compute. Every variant runs the
whole workflow on the inline backend, so the numbers are node cost plus a small constant.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import best_of
from hetumind.engine import run_workflow
from hetumind.sandbox.assets import ensure_assets
from hetumind.workflow import Workflow, parse_workflow

ITEMS = 100_000
SETTINGS = {"sandbox": {"timeoutSeconds": 600, "fuel": 2_000_000_000_000, "memoryMb": 2048,
                        "maxOutputMb": 512}}  # fmt: skip

JS_ALL = "return $input.all().map(i => ({json: {...i.json, score: i.json.value * 2 + 1}}));"
JS_EACH = "$json.score = $json.value * 2 + 1;\nreturn $input.item;"
PY_ALL = (
    "out = []\nfor i in _input.all():\n"
    "    j = i.json\n    j['score'] = j['value'] * 2 + 1\n    out.append({'json': j})\nreturn out"
)
PY_EACH = "_json['score'] = _json['value'] * 2 + 1\nreturn _input.item"


def _workflow(node: dict[str, Any]) -> Workflow:
    start = {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
             "parameters": {}}  # fmt: skip
    return parse_workflow(
        {
            "name": "bench code",
            "nodes": [start, {"name": "Node", **node}],
            "connections": {"Start": {"main": [[{"node": "Node", "type": "main", "index": 0}]]}},
            "settings": SETTINGS,
        }
    )


def set_node() -> Workflow:
    assignment = {"id": "s", "name": "score", "value": "={{ $json.value * 2 + 1 }}",
                  "type": "number"}  # fmt: skip
    params = {"assignments": {"assignments": [assignment]}, "includeOtherFields": True}
    return _workflow({"type": "n8n-nodes-base.set", "typeVersion": 3.4, "parameters": params})


def code_node(language: str, mode: str, code: str) -> Workflow:
    key = "jsCode" if language == "javaScript" else "pythonCode"
    params = {"language": language, "mode": mode, key: code}
    return _workflow({"type": "n8n-nodes-base.code", "typeVersion": 2, "parameters": params})


def variants() -> dict[str, Workflow]:
    return {
        "set_expression": set_node(),
        "code_js_all_items": code_node("javaScript", "runOnceForAllItems", JS_ALL),
        "code_js_each_item": code_node("javaScript", "runOnceForEachItem", JS_EACH),
        "code_py_all_items": code_node("python", "runOnceForAllItems", PY_ALL),
        "code_py_each_item": code_node("python", "runOnceForEachItem", PY_EACH),
    }


def run(items: int = ITEMS, repeat: int = 2) -> dict[str, float]:
    """Seconds per variant (whole workflow, best of `repeat`), baseline first."""
    ensure_assets()
    input_items = [{"json": {"id": i, "value": i % 1000, "name": f"n{i}"}} for i in range(items)]
    results: dict[str, float] = {}
    for name, wf in variants().items():

        def once(wf: Workflow = wf) -> None:
            result = run_workflow(wf, backend="inline", input_items=input_items)
            assert result.ok, result.error
            assert len(result.outputs("Node")[0]) == items

        results[name] = best_of(once, repeat=repeat, warmup=1)
    return results


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name:20s} {seconds:8.3f} s  {seconds / ITEMS * 1e6:8.2f} us/item")
