"""The coordinator: walks the plan, submitting node runs as their inputs become ready.

It follows n8n's v1 semantics (a node runs when it receives items; multi-input nodes wait
for every input, or run with what they have once nothing else can arrive; loops run their
body once per pass) while running independent branches at the same time. It only touches
handles and item counts: the items themselves stay with the backend.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hetumind.capabilities import Capabilities
from hetumind.engine.backend import Backend, OutputRef, PortRef, Reference, Submitted
from hetumind.engine.checkpoint import WAIT_KEY, Checkpoint
from hetumind.engine.context import NODE_CONTEXT_KEY, STATIC_DATA_KEY, ExecutionInfo
from hetumind.engine.custom_data import CUSTOM_DATA_KEY
from hetumind.engine.events import (
    ExecutionFinished,
    ExecutionStarted,
    Listener,
    NodeFinished,
    NodeStarted,
    notify,
)
from hetumind.engine.fusion import segments
from hetumind.engine.node_run import NodeRunSpec, RunMeta
from hetumind.engine.order import LegacyOrder, run_limit, run_limit_error
from hetumind.engine.plan import Plan
from hetumind.engine.result import ExecutionResult, NodeRun
from hetumind.execution_services import Services
from hetumind.items import ItemBatch, arange
from hetumind.observability import metrics, tracing

__all__ = ["Coordinator"]


@dataclass
class _Ready:
    node: str
    inputs: list[PortRef | None]


@dataclass
class _Running:
    submitted: Submitted
    chain: tuple[str, ...]
    restored: tuple[bool, ...] = ()
    """Per member, whether its run came unchanged from a checkpoint: not announced again."""
    deadline: float | None = None
    """monotonic() time by which a node with a timeout must have finished."""


@dataclass
class Coordinator:
    plan: Plan
    backend: Backend
    input_items: list[dict[str, Any]] | None = None
    input_batch: ItemBatch | None = None
    """Trigger input as an Arrow batch (batch runs); takes precedence over input_items."""
    mode: str = "manual"
    fuse: bool = True
    listeners: Sequence[Listener] = ()
    """Told when the execution and each node run start and finish (engine/events.py)."""
    save_outputs: bool = True
    """False: keep item data only where it is needed later (the end of each fused chain and
    nodes that expressions read); runData then has counts but no items for the rest.
    For batch runs, where intermediate results would double the memory traffic."""
    execution_id: str = field(default_factory=lambda: new_execution_id())
    checkpoint: Checkpoint | None = None
    """Node runs finished earlier (a resumed or partial execution): restored, not re-run."""
    announce_restored: bool = False
    """Tell listeners about restored runs too: they came from another execution (a retry),
    so this one's record must include them."""
    park_waits: bool = False
    """A Wait node parks the execution (status waiting; the server resumes it later)
    instead of sleeping in place; see nodes/builtin/wait.py."""
    credentials: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Credential data resolved beforehand, for nodes in workers (ExecutionInfo)."""
    resume_url: str = ""
    """`$execution.resumeUrl` (the server's resume webhook of this execution)."""
    static_data: Mapping[str, Any] | None = None
    """The workflow's static data when the execution starts (None: the document's own)."""
    capabilities: Capabilities = field(default_factory=Capabilities.local)
    """What the workflow may reach (hetumind.capabilities); the server passes its own."""
    traceparent: str = ""
    """The W3C trace context the execution's span continues (an HTTP caller's); "" : the
    current span's, if any (hetumind.observability.tracing)."""
    services: Services = field(default_factory=Services)
    """Blob store and credential services for the node runs (hetumind.execution_services)."""
    cancelled: threading.Event | None = None
    """Set from any thread to stop the execution (ExecutionHandle.cancel, engine/start.py):
    checked between node runs and while waiting on the backend, every CANCEL_POLL_SECONDS."""
    cancel_error: Mapping[str, Any] = field(
        default_factory=lambda: {"message": "execution was stopped"}
    )

    def __post_init__(self) -> None:
        self._chains = segments(self.plan, self.fuse)
        self._queue: deque[_Ready] = deque()
        self._waiting: dict[str, list[list[PortRef | None]]] = {}
        self._running: dict[int, _Running] = {}
        self._busy: set[str] = set()
        self._runs: dict[str, int] = {}
        self._states: dict[str, OutputRef] = {}
        self._latest: dict[str, OutputRef] = {}
        self._contexts: dict[str, dict[str, Any]] = {}
        """node -> the context its latest run recorded (small: a loop's counters)."""
        self._wall_deadline: float | None = None
        self._read_later = frozenset().union(*(p.references for p in self.plan.nodes.values()))
        self._parked: set[str] = set()
        self._wait_till: str | None = None
        settings = self.plan.workflow.settings
        self._run_limit = run_limit(settings)
        self._over_limit: str | None = None
        # executionOrder v0's rules (engine/order.py); None under v1.
        self._legacy = LegacyOrder(self.plan) if settings.get("executionOrder") == "v0" else None
        self._empty_refs: set[int] = set()
        """ids of the empty port refs v0 delivers to a second input."""
        self._traceparent = ""

    def run(self) -> ExecutionResult:
        wf = self.plan.workflow
        notify(
            self.listeners,
            ExecutionStarted(self.execution_id, wf.name, wf.id, self.mode, self.backend),
        )
        with tracing.execution(self.execution_id, wf.id, wf.name, self.mode, self.traceparent) as t:
            self._traceparent = t.traceparent
            result = self._run()
            t.finish(result.status, result.error, self.backend.name)
        metrics.execution_finished(result.status, self.mode, wf.id or wf.name)
        notify(self.listeners, ExecutionFinished(self.execution_id, result))
        return result

    def _run(self) -> ExecutionResult:
        wf = self.plan.workflow
        info = ExecutionInfo(
            execution_id=self.execution_id,
            workflow_id=wf.id,
            workflow_name=wf.name,
            mode=self.mode,
            now=datetime.now().astimezone(),
            env=self.capabilities.environment(),
            capabilities=self.capabilities,
            settings=dict(wf.settings),
            credentials=dict(self.credentials),
            park_waits=self.park_waits,
            resume_url=self.resume_url,
            traceparent=self._traceparent,
            services=self.services,
            static_data=copy.deepcopy(
                dict(self.static_data if self.static_data is not None else wf.static_data or {})
            ),
        )
        self._info = info
        result = ExecutionResult(self.execution_id, backend=self.backend)
        first = self.input_batch
        if first is None:
            first = ItemBatch.from_items(self.input_items or [])
        trigger_input = PortRef(OutputRef(self.backend.put(first)), 0)
        for name in self.plan.triggers:
            self._queue.append(_Ready(name, [trigger_input]))

        timeout = wf.execution_timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        self._wall_deadline = None if timeout is None else time.time() + timeout
        timed_out = {"message": f"execution timed out after {timeout or 0:g}s"}
        while self._queue or self._running or any(self._waiting.values()):
            if self._is_cancelled():
                return self._stop(result, "canceled", dict(self.cancel_error))
            if not self._parked:
                self._submit_ready(info)
            if self._over_limit is not None:
                return self._stop(
                    result, "error", run_limit_error(self._over_limit, self._run_limit)
                )
            if not self._running:
                if self._parked or not self._release_partial():
                    break
                continue
            remaining = self._remaining(deadline)
            sliced = self.cancelled is not None and (
                remaining is None or remaining > CANCEL_POLL_SECONDS
            )
            done = self.backend.wait(
                [r.submitted for r in self._running.values()],
                CANCEL_POLL_SECONDS if sliced else remaining,
            )
            if not done:
                if self._is_cancelled():
                    return self._stop(result, "canceled", dict(self.cancel_error))
                if sliced:
                    continue  # only a slice of the wait ended: look at the flag again
                # A node past its own timeout fails; otherwise the execution's deadline
                # passed.
                done = self._time_out_nodes()
                if not done:
                    return self._stop(result, "canceled", timed_out)
            cut_short = False
            for sub in done:
                running = self._running.pop(id(sub))
                self._busy.difference_update(running.chain)
                metas = self.backend.metas(sub)
                for member, meta in enumerate(metas):
                    ref = OutputRef(sub.outputs, member)
                    self._runs[meta.node] = self._runs.get(meta.node, 0) + 1
                    self._states[meta.node] = OutputRef(sub.states, member)
                    self._latest[meta.node] = ref
                    if NODE_CONTEXT_KEY in meta.extra:  # `$node["Name"].context`
                        self._contexts[meta.node] = meta.extra[NODE_CONTEXT_KEY]
                    saved = self._keeps(running.chain)[member]
                    run = NodeRun(meta, ref, saved, OutputRef(sub.states, member))
                    result.add(meta.node, run)
                    if member < len(running.restored) and running.restored[member]:
                        continue  # listeners heard of it in the run that made it
                    if STATIC_DATA_KEY in meta.extra:  # later runs see what this one changed
                        self._info.static_data.update(meta.extra[STATIC_DATA_KEY])
                        result.static_data = self._info.static_data
                    if CUSTOM_DATA_KEY in meta.extra:  # $execution.customData for later runs
                        self._info.custom_data.update(meta.extra[CUSTOM_DATA_KEY])
                    if member:  # the chain's head was announced when it was submitted
                        notify(
                            self.listeners,
                            NodeStarted(self.execution_id, meta.node, meta.run_index),
                        )
                    notify(
                        self.listeners,
                        NodeFinished(self.execution_id, meta.node, meta.run_index, meta, run),
                    )
                    if meta.stop:
                        return self._stop(result, "error", _error_summary(meta))
                    if self.park_waits and WAIT_KEY in meta.extra:
                        self._park(meta)
                if self._parked_now(metas[-1]):
                    continue  # a parked Wait delivers nothing until it resumes
                # A fused chain stops early, items in hand, only when the deadline passed.
                cut_short |= len(metas) < len(running.chain) and metas[-1].counts[:1] != [0]
                self._deliver(metas[-1], OutputRef(sub.outputs, len(metas) - 1))
            if self._is_cancelled():  # a node it woke (an inline Wait) ended early
                return self._stop(result, "canceled", dict(self.cancel_error))
            if (
                deadline is not None
                and time.monotonic() > deadline
                and (self._queue or self._running or cut_short)
            ):
                # The inline backend cannot be interrupted mid-node; stop between runs.
                return self._stop(result, "canceled", timed_out)
        if self._parked:
            result.finish("waiting", None)
            result.wait_till = self._wait_till
            return result
        result.finish("success", None)
        return result

    def _is_cancelled(self) -> bool:
        return self.cancelled is not None and self.cancelled.is_set()

    def _remaining(self, deadline: float | None) -> float | None:
        """Seconds until the execution's or a running node's deadline, whichever is first."""
        ends = [r.deadline for r in self._running.values() if r.deadline is not None]
        if deadline is not None:
            ends.append(deadline)
        return None if not ends else max(0.0, min(ends) - time.monotonic())

    def _time_out_nodes(self) -> list[Submitted]:
        """Cancel the runs whose node timeout passed; they finish as failed runs."""
        now = time.monotonic() + 0.01  # a wait may come back a hair before its timeout
        expired = [
            self._running.pop(key)
            for key, r in list(self._running.items())
            if r.deadline is not None and r.deadline <= now
        ]
        self.backend.cancel([r.submitted for r in expired])
        for running in expired:
            node = self.plan.nodes[running.chain[0]].node
            running.submitted = self.backend.restore(
                [
                    RunMeta(
                        node=node.name,
                        run_index=self._runs.get(node.name, 0),
                        status="error",
                        started_at=_now_iso(),
                        execution_time_ms=(node.timeout or 0) * 1000,
                        counts=[],
                        error={
                            "message": f"node timed out after {node.timeout:g}s",
                            "node": node.name,
                            "timeout": True,
                        },
                        stop=True,
                    )
                ],
                [[]],
                [{}],
            )
            self._running[id(running.submitted)] = running
        return [r.submitted for r in expired]

    def _park(self, meta: RunMeta) -> None:
        self._parked.add(meta.node)
        till = meta.extra[WAIT_KEY].get("till")
        if till and (self._wait_till is None or till < self._wait_till):
            self._wait_till = till

    def _parked_now(self, meta: RunMeta) -> bool:
        return meta.node in self._parked and WAIT_KEY in meta.extra

    def _stop(self, result: ExecutionResult, status: str, error: dict[str, Any]) -> ExecutionResult:
        self.backend.cancel([r.submitted for r in self._running.values()])
        result.finish(status, error)
        return result

    def _submit_ready(self, info: ExecutionInfo) -> None:
        """Submit every ready run whose chain is idle; runs of one node stay sequential
        because loop state and $runIndex depend on their order."""
        deferred: deque[_Ready] = deque()
        while self._queue:
            ready = self._queue.popleft()
            chain = self._chains.get(ready.node, (ready.node,))
            if self._busy.intersection(chain):
                deferred.append(ready)
                continue
            over = next((n for n in chain if self._runs.get(n, 0) >= self._run_limit), None)
            if over is not None:  # a cycle that does not end: fail, naming node and limit
                self._over_limit = over
                break
            restored = self._restore(chain)
            if restored is not None:
                submitted, unchanged = restored
                self._running[id(submitted)] = _Running(submitted, chain, restored=unchanged)
                self._busy.update(chain)
                continue
            notify(
                self.listeners,
                NodeStarted(self.execution_id, ready.node, self._runs.get(ready.node, 0)),
            )
            submitted = self._submit(ready, chain, info)
            timeout = self.plan.nodes[chain[0]].node.timeout
            ends = None if timeout is None else time.monotonic() + timeout
            self._running[id(submitted)] = _Running(submitted, chain, deadline=ends)
            self._busy.update(chain)
        self._queue = deferred

    def _restore(self, chain: tuple[str, ...]) -> tuple[Submitted, tuple[bool, ...]] | None:
        """The chain's runs from the checkpoint, as a finished submission (None when its
        head has no stored run at this run index: it runs for real)."""
        if self.checkpoint is None:
            return None
        found = []
        for name in chain:
            stored = self.checkpoint.take(name, self._runs.get(name, 0))
            if stored is None:
                break
            found.append(stored)
            if stored.meta.stop or not stored.meta.counts or stored.meta.counts[0] == 0:
                break
        if not found:
            return None
        submitted = self.backend.restore(
            [s.meta for s in found],
            [self._with_own_lineage(s.meta.node, s.outputs) for s in found],
            [s.state for s in found],
        )
        return submitted, tuple(not (s.changed or self.announce_restored) for s in found)

    def _with_own_lineage(self, node: str, outputs: list[ItemBatch]) -> list[ItemBatch]:
        """Stored items may lack lineage (a `run --json` result keeps none); a node that
        expressions read gets at least its own, as when it ran (node_run._with_lineage)."""
        if node not in self.plan.tracked:
            return outputs
        fixed, offset = [], 0
        for batch in outputs:
            if node not in batch.lineage:
                lineage = {**batch.lineage, node: arange(offset, offset + len(batch))}
                batch = batch._replace(lineage=lineage)
            fixed.append(batch)
            offset += len(batch)
        return fixed

    def _submit(self, ready: _Ready, chain: tuple[str, ...], info: ExecutionInfo) -> Submitted:
        specs = []
        references: dict[str, Reference] = {}
        for name, keep in zip(chain, self._keeps(chain), strict=True):
            planned = self.plan.nodes[name]
            pinned = self.plan.workflow.pin_data.get(name) if self.mode == "manual" else None
            specs.append(
                NodeRunSpec(
                    node=planned.node,
                    outputs=planned.outputs,
                    run_index=self._runs.get(name, 0),
                    info=info,
                    tracked=self.plan.tracked,
                    pinned=pinned,
                    trigger=planned.definition.trigger,
                    references=planned.references,
                    deadline=self._wall_deadline,
                    keep_outputs=keep,
                    supplied=planned.supplied,
                    needed_outputs=None
                    if keep
                    else frozenset(i for i, targets in enumerate(planned.children) if targets),
                )
            )
            for ref in planned.references:
                # a node may read its own previous run (a loop's reset on its own context)
                if ref in self._latest and (ref not in chain or ref == name):
                    params = self.plan.nodes[ref].node.parameters
                    context = self._contexts.get(ref, {})
                    references[ref] = Reference(self._latest[ref], params, context)
        states = [self._states.get(name) for name in chain]
        return self.backend.submit(specs, ready.inputs, states, references)

    def _keeps(self, chain: tuple[str, ...]) -> tuple[bool, ...]:
        """Per chain member, whether its items are kept (see `save_outputs`)."""
        return tuple(
            self.save_outputs or i == len(chain) - 1 or name in self._read_later
            for i, name in enumerate(chain)
        )

    def _deliver(self, meta: RunMeta, outputs: OutputRef) -> None:
        planned = self.plan.nodes[meta.node]
        for port, targets in enumerate(planned.children):
            if port >= len(meta.counts):
                continue
            empty = meta.counts[port] == 0
            if empty and self._legacy is None:
                continue  # n8n v1: a node runs only when it receives items
            ref = PortRef(outputs, port)
            if empty:
                self._empty_refs.add(id(ref))
            for child, child_input in targets:
                child_plan = self.plan.nodes[child]
                if empty and not (child_input > 0 and child_plan.waits_for_all_inputs):
                    continue  # v0 delivers an empty output only to a second or later input
                if not child_plan.waits_for_all_inputs:
                    inputs: list[PortRef | None] = [None] * max(1, child_plan.inputs)
                    inputs[min(child_input, len(inputs) - 1)] = ref
                    self._queue.append(_Ready(child, inputs))
                    continue
                if self._legacy is not None and not self._waiting.get(child):
                    self._start_missing_parents(child, meta.node, empty)
                slots = self._waiting.setdefault(child, [])
                slot = next((s for s in slots if s[child_input] is None), None)
                if slot is None:
                    slot = [None] * child_plan.inputs
                    slots.append(slot)
                slot[child_input] = ref
                if all(s is not None for s in slot):
                    slots.remove(slot)
                    self._queue.append(_Ready(child, slot))

    def _start_missing_parents(self, child: str, parent: str, output_empty: bool) -> None:
        """v0: parents of `child`'s other inputs that will not run by themselves start with
        one empty item (engine/order.py)."""
        assert self._legacy is not None
        pending = self._busy | {r.node for r in self._queue}
        for name in self._legacy.parents_to_start(
            child, parent, output_empty, pending, self._runs.keys()
        ):
            first = PortRef(OutputRef(self.backend.put(ItemBatch.from_items([{}]))), 0)
            inputs: list[PortRef | None] = [None] * max(1, self.plan.nodes[name].inputs)
            inputs[0] = first
            self._queue.append(_Ready(name, inputs))

    def _release_partial(self) -> bool:
        """Nothing runs and nothing is queued: multi-input nodes run with what they have,
        when that is enough for them (n8n's requiredInputs; under v0, when one input has
        items); otherwise they never run."""
        for child, slots in self._waiting.items():
            while slots:
                slot = slots.pop(0)
                planned = self.plan.nodes[child]
                present = [i for i, ref in enumerate(slot) if ref is not None]
                if self._legacy is not None:
                    if any(id(ref) not in self._empty_refs for ref in slot if ref is not None):
                        self._queue.append(_Ready(child, slot))
                        return True
                    continue
                if planned.definition.can_run_with(planned.node.parameters, present):
                    self._queue.append(_Ready(child, slot))
                    return True
        return False


CANCEL_POLL_SECONDS = 0.2
"""How long one wait on the backend lasts at most when the run can be cancelled."""


def new_execution_id() -> str:
    """16 hex digits from the OS's CSPRNG (about 1 us): unguessable, because the resume
    URL of a waiting execution (`/webhook-waiting/{id}`) is its id."""
    return secrets.token_hex(8)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error_summary(meta: RunMeta) -> dict[str, Any]:
    error = meta.error or {}
    return {"message": error.get("message", "node failed"), "node": meta.node}
