"""The coordinator: walks the plan, submitting node runs as their inputs become ready.

It follows n8n's v1 semantics (a node runs when it receives items; multi-input nodes wait
for every input, or run with what they have once nothing else can arrive; loops run their
body once per pass) while running independent branches at the same time. It only touches
handles and item counts: the items themselves stay with the backend.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hetumind.engine.backend import Backend, PortRef, Submitted
from hetumind.engine.context import ExecutionInfo
from hetumind.engine.node_run import NodeRunSpec, RunMeta
from hetumind.engine.plan import Plan
from hetumind.engine.result import ExecutionResult, NodeRun
from hetumind.items import ItemBatch

__all__ = ["Coordinator"]


@dataclass
class _Ready:
    node: str
    inputs: list[PortRef | None]


@dataclass
class _Waiting:
    """Inputs gathered so far for one run of a multi-input node."""

    inputs: list[PortRef | None]

    def complete(self) -> bool:
        return all(i is not None for i in self.inputs)


@dataclass
class Coordinator:
    plan: Plan
    backend: Backend
    input_items: list[dict[str, Any]] | None = None
    mode: str = "manual"
    execution_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])

    def run(self) -> ExecutionResult:
        wf = self.plan.workflow
        info = ExecutionInfo(
            execution_id=self.execution_id,
            workflow_id=wf.id,
            workflow_name=wf.name,
            mode=self.mode,
            now=datetime.now().astimezone(),
            env=ExecutionInfo.environment(),
        )
        result = ExecutionResult(self.execution_id, backend=self.backend)
        queue: deque[_Ready] = deque()
        waiting: dict[str, list[_Waiting]] = {}
        running: dict[int, tuple[Submitted, str]] = {}
        busy: set[str] = set()
        runs: dict[str, int] = {}
        states: dict[str, Any] = {}
        latest: dict[str, Any] = {}
        trigger_input = self.backend.put(ItemBatch.from_items(self.input_items or []))
        for name in self.plan.triggers:
            queue.append(_Ready(name, [PortRef(trigger_input, 0)]))

        timeout = wf.execution_timeout
        deadline = None if timeout is None else time.monotonic() + timeout

        while queue or running or any(waiting.values()):
            # Submit every ready run whose node is not already running (runs of one node
            # are sequential: loop state and runIndex depend on it).
            deferred: deque[_Ready] = deque()
            while queue:
                ready = queue.popleft()
                if ready.node in busy:
                    deferred.append(ready)
                    continue
                sub = self._submit(ready, info, runs, states, latest)
                running[id(sub)] = (sub, ready.node)
                busy.add(ready.node)
            queue = deferred
            if not running:
                if not self._release_partial(waiting, queue):
                    break
                continue
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            done = self.backend.wait([s for s, _ in running.values()], remaining)
            if not done:
                self.backend.cancel([s for s, _ in running.values()])
                result.finish("canceled", {"message": f"execution timed out after {timeout:g}s"})
                return result
            for sub in done:
                _, name = running.pop(id(sub))
                busy.discard(name)
                meta = self.backend.meta(sub)
                runs[name] = runs.get(name, 0) + 1
                states[name] = sub.state
                latest[name] = sub.outputs
                result.add(name, NodeRun(meta, sub.outputs))
                if meta.stop:
                    self.backend.cancel([s for s, _ in running.values()])
                    result.finish("error", _error_summary(meta))
                    return result
                self._deliver(name, meta, sub, queue, waiting)
        result.finish("success", None)
        return result

    def _submit(
        self,
        ready: _Ready,
        info: ExecutionInfo,
        runs: dict[str, int],
        states: dict[str, Any],
        latest: dict[str, Any],
    ) -> Submitted:
        planned = self.plan.nodes[ready.node]
        pinned = self.plan.workflow.pin_data.get(ready.node) if self.mode == "manual" else None
        spec = NodeRunSpec(
            node=planned.node,
            outputs=planned.outputs,
            run_index=runs.get(ready.node, 0),
            info=info,
            tracked=self.plan.tracked,
            pinned=pinned,
            trigger=planned.definition.trigger,
        )
        references = {
            ref: (latest[ref], self.plan.nodes[ref].node.parameters)
            for ref in planned.references
            if ref in latest
        }
        return self.backend.submit(spec, ready.inputs, states.get(ready.node), references)

    def _deliver(
        self,
        name: str,
        meta: RunMeta,
        sub: Submitted,
        queue: deque[_Ready],
        waiting: dict[str, list[_Waiting]],
    ) -> None:
        planned = self.plan.nodes[name]
        for port, targets in enumerate(planned.children):
            if port >= len(meta.counts) or meta.counts[port] == 0:
                continue  # n8n v1: a node runs only when it receives items
            ref = PortRef(sub.outputs, port)
            for child, child_input in targets:
                child_plan = self.plan.nodes[child]
                if not child_plan.waits_for_all_inputs:
                    inputs: list[PortRef | None] = [None] * max(1, child_plan.inputs)
                    inputs[min(child_input, len(inputs) - 1)] = ref
                    queue.append(_Ready(child, inputs))
                    continue
                slots = waiting.setdefault(child, [])
                slot = next((w for w in slots if w.inputs[child_input] is None), None)
                if slot is None:
                    slot = _Waiting([None] * child_plan.inputs)
                    slots.append(slot)
                slot.inputs[child_input] = ref
                if slot.complete():
                    slots.remove(slot)
                    queue.append(_Ready(child, slot.inputs))

    def _release_partial(self, waiting: dict[str, list[_Waiting]], queue: deque[_Ready]) -> bool:
        """Nothing runs and nothing is queued: multi-input nodes run with what they have."""
        for child, slots in waiting.items():
            if slots:
                slot = slots.pop(0)
                queue.append(_Ready(child, slot.inputs))
                return True
        return False


def _error_summary(meta: RunMeta) -> dict[str, Any]:
    error = meta.error or {}
    return {"message": error.get("message", "node failed"), "node": meta.node}
