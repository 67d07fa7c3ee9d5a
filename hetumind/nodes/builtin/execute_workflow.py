"""Execute Workflow (Execute Sub-workflow) and the trigger that receives its items.

The sub-workflow runs in this node's process on the inline backend (hetumind.subworkflows
says why) and is recorded as a child of the calling execution when a store is at hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hetumind.capabilities import capabilities_of
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.item_wise import batch_error, item_error
from hetumind.subworkflows import (
    Callee,
    Caller,
    SubExecution,
    SubworkflowError,
    caller_of,
    execution_data,
    from_file,
    from_json,
    from_store,
    installed,
    prepare,
    run_many,
    run_subworkflow,
    start_background,
    workflow_id_of,
)

if TYPE_CHECKING:
    from hetumind.store.execution_data import ExecutionData

SOURCES = ("database", "localFile", "parameter")


class ExecuteWorkflowParams(NodeParams):
    source: str = "database"
    mode: str = "once"


@node(
    "executeWorkflow",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Execute Sub-workflow",
    params=ExecuteWorkflowParams,
    fusible=False,  # waits on a whole other workflow
)
class ExecuteWorkflow(Node):
    """Runs another workflow with this node's items and outputs what it returns."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if not len(batch):
            return [batch]  # nothing to pass: nothing to run
        mode = ctx.param("mode", 0, "once")
        if mode not in ("once", "each"):
            raise NodeExecutionError(
                f"unknown mode {mode!r}; use 'once' or 'each'", node=ctx.node_name
            )
        source = ctx.param("source", 0, "database")
        if source not in SOURCES:
            extra = " (loading workflows from a URL is not supported)" if source == "url" else ""
            raise NodeExecutionError(
                f"unknown source {source!r}{extra}; use one of {list(SOURCES)}",
                node=ctx.node_name,
            )
        call = _Call(ctx, source, caller_of(ctx))
        items = _with_workflow_inputs(ctx, batch)
        out = call.each(items) if mode == "each" else call.once(items)
        return [out]


class _Call:
    """One run of the node: finds the callee for an item and runs it."""

    def __init__(self, ctx: NodeContext, source: str, caller: Caller) -> None:
        self.ctx = ctx
        self.source = source
        self.caller = caller

    def locate(self, item: int) -> Callee:
        ctx = self.ctx
        if self.source == "database":
            workflow_id = workflow_id_of(ctx.param("workflowId", item, ""))
            store = execution_data(self.caller.env).store
            return from_store(store, workflow_id, project_id=self.caller.capabilities.project_id)
        if self.source == "localFile":
            return from_file(ctx.param("workflowPath", item, ""), capabilities_of(ctx))
        raw = ctx.raw_parameters.get("workflowJson", "")
        # An object is taken as it is: its own `=` parameters belong to the callee.
        return from_json(ctx.evaluate(raw, item, "workflowJson") if isinstance(raw, str) else raw)

    def recording(self) -> ExecutionData | None:
        """Where the sub-execution is recorded: the server's store, or the store that a
        stored callee came from; a JSON or file callee outside a server is not recorded."""
        if installed() or self.source == "database":
            return execution_data(self.caller.env)
        return None

    def start(self, item: int, items: ItemBatch) -> SubExecution | None:
        """Run the callee with `items`; None when told not to wait for it."""
        prepared = prepare(self.locate(item), self.caller)
        data = self.recording()
        if not bool(self.ctx.param("options.waitForSubWorkflow", item, True)):
            start_background(lambda: run_subworkflow(prepared, items, data=data))
            return None
        sub = run_subworkflow(prepared, items, data=data)
        if not sub.ok:
            raise SubworkflowError(sub.message)
        return sub

    def once(self, items: ItemBatch) -> ItemBatch:
        ctx = self.ctx
        try:
            sub = self.start(0, items)
        except SubworkflowError as exc:
            return batch_error(ctx, exc.message)
        if sub is None:
            return items.with_identity_pairing()
        ctx.record("subExecutions", [sub.execution_id])
        return sub.items

    def each(self, items: ItemBatch) -> ItemBatch:
        ctx = self.ctx

        def one(i: int) -> Callable[[], SubExecution | SubworkflowError | None]:
            def call() -> SubExecution | SubworkflowError | None:
                try:
                    return self.start(i, items.slice(i, 1))
                except SubworkflowError as exc:
                    return exc

            return call

        results = run_many([one(i) for i in range(len(items))])
        parts: list[ItemBatch] = []
        for i, result in enumerate(results):
            if isinstance(result, SubworkflowError):
                part = ItemBatch.from_json([item_error(ctx, i, result.message)])
            elif result is None:
                part = items.slice(i, 1)
            else:
                part = result.items
            parts.append(part.with_pairing([i] * len(part)))
        ctx.record(
            "subExecutions", [r.execution_id for r in results if isinstance(r, SubExecution)]
        )
        return ItemBatch.concat(parts)


def _with_workflow_inputs(ctx: NodeContext, batch: ItemBatch) -> ItemBatch:
    """v1.2+: the `workflowInputs` mapping's values are set on each item, and the fields its
    schema marks removed are dropped (n8n's getCurrentWorkflowInputData)."""
    raw = ctx.raw_parameters.get("workflowInputs")
    if ctx.type_version < 1.2 or not isinstance(raw, dict):
        return batch
    values = raw.get("value")
    schema = raw.get("schema") or []
    removed = {
        f.get("displayName") or f.get("id")
        for f in schema
        if isinstance(f, dict) and f.get("removed")
    }
    if not (isinstance(values, dict) and values) and not removed:
        return batch
    rows = []
    for i, row in enumerate(batch.to_json()):
        mapped = ctx.evaluate(values, i, "workflowInputs.value") if values else {}
        merged = {**row, **(mapped if isinstance(mapped, dict) else {})}
        rows.append({k: v for k, v in merged.items() if k not in removed})
    return ItemBatch.from_json(rows, binary=batch.binary, paired=list(range(len(rows))))


class ExecuteWorkflowTriggerParams(NodeParams):
    inputSource: str = "workflowInputs"


@node(
    "executeWorkflowTrigger",
    versions=[1, 1.1],
    display_name="Execute Workflow Trigger",
    inputs=0,
    trigger=True,
    params=ExecuteWorkflowTriggerParams,
    trigger_kind="subworkflow",
    pure=True,
)
class ExecuteWorkflowTrigger(Node):
    """Starts a workflow called by Execute Workflow; emits the caller's items."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs and len(inputs[0]) else ItemBatch.from_json([{}])
        # v1 and "Accept all data" pass everything; a schema keeps only its fields.
        source = ctx.param("inputSource", 0, "workflowInputs")
        if ctx.type_version < 1.1 or source == "passthrough":
            return [batch]
        fields = _schema_fields(ctx, source)
        rows = [
            {**dict.fromkeys(fields), **{k: v for k, v in row.items() if k in fields}}
            for row in batch.to_json()
        ]
        return [ItemBatch.from_json(rows, binary=batch.binary, paired=list(range(len(rows))))]


def _schema_fields(ctx: NodeContext, source: str) -> list[str]:
    if source == "workflowInputs":
        values = ctx.param("workflowInputs.values", 0, []) or []
        names = [str(v["name"]) for v in values if isinstance(v, dict) and v.get("name")]
        if not names:  # n8n refuses to run such a workflow ("the workflow has issues")
            raise NodeExecutionError(
                "no input fields are defined: add fields to 'Workflow Input Schema' "
                "(workflowInputs) or set 'Input data mode' to 'Accept all data' (passthrough)",
                node=ctx.node_name,
            )
        return names
    if source == "jsonExample":
        text = ctx.param("jsonExample", 0, "{}")
        try:
            example: Any = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError as exc:
            raise NodeExecutionError(
                f"'JSON Example' is not valid JSON: {exc.msg}", node=ctx.node_name
            ) from None
        if not isinstance(example, dict):
            raise NodeExecutionError(
                "Invalid JSON schema type. Only object type is supported, "
                f"but got {'array' if isinstance(example, list) else type(example).__name__}",
                node=ctx.node_name,
            )
        return list(example)
    raise NodeExecutionError(
        f"unknown input data mode {source!r}; use 'workflowInputs', 'jsonExample' or 'passthrough'",
        node=ctx.node_name,
    )
