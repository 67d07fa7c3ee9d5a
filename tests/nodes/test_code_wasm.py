"""The Custom WASM node: the shipped example module, inline base64, and its failures."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.nodes.builtin.wasm_module import WasmModule
from hetumind.workflow import parse_workflow

EXAMPLE = Path(__file__).parents[2] / "examples" / "wasm" / "count_items.wat"

# Echoes stdin to stdout: items pass through the ABI unchanged.
ECHO_WAT = """
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $more
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 4096))
      (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (i32.load (i32.const 8))
        (then
          (i32.store (i32.const 4) (i32.load (i32.const 8)))
          (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (br $more))))))
"""
FAIL_WAT = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "bad input\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 10))
    (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 3))))
"""


def workflow(params: dict[str, Any], on_error: str | None = None) -> Any:
    node: dict[str, Any] = {
        "id": "w",
        "name": "Wasm",
        "type": "hetumind.wasm",
        "typeVersion": 1,
        "position": [0, 0],
        "parameters": params,
    }
    if on_error:
        node["onError"] = on_error
    return parse_workflow(
        {
            "name": "wasm test",
            "nodes": [
                {
                    "id": "s",
                    "name": "Start",
                    "type": "n8n-nodes-base.manualTrigger",
                    "typeVersion": 1,
                    "position": [0, 0],
                    "parameters": {},
                },
                node,
            ],
            "connections": {"Start": {"main": [[{"node": "Wasm", "type": "main", "index": 0}]]}},
        }
    )


def run(backend: str, params: dict[str, Any], on_error: str | None = None) -> dict[str, Any]:
    items = [{"json": {"a": 1}}, {"json": {"b": [1, 2]}}, {"json": {"c": "x,]"}}]
    result = run_workflow(workflow(params, on_error), backend=backend, input_items=items)
    out: dict[str, Any] = result.to_json()["runData"]["Wasm"][0]
    return out


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_example_module_from_a_path(backend: str) -> None:
    got = run(backend, {"source": "path", "path": str(EXAMPLE)})
    assert got["outputs"] == [[{"count": 3}]]


def test_inline_base64_module_echoes_items(backend: str) -> None:
    got = run(backend, {"source": "base64", "wasmBase64": b64(ECHO_WAT)})
    assert got["outputs"] == [[{"a": 1}, {"b": [1, 2]}, {"c": "x,]"}]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"source": "base64", "wasmBase64": b64(FAIL_WAT)}, "exited with code 3: bad input"),
        ({"source": "base64", "wasmBase64": "not base64!"}, "not valid base64"),
        ({"source": "base64", "wasmBase64": b64("(module")}, "not a valid WebAssembly module"),
        ({"source": "path", "path": "/nonexistent/m.wasm"}, "cannot read module"),
        ({"source": "path", "path": "/etc/passwd"}, "must name a .wasm or .wat file"),
        ({"source": "url", "path": "x"}, "must be 'path' or 'base64'"),
    ],
)
def test_failures_are_clear(params: dict[str, Any], message: str) -> None:
    got = run("inline", params)
    assert got["status"] == "error"
    assert message in got["error"]["message"]


def test_continue_on_fail_gives_an_error_item() -> None:
    got = run("inline", {"source": "base64", "wasmBase64": b64(FAIL_WAT)}, "continueRegularOutput")
    assert got["outputs"] == [[{"error": "the module exited with code 3: bad input"}]]


def test_definition() -> None:
    assert WasmModule.definition.type_names == ("hetumind.wasm",)
    assert WasmModule.definition.fusible is False
