"""One run of one node: the unit of work a backend executes (a Ray task, or a call).

Everything n8n does around a node's own logic lives here, so that both backends share it:
pinned data, disabled pass-through, executeOnce, retries, onError modes, alwaysOutputData,
error outputs and paired-item lineage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.engine.context import (
    NODE_CONTEXT_KEY,
    ExecutionInfo,
    NodeOutputs,
    NodeRunContext,
)
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch, arange
from hetumind.nodes.api import SubNode
from hetumind.nodes.registry import default_registry
from hetumind.observability import metrics, tracing
from hetumind.observability.logs import node_log_scope
from hetumind.workflow import Node

__all__ = ["NodeRunSpec", "RunMeta", "execute_node_run"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeRunSpec:
    """Everything a worker needs to run a node, apart from the item data."""

    node: Node
    outputs: int
    run_index: int
    info: ExecutionInfo
    tracked: frozenset[str]
    pinned: list[dict[str, Any]] | None = None
    trigger: bool = False
    references: frozenset[str] = frozenset()
    deadline: float | None = None
    """The execution's timeout as a `time.time()` value, checked between fused nodes."""
    supplied: Mapping[str, tuple[SubNode, ...]] = field(default_factory=dict)
    """Sub-nodes connected to this node (its chat model, tools, memory...)."""
    keep_outputs: bool = True
    """False for a fused node whose items nobody reads later: only its counts are kept."""
    needed_outputs: frozenset[int] | None = None
    """Output ports something reads; None: all. Nodes may skip computing the others."""


@dataclass
class RunMeta:
    """The small part of a run's result that the coordinator reads."""

    node: str
    run_index: int
    status: str  # success | error
    started_at: str
    execution_time_ms: float
    counts: list[int]
    error: dict[str, Any] | None = None
    stop: bool = False
    """The error stops the execution (onError stopWorkflow)."""
    extra: dict[str, Any] = field(default_factory=dict)


@node_log_scope  # its log records carry execution, workflow and node
def execute_node_run(
    spec: NodeRunSpec,
    inputs: Sequence[ItemBatch],
    state: dict[str, Any] | None,
    references: Mapping[str, NodeOutputs],
) -> tuple[RunMeta, list[ItemBatch], dict[str, Any]]:
    """Run the node once; never raises for node failures (they are reported in RunMeta)."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    node = spec.node
    span = tracing.start_node(spec.info.traceparent, node.name, node.type, spec.run_index)
    state = dict(state or {})
    extra: dict[str, Any] = {}  # what the node records for the run's watchers (ctx.record)
    error: dict[str, Any] | None = None
    stop = False
    try:
        outputs = _run_with_policies(spec, list(inputs), state, references, extra)
    except Exception as exc:
        failure = _as_node_error(exc, node.name)
        error = failure.to_dict()
        mode = node.error_mode
        first = inputs[0] if inputs else ItemBatch.empty()
        if mode == "continueRegularOutput":
            # n8n passes the input through unchanged when a whole node fails.
            outputs = [first.with_identity_pairing()]
        elif mode == "continueErrorOutput":
            errored = _with_error_field(first, failure.reason)
            outputs = [ItemBatch.empty()] * (spec.outputs - 1) + [errored]
        else:
            outputs = []
            stop = True
    elapsed = time.perf_counter() - t0
    if error is None and node.timeout is not None and elapsed > node.timeout:
        # Only the inline backend gets here (Ray cancels the task at the deadline): it
        # cannot interrupt a node, but the run still ends as the timeout says.
        error = {"message": f"node timed out after {node.timeout:g}s", "node": node.name}
        error["timeout"] = True
        outputs, stop = [], True
    outputs = _pad(outputs, spec.outputs)
    outputs = [_with_lineage(spec, b, inputs, port, outputs) for port, b in enumerate(outputs)]
    meta = RunMeta(
        node=node.name,
        run_index=spec.run_index,
        status="error" if error else "success",
        started_at=started.isoformat().replace("+00:00", "Z"),
        execution_time_ms=round((time.perf_counter() - t0) * 1000, 3),
        counts=[len(b) for b in outputs],
        error=error,
        stop=stop,
        extra=extra,
    )
    items_in = sum(len(b) for b in inputs)
    metrics.node_run(node.type, meta.execution_time_ms / 1000, items_in, sum(meta.counts))
    tracing.end_node(span, meta.status, items_in, meta.counts, error)
    return meta, outputs, state


def _run_with_policies(
    spec: NodeRunSpec,
    inputs: list[ItemBatch],
    state: dict[str, Any],
    references: Mapping[str, NodeOutputs],
    extra: dict[str, Any],
) -> list[ItemBatch]:
    node = spec.node
    if spec.pinned is not None:
        return [ItemBatch.from_items(spec.pinned).with_identity_pairing()]
    if node.disabled:
        first = inputs[0] if inputs else ItemBatch.empty()
        return [first.with_identity_pairing()]
    if node.execute_once:
        inputs = [b.slice(0, 1) for b in inputs]
    cls = default_registry().get(node.type)
    if cls is None:  # validated before planning; a worker with other plugins may differ
        raise NodeExecutionError(f"node type {node.type!r} is not installed on this worker")
    continue_on_fail = node.error_mode != "stopWorkflow"
    tries = node.max_tries if node.retry_on_fail else 1
    for attempt in range(1, tries + 1):
        ctx = NodeRunContext(
            node,
            inputs,
            run_index=spec.run_index,
            info=spec.info,
            state=state,
            references=references,
            continue_on_fail=continue_on_fail,
            supplied=spec.supplied,
            needed_outputs=spec.needed_outputs,
            extra=extra,
        )
        try:
            outputs = list(cls().run(ctx, inputs))
            break
        except Exception as exc:
            if attempt == tries:
                raise
            log.info("node %r failed (try %d of %d): %s", node.name, attempt, tries, exc)
            time.sleep(node.wait_between_tries / 1000)
    if node.always_output_data and (not outputs or not len(outputs[0])):
        # n8n fills output 0 even when another output (If's false branch) has items.
        outputs = [ItemBatch.from_json([{}]), *outputs[1:]]
    if node.error_mode == "continueErrorOutput":
        outputs = _route_error_items(_pad(outputs, spec.outputs - 1), inputs)
    return outputs


def _as_node_error(exc: Exception, node: str) -> NodeExecutionError:
    if isinstance(exc, NodeExecutionError):
        if exc.node is None:
            return NodeExecutionError(exc.reason, node=node, item_index=exc.item_index)
        return exc
    if isinstance(exc, HetumindError):
        # Expression errors already say node, parameter and item: keep their message.
        return NodeExecutionError(exc.message, node=None).with_node(node)
    # An unexpected bug in a node: say what and where, keep the traceback in the log only.
    log.exception("node %r raised an unexpected error", node)
    return NodeExecutionError(f"{type(exc).__name__}: {exc}", node=node)


def _with_error_field(batch: ItemBatch, message: str) -> ItemBatch:
    rows = batch.to_json()
    return ItemBatch.from_json(
        [{**row, "error": message} for row in rows], paired=list(range(len(rows)))
    )


def _route_error_items(outputs: list[ItemBatch], inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
    """Items a node marked as failed go to the extra error output, as n8n routes them.

    n8n counts an item as failed only when its json is exactly `{error}` or
    `{error, message}` with a truthy `error`; any other item carrying an `error` field is
    data. A failed item's json is laid over the json of the input item it pairs with, so
    the error output still carries the data that failed.
    """
    kept: list[ItemBatch] = []
    failed_parts: list[ItemBatch] = []
    for batch in outputs:
        if "error" not in batch.columns or not len(batch):
            kept.append(batch)
            continue
        rows = batch.to_json()
        mask = [_is_error_item(row) for row in rows]
        if not any(mask):
            kept.append(batch)
            continue
        flags = pa.array(mask, pa.bool_())
        kept.append(batch.filter(pc.invert(flags)))
        failed = batch.filter(flags)
        failed_rows = [row for row, bad in zip(rows, mask, strict=True) if bad]
        failed_parts.append(_over_paired_input(failed, failed_rows, inputs))
    return [*kept, ItemBatch.concat(failed_parts) if failed_parts else ItemBatch.empty()]


def _is_error_item(row: dict[str, Any]) -> bool:
    error = row.get("error")
    if error in (None, False, "", 0) or (isinstance(error, float) and error != error):
        return False
    keys = set(row)
    return keys == {"error"} or keys == {"error", "message"}


def _over_paired_input(
    failed: ItemBatch, rows: list[dict[str, Any]], inputs: Sequence[ItemBatch]
) -> ItemBatch:
    if failed.paired is None or not inputs:
        return failed  # n8n leaves an item without pairing as it is
    paired = failed.paired.to_pylist()
    ports = failed.paired_input.to_pylist() if failed.paired_input is not None else None
    merged = []
    for j, (row, index) in enumerate(zip(rows, paired, strict=True)):
        port = (ports[j] or 0) if ports is not None else 0
        source = inputs[port] if port < len(inputs) else None
        if index is None or source is None or not 0 <= index < len(source):
            merged.append(row)
        else:
            merged.append({**source.row(index), **row})
    out = ItemBatch.from_json(merged, binary=failed.binary)
    return out._replace(
        paired=failed.paired, paired_input=failed.paired_input, lineage=failed.lineage
    )


def _pad(outputs: list[ItemBatch], count: int) -> list[ItemBatch]:
    return outputs[:count] + [ItemBatch.empty()] * max(0, count - len(outputs))


def _with_lineage(
    spec: NodeRunSpec,
    batch: ItemBatch,
    inputs: Sequence[ItemBatch],
    port: int,
    outputs: list[ItemBatch],
) -> ItemBatch:
    """Carry each tracked ancestor's item index from the inputs to this output.

    An unpaired batch keeps whatever lineage the node left on it: Loop Over Items emits
    items stored on an earlier run, whose lineage no current input could supply.
    """
    if not spec.tracked:
        return batch
    n = len(batch)
    lineage: dict[str, pa.Array] = {}
    if batch.paired is None:
        lineage = {k: v for k, v in batch.lineage.items() if len(v) == n}
    elif inputs:
        for name in set().union(*(b.lineage for b in inputs)) & spec.tracked:
            lineage[name] = _follow(name, batch, inputs)
    if spec.node.name in spec.tracked:
        offset = sum(len(b) for b in outputs[:port])
        lineage[spec.node.name] = arange(offset, offset + n)
    return batch._replace(lineage=lineage)


def _follow(name: str, batch: ItemBatch, inputs: Sequence[ItemBatch]) -> pa.Array:
    assert batch.paired is not None
    if batch.paired_input is None or len(inputs) == 1:
        source = inputs[0].lineage.get(name)
        if source is None:
            return pa.nulls(len(batch), pa.int64())
        return source.take(batch.paired)
    values = []
    for idx, port in zip(batch.paired.to_pylist(), batch.paired_input.to_pylist(), strict=True):
        src = inputs[port or 0].lineage.get(name) if idx is not None else None
        values.append(None if src is None or idx is None else src[idx].as_py())
    return pa.array(values, type=pa.int64())


def execute_segment(
    specs: Sequence[NodeRunSpec],
    inputs: Sequence[ItemBatch],
    states: Sequence[dict[str, Any] | None],
    references: Mapping[str, NodeOutputs],
) -> tuple[list[RunMeta], list[list[ItemBatch]], list[dict[str, Any]]]:
    """Run a fused chain: each node's output 0 feeds the next, in one worker.

    Stops where n8n would: after a node that fails the run or outputs no items; and before
    the next node once the execution's deadline has passed.
    """
    metas: list[RunMeta] = []
    outputs: list[list[ItemBatch]] = []
    new_states: list[dict[str, Any]] = []
    refs = dict(references)
    current = list(inputs)
    for spec, state in zip(specs, states, strict=True):
        if metas and spec.deadline is not None and time.time() > spec.deadline:
            break
        meta, outs, new_state = execute_node_run(spec, current, state, refs)
        metas.append(meta)
        outputs.append(outs if spec.keep_outputs else [ItemBatch.empty() for _ in outs])
        new_states.append(new_state)
        if spec.node.name in refs or any(spec.node.name in s.references for s in specs):
            context = meta.extra.get(NODE_CONTEXT_KEY) or {}
            refs[spec.node.name] = NodeOutputs(spec.node.name, outs, spec.node.parameters, context)
        if meta.stop or not meta.counts or meta.counts[0] == 0:
            break
        current = [outs[0]]
    return metas, outputs, new_states
