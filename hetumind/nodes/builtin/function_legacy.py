"""n8n's legacy Function and Function Item nodes, run in the Code node's QuickJS sandbox.

Function (`n8n-nodes-base.function`) runs `functionCode` once with `items`, `$item(i)`,
`$node`, `getWorkflowStaticData` and the Code node's environment, and must return an
array of `{json}` items (plain objects are wrapped, as n8n's normalizeItems does).
Function Item (`n8n-nodes-base.functionItem`) runs it per item with `item` bound to the
item's json and `getBinaryData()` / `setBinaryData()` to its binary; the returned object
becomes the item's json. Errors read as n8n's: `msg [Line 3]`, and
`msg [Line 3 | Item Index: 1]` for Function Item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.code import _KINDS, Code, _payload, _static_key
from hetumind.nodes.builtin.code_output import CodeOutputError, normalize_all
from hetumind.nodes.item_wise import batch_error, item_error

__all__ = ["Function", "FunctionItem"]


class FunctionParams(NodeParams):
    functionCode: str = ""


def _run(ctx: NodeContext, batch: ItemBatch, legacy: str) -> Any:
    from hetumind.sandbox import SandboxLimits, run_code

    code = str(ctx.raw_parameters.get("functionCode") or "")
    mode = "runOnceForEachItem" if legacy == "functionItem" else "runOnceForAllItems"
    payload = _payload(ctx, batch, mode)
    payload.pop("cols", None)
    payload["items"] = batch.to_items()
    payload["legacy"] = legacy
    payload["staticData"] = {_static_key(ctx, k): ctx.static_data(k) for k in _KINDS}
    payload["nodeName"] = ctx.node_name
    outcome = run_code(
        "javaScript", code, payload, SandboxLimits.from_settings(ctx.execution.settings)
    )
    if outcome.logs:
        ctx.record("logs", outcome.logs)
    for kind in _KINDS:
        changed = (outcome.static_data or {}).get(_static_key(ctx, kind))
        if isinstance(changed, dict):
            kept = ctx.static_data(kind)
            kept.clear()
            kept.update(changed)
    return outcome


def _fail(ctx: NodeContext, message: str) -> ItemBatch:
    return batch_error(ctx, message, paired=False)


@node("function", versions=[1], display_name="Function", params=FunctionParams, fusible=False)
class Function(Node):
    """Legacy: runs JavaScript once over all items (use the Code node instead)."""

    referenced_nodes = staticmethod(Code.referenced_nodes)

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        from hetumind.sandbox import SandboxError, UserCodeError

        batch = inputs[0] if inputs else ItemBatch.empty()
        try:
            outcome = _run(ctx, batch, "function")
        except UserCodeError as exc:
            # n8n adds the line only to the error that stops the run
            stop = NodeExecutionError(f"{exc.reason} [Line {exc.line}]" if exc.line else exc.reason)
            return [batch_error(ctx, exc.reason, paired=False, stop=stop)]
        except SandboxError as exc:
            return [_fail(ctx, exc.message)]
        value = outcome.value
        if value is None:
            return [_fail(ctx, "No data got returned. Always return an Array of items!")]
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            return [_fail(ctx, "Always an Array of items has to be returned!")]
        with_json = [isinstance(v, dict) and "json" in v for v in value]
        if any(with_json) and not all(with_json):
            return [_fail(ctx, "Inconsistent item format")]
        if not all(with_json):
            value = [{"json": v} for v in value]
        for item in value:
            if not isinstance(item["json"], dict):
                return [_fail(ctx, "The json-property has to be an object!")]
            binary = item.get("binary")
            if binary is not None and not isinstance(binary, dict):
                return [_fail(ctx, "The binary-property has to be an object!")]
        # n8n keeps only json and binary of what the function returned
        cleaned = [{k: v for k, v in item.items() if k in ("json", "binary")} for item in value]
        try:
            return [normalize_all(cleaned)]
        except CodeOutputError as exc:
            return [_fail(ctx, exc.message)]


@node(
    "functionItem",
    versions=[1],
    display_name="Function Item",
    params=FunctionParams,
    fusible=False,
)
class FunctionItem(Node):
    """Legacy: runs JavaScript once per item, `item` being its json."""

    referenced_nodes = staticmethod(Code.referenced_nodes)

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        from hetumind.sandbox import GuestFailure, SandboxError
        from hetumind.sandbox.code_runner import LegacyItemResult

        batch = inputs[0] if inputs else ItemBatch.empty()
        if not len(batch):
            return [ItemBatch.empty()]
        try:
            outcome = _run(ctx, batch, "functionItem")
        except SandboxError as exc:
            return [_fail(ctx, exc.message)]
        rows: list[dict[str, Any]] = []
        binary: list[dict[str, Any] | None] = []
        paired: list[int] = []
        for i, result in enumerate(outcome.results):
            if isinstance(result, GuestFailure):
                where = (
                    f"Line {result.line} | Item Index: {i}" if result.line else f"Item Index: {i}"
                )
                message = f"{result.message} [{where}]"
                if result.kind != "user":  # the sandbox failed, not the script: always stops
                    raise NodeExecutionError(message)
                rows.append(item_error(ctx, i, result.message, stop=NodeExecutionError(message)))
                binary.append(None)
                paired.append(i)
                continue
            assert isinstance(result, LegacyItemResult)
            if result.undefined:
                raise NodeExecutionError(
                    "No data got returned. Always an object has to be returned!"
                )
            if not isinstance(result.value, dict):
                raise NodeExecutionError("The json-property has to be an object!")
            rows.append(result.value)
            binary.append(result.binary or None)
            paired.append(i)
        items = [
            {"json": r, **({"binary": b} if b else {})} for r, b in zip(rows, binary, strict=True)
        ]
        try:
            out = normalize_all(items) if items else ItemBatch.empty()
        except CodeOutputError as exc:
            return [_fail(ctx, exc.message)]
        return [ItemBatch(out.table, out.num_items, binary=out.binary, paired=_paired(paired))]


def _paired(paired: list[int]) -> Any:
    import pyarrow as pa

    return pa.array(paired, type=pa.int64())
