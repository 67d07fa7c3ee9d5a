"""Custom WASM: run a user-supplied WebAssembly module over the items, in the sandbox.

The ABI (docs/sandbox.md) is JSON over WASI stdio. The module is a WASI command
(`_start`); stdin holds `{"items": [<item json>, ...], "parameters": {...}}`; it writes
`{"items": [...]}` or a bare array to stdout (items as plain objects or `{"json": ...}`)
and exits 0. A non-zero exit fails the node with the last line of stderr. The same limits
as the Code node apply (`settings.sandbox`); the module gets no files, network or env.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hetumind.capabilities import CapabilityDenied, capabilities_of
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.code_output import CodeOutputError, normalize_all
from hetumind.nodes.item_wise import batch_error

__all__ = ["WasmModule"]

MAX_MODULE_BYTES = 256 * 1024 * 1024


class WasmModuleParams(NodeParams):
    source: str = "path"
    """`path` (a .wasm or .wat file on the worker) or `base64` (the module inline)."""
    path: str = ""
    wasmBase64: str = ""
    parameters: Any = {}
    """Passed to the module as `parameters` (expressions evaluated for item 0)."""


@node(
    "wasm",
    versions=[1],
    display_name="Custom WASM",
    params=WasmModuleParams,
    n8n=False,
    fusible=False,  # a user module may run for seconds: a Ray task of its own
    pure=True,
)
class WasmModule(Node):
    """Runs a user-supplied WebAssembly module (JSON in, JSON out over WASI stdio)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        from hetumind.sandbox import SandboxError, SandboxLimits, default_runtime

        batch = inputs[0] if inputs else ItemBatch.empty()
        try:
            limits = SandboxLimits.from_settings(ctx.execution.settings)
            module_bytes = _module_bytes(ctx)
            parameters = ctx.param("parameters", 0, {}) or {}
            stdin = json.dumps(
                {"items": batch.to_json(), "parameters": parameters},
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode("utf-8")
            runtime = default_runtime()
            output = runtime.run(runtime.module(module_bytes), ["module"], limits, stdin=stdin)
            if output.exit_code != 0:
                lines = output.stderr.decode("utf-8", "replace").strip().splitlines()
                detail = f": {lines[-1][:500]}" if lines else ""
                raise NodeExecutionError(f"the module exited with code {output.exit_code}{detail}")
            return [normalize_all(_parse_output(output.stdout))]
        except (SandboxError, CodeOutputError, NodeExecutionError) as exc:
            message = exc.reason if isinstance(exc, NodeExecutionError) else exc.message
            return [batch_error(ctx, message, paired=False)]


def _module_bytes(ctx: NodeContext) -> bytes:
    source = str(ctx.param("source", 0, "path") or "path")
    if source == "base64":
        text = str(ctx.param("wasmBase64", 0, "") or "")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise NodeExecutionError("parameter 'wasmBase64' is not valid base64") from None
        if not data:
            raise NodeExecutionError("parameter 'wasmBase64' is empty")
        return data
    if source != "path":
        raise NodeExecutionError(f"parameter 'source' must be 'path' or 'base64', not {source!r}")
    raw = str(ctx.param("path", 0, "") or "")
    if not raw:
        raise NodeExecutionError("parameter 'path' is empty")
    if Path(raw).suffix not in (".wasm", ".wat"):
        raise NodeExecutionError(f"parameter 'path' must name a .wasm or .wat file: {raw!r}")
    try:  # the execution's file policy (server mode: the file root only)
        path = capabilities_of(ctx).check_file(raw)
    except CapabilityDenied as exc:
        raise NodeExecutionError(exc.message) from None
    try:
        if path.stat().st_size > MAX_MODULE_BYTES:
            raise NodeExecutionError(f"module {raw!r} is larger than 256 MB")
        return path.read_bytes()
    except OSError as exc:
        raise NodeExecutionError(f"cannot read module {raw!r}: {exc.strerror}") from None


def _parse_output(stdout: bytes) -> Any:
    try:
        value = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NodeExecutionError(f"the module's output is not JSON: {exc}") from None
    if isinstance(value, dict) and "items" in value:
        return value["items"]
    if isinstance(value, list):
        return value
    raise NodeExecutionError('the module must print {"items": [...]} or a JSON array')
