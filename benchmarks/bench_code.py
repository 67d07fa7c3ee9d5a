"""A trivial Code node over 100,000 items, both modes and both languages.

Baselines, measured in the same run: the same transform (`value * 2 + 1` into a new
field, other fields kept) as a Set node with an expression, which vectorizes to Arrow
compute; and the bare interpreters doing it in a plain loop under the same wasmtime
runtime and limits (rows as JSON in, JSON out, parsed back on the host: the least any
sandboxed run can cost). Workflow variants run the whole workflow on the inline backend,
so their numbers are node cost plus a small constant.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import best_of as best_wall
from hetumind.engine import run_workflow
from hetumind.sandbox import SandboxLimits, default_runtime
from hetumind.sandbox.assets import asset_path, ensure_assets
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


PLAIN_JS = (
    "const rows = JSON.parse({data});\n"
    "print(JSON.stringify(rows.map(j => ({{...j, score: j.value * 2 + 1}}))));"
)
PLAIN_PY = (
    "import json, sys\nrows = json.loads(sys.stdin.read())\n"
    "for j in rows:\n    j['score'] = j['value'] * 2 + 1\nsys.stdout.write(json.dumps(rows))"
)


def plain_interpreters(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The bare QuickJS and CPython loops: JSON over the boundary, nothing of Hetumind's."""
    runtime = default_runtime()
    limits = SandboxLimits.from_settings(SETTINGS)
    quickjs = runtime.module(asset_path("quickjs.wasm"))
    python = runtime.module(asset_path("python.wasm"))

    def js() -> None:
        text = json.dumps(json.dumps(rows, separators=(",", ":")))
        out = runtime.run(quickjs, ["qjs", "--script", "-e", PLAIN_JS.format(data=text)], limits)
        assert len(json.loads(out.stdout)) == len(rows)

    def py() -> None:
        data = json.dumps(rows).encode()
        out = runtime.run(python, ["python", "-I", "-S", "-c", PLAIN_PY], limits, stdin=data)
        assert len(json.loads(out.stdout)) == len(rows)

    return {"plain_quickjs_loop": js, "plain_python_wasm_loop": py}


def best_cpu(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> float:
    """Fastest process CPU time of `repeat` calls: on a machine shared with other jobs,
    wall time measures the neighbours as much as the code."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def run(items: int = ITEMS, repeat: int = 2, cpu: bool = False) -> dict[str, float]:
    """Seconds per variant (best of `repeat`; wall time, or process CPU time with `cpu`),
    the Set baseline first, then the bare interpreter loops, then the Code nodes."""
    best_of = best_cpu if cpu else best_wall
    ensure_assets()
    rows = [{"id": i, "value": i % 1000, "name": f"n{i}"} for i in range(items)]
    input_items = [{"json": r} for r in rows]
    results: dict[str, float] = {}
    for name, fn in plain_interpreters(rows).items():
        results[name] = best_of(fn, repeat=repeat, warmup=1)
    for name, wf in variants().items():

        def once(wf: Workflow = wf) -> None:
            result = run_workflow(wf, backend="inline", input_items=input_items)
            assert result.ok, result.error
            assert len(result.outputs("Node")[0]) == items

        results[name] = best_of(once, repeat=repeat, warmup=1)
    order = ["set_expression", "plain_quickjs_loop", "plain_python_wasm_loop"]
    return {k: results[k] for k in order} | {k: v for k, v in results.items() if k not in order}


if __name__ == "__main__":
    for name, seconds in run(cpu="--cpu" in sys.argv).items():
        print(f"{name:20s} {seconds:8.3f} s  {seconds / ITEMS * 1e6:8.2f} us/item")
