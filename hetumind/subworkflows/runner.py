"""Running a sub-workflow: on the inline backend, in the calling node's own thread.

Nested Ray tasks could deadlock a small cluster (every worker waiting on a child that has
no worker left), so a sub-execution never leaves the process of the node that calls it.
Nesting is bounded by MAX_DEPTH, counted per thread of calls (a context variable that
each-mode and background runs carry into their worker threads).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from hetumind.credentials import credential_key
from hetumind.engine import InlineBackend, Plan, build_plan
from hetumind.engine.result import ExecutionResult
from hetumind.engine.start import RunOptions, start_execution
from hetumind.errors import HetumindError, WorkflowInvalid
from hetumind.items import ItemBatch
from hetumind.nodes.registry import default_registry
from hetumind.subworkflows.caller import Caller, inherited
from hetumind.subworkflows.errors import SubworkflowError
from hetumind.subworkflows.policy import check_caller
from hetumind.subworkflows.sources import Callee

if TYPE_CHECKING:
    from hetumind.engine.events import Listener
    from hetumind.store.execution_data import ExecutionData

__all__ = [
    "EACH_CONCURRENCY",
    "MAX_DEPTH",
    "Prepared",
    "SubExecution",
    "drain",
    "prepare",
    "run_many",
    "run_subworkflow",
    "start_background",
]

log = logging.getLogger(__name__)

MAX_DEPTH = 20
"""Sub-workflows nested deeper than this fail (a workflow calling itself, usually)."""
EACH_CONCURRENCY = 8
"""Sub-executions one node runs at the same time in mode `each`."""
MODE = "integrated"
"""n8n's execution mode of sub-workflows."""

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("subworkflow_depth", default=0)
T = TypeVar("T")


@dataclass(frozen=True)
class Prepared:
    """A callee checked against its caller and planned, ready to run (possibly later)."""

    callee: Callee
    caller: Caller
    plan: Plan
    start: str
    """The Execute Workflow Trigger node that receives the items."""


@dataclass(frozen=True)
class SubExecution:
    """A finished sub-execution and the items it returns to its caller."""

    execution_id: str
    status: str
    error: dict[str, Any] | None
    items: ItemBatch
    """The last executed node's first output, paired with the items the caller passed."""

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def message(self) -> str:
        return str((self.error or {}).get("message") or f"sub-workflow ended {self.status}")


def prepare(callee: Callee, caller: Caller) -> Prepared:
    """Check the caller policy and plan the callee with its Execute Workflow Trigger as the
    only trigger; SubworkflowError when either fails."""
    check_caller(callee, caller.workflow_id)
    wf = callee.workflow
    registry = default_registry()
    start = next(
        (
            n.name
            for n in wf.nodes
            if not n.disabled and registry.trigger_kind(n.type) == "subworkflow"
        ),
        None,
    )
    if start is None:
        raise SubworkflowError(
            f"Missing node to start execution in workflow {callee.label}: please make sure "
            "the workflow you're calling contains an Execute Workflow Trigger node"
        )
    nodes = []
    for n in wf.nodes:
        cls = registry.get(n.type)
        if cls is not None and cls.definition.trigger and n.name != start:
            n = n.model_copy(update={"disabled": True})
        nodes.append(n)
    try:
        plan = build_plan(wf.model_copy(update={"nodes": nodes}), registry)
    except WorkflowInvalid as exc:
        raise SubworkflowError(f"sub-workflow {callee.label}: {exc.message}") from None
    # Tracking the trigger's lineage pairs each result item back to the item it came from.
    return Prepared(callee, caller, replace(plan, tracked=plan.tracked | {start}), start)


def run_subworkflow(
    prepared: Prepared, items: ItemBatch, *, data: ExecutionData | None = None
) -> SubExecution:
    """Run the callee with `items` as its trigger's input; record it in `data` (with the
    caller's execution as its parent) when given. Failures of the callee's nodes are in
    the result; SubworkflowError only when nesting is too deep."""
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        raise SubworkflowError(
            f"sub-workflows are nested more than {MAX_DEPTH} deep (calling workflow "
            f"{prepared.callee.label}); does a workflow call itself without end?"
        )
    callee, caller = prepared.callee, prepared.caller
    listeners: list[Listener] = []
    credentials = _credentials(prepared, data)
    if data is not None:
        from hetumind.recording import ExecutionRecorder
        from hetumind.store.scrubbing import credential_secrets

        listeners.append(
            ExecutionRecorder(
                data,
                workflow=callee.workflow,
                workflow_version=callee.version,
                parent_execution_id=caller.execution_id,
                secrets=credential_secrets(credentials),
            )
        )
    # The callee starts from the items alone: the caller's pairing and lineage mean
    # nothing in it.
    fresh = ItemBatch(items.table, items.num_items, binary=items.binary)
    options = RunOptions(
        input_batch=fresh,
        mode=MODE,
        listeners=tuple(listeners),
        credentials=credentials,
        capabilities=caller.capabilities,
        services=caller.services,
    )
    handle = start_execution(prepared.plan, InlineBackend(), options)
    token = _depth.set(depth + 1)
    try:
        with inherited(caller):
            result = handle.result()
    finally:
        _depth.reset(token)
    return SubExecution(
        result.execution_id,
        result.status,
        result.error,
        _returned(result, prepared.start, len(items)) if result.ok else ItemBatch.empty(),
    )


def _credentials(prepared: Prepared, data: ExecutionData | None) -> dict[str, Mapping[str, Any]]:
    """The caller's resolved credentials, plus those the callee's nodes name, looked up in
    the store when there is one (the callee may run in a Ray worker, with no resolver)."""
    found: dict[str, Mapping[str, Any]] = dict(prepared.caller.credentials)
    if data is None:
        return found
    store = data.store
    for wf_node in prepared.plan.workflow.nodes:
        for kind, ref in wf_node.credentials.items():
            if not isinstance(ref, dict) or not (ref.get("id") or ref.get("name")):
                continue
            key = credential_key(kind, ref)
            if key in found:
                continue
            try:
                # only the caller's project's credentials exist for the callee
                project = prepared.caller.capabilities.project_id
                resolving = store.credentials.resolve(kind, ref, project_id=project)
                found[key] = dict(store.run_sync(resolving, 30).data)
            except HetumindError:
                continue  # the node says what is missing when it asks for it
    return found


def _returned(result: ExecutionResult, start: str, given: int) -> ItemBatch:
    """n8n's rule: a sub-workflow returns its last executed node's items. Each is paired
    with the caller's item it descends from; else by position when the counts match."""
    last = result.last_node_executed
    if last is None or result.backend is None:
        return ItemBatch.empty()
    outputs = result.backend.outputs(result.run_data[last][-1].outputs)
    out = outputs[0] if outputs else ItemBatch.empty()
    lineage = out.lineage.get(start)
    pairs: list[int | None] = []
    for i in range(len(out)):
        source = lineage[i].as_py() if lineage is not None and i < len(lineage) else None
        if source is None:
            source = i if len(out) == given else (0 if given == 1 else None)
        pairs.append(source)
    return ItemBatch(out.table, out.num_items, binary=out.binary).with_pairing(pairs)


def run_many(calls: Sequence[Callable[[], T]], limit: int = EACH_CONCURRENCY) -> list[T]:
    """Run `calls` at most `limit` at a time, each in a copy of this context; results in
    order. The first call to raise (in order) raises here, once all have finished."""
    if len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(min(limit, len(calls)), thread_name_prefix="subworkflow") as pool:
        futures = [pool.submit(contextvars.copy_context().run, call) for call in calls]
    return [f.result() for f in futures]


_background: ThreadPoolExecutor | None = None
_pending: set[Future[Any]] = set()
_pending_lock = threading.Lock()


def start_background(call: Callable[[], Any]) -> Future[Any]:
    """Run `call` without waiting for it (waitForSubWorkflow false). Its threads are not
    daemons: a CLI process finishes the sub-executions it started before it exits."""
    global _background
    with _pending_lock:
        if _background is None:
            _background = ThreadPoolExecutor(4, thread_name_prefix="subworkflow-bg")
        future = _background.submit(contextvars.copy_context().run, call)
        _pending.add(future)
    future.add_done_callback(_finished)
    return future


def _finished(future: Future[Any]) -> None:
    with _pending_lock:
        _pending.discard(future)
    if not future.cancelled() and future.exception() is not None:
        log.error("a sub-workflow started without waiting failed", exc_info=future.exception())


def drain(timeout: float | None = None) -> bool:
    """Wait for the sub-executions started without waiting; False if some still run."""
    with _pending_lock:
        pending = set(_pending)
    _, not_done = wait(pending, timeout)
    return not not_done
