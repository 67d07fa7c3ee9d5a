"""The Ray backend: each segment run is a Ray task; item data stays in the object store.

A task returns three objects: the small RunMeta list (the only thing the coordinator
fetches), the output batches, and the node states. Downstream tasks receive outputs as
object references, so Arrow buffers go from worker to worker without passing the
coordinator. The remote function is defined once, at import.

Durability (engine/durability.py): segments of pure nodes are re-run by Ray when their
worker dies (`max_retries`); node outputs are task outputs, so Ray can rebuild a lost one
from lineage. A segment that may not be re-run and whose worker died ends the execution
with an error naming its nodes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import ray

from hetumind.engine.backend import (
    OutputRef,
    PortRef,
    Reference,
    SegmentOutputs,
    Submitted,
    pick_inputs,
    pick_references,
)
from hetumind.engine.durability import WORKER_RETRIES, not_rerunnable, worker_lost_message
from hetumind.engine.node_run import NodeRunSpec, RunMeta, execute_segment
from hetumind.items import ItemBatch
from hetumind.observability import tracing

__all__ = ["RayBackend", "ensure_ray"]


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to RAY_ADDRESS (or `address`), or start a small local Ray once.

    A local Ray picks free ports itself, so it never collides with a Redis on 6379.
    """
    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # local, loopback-only instance
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": "WARNING"}
    if address:
        ray.init(address=address, **kwargs)
    else:
        cpus = num_cpus or int(os.environ.get("HETUMIND_NUM_CPUS", "0")) or os.cpu_count() or 1
        # "local": otherwise ray.init joins any Ray it finds running on this machine.
        ray.init(address="local", num_cpus=cpus, **kwargs)


@ray.remote(num_returns=3, max_retries=0)
def _run_segment_task(
    specs: list[NodeRunSpec],
    layout: list[tuple[int, int] | None],
    state_members: list[int | None],
    ref_names: list[str],
    ref_members: list[int],
    ref_facts: list[tuple[Mapping[str, Any], Mapping[str, Any]]],
    *resolved: Any,
) -> tuple[list[RunMeta], SegmentOutputs, list[dict[str, Any]]]:
    # `resolved` holds, in order: the parents' outputs, the previous state lists of the
    # members that ran before, and the outputs of nodes read by expressions. Ray has
    # fetched them already, zero-copy for Arrow buffers.
    n = len(layout)
    inputs = pick_inputs(
        [None if p is None else PortRef(OutputRef(None, p[0]), p[1]) for p in layout],
        [None if p is None else resolved[i] for i, p in enumerate(layout)],
    )
    states: list[Any] = []
    for member in state_members:
        if member is None:
            states.append(None)
        else:
            states.append(resolved[n][member])
            n += 1
    refs = pick_references(ref_names, ref_members, ref_facts, resolved[n:])
    result = execute_segment(specs, inputs, states, refs)
    tracing.flush_soon()  # its node runs' spans, before this worker may be gone
    return result


# The same function once more, for segments Ray may re-run when their worker dies. Made
# once here rather than with .options() per submission.
_run_segment_task_retried = _run_segment_task.options(
    max_retries=WORKER_RETRIES, retry_exceptions=False
)


@dataclass
class _RaySubmitted(Submitted):
    nodes: tuple[str, ...] = ()
    blocking: tuple[str, ...] = ()
    run_index: int = 0
    submitted_at: float = field(default_factory=time.monotonic)


CANCEL_AFTER_SECONDS = 0.5
"""Runs younger than this are not cancelled but abandoned (see RayBackend.cancel)."""


class RayBackend:
    name = "ray"

    def __init__(self) -> None:
        ensure_ray()
        self._empty = ray.put([[ItemBatch.empty()]])

    def submit(
        self,
        specs: Sequence[NodeRunSpec],
        inputs: Sequence[PortRef | None],
        states: Sequence[OutputRef | None],
        references: Mapping[str, Reference],
    ) -> Submitted:
        layout = [None if r is None else (r.run.member, r.port) for r in inputs]
        names = list(references)
        blocking = tuple(not_rerunnable(specs))
        task = _run_segment_task if blocking or not WORKER_RETRIES else _run_segment_task_retried
        metas, outputs, new_states = task.remote(
            list(specs),
            layout,
            [None if s is None else s.member for s in states],
            names,
            [references[n].outputs.member for n in names],
            [(references[n].parameters, references[n].context) for n in names],
            *[self._empty if r is None else r.run.handle for r in inputs],
            *[s.handle for s in states if s is not None],
            *[references[n].outputs.handle for n in names],
        )
        nodes = tuple(s.node.name for s in specs)
        return _RaySubmitted(
            metas, outputs, new_states, nodes=nodes, blocking=blocking, run_index=specs[0].run_index
        )

    def wait(self, runs: Sequence[Submitted], timeout: float | None) -> list[Submitted]:
        by_ref = {r.metas: r for r in runs}
        ready, _ = ray.wait(list(by_ref), num_returns=1, timeout=timeout)
        return [by_ref[ref] for ref in ready]

    def metas(self, run: Submitted) -> list[RunMeta]:
        try:
            metas: list[RunMeta] = ray.get(run.metas)
        except ray.exceptions.RayTaskError:
            raise  # a bug in the engine itself, not a lost worker: keep its traceback
        except ray.exceptions.RayError as exc:
            return self._lost(run, exc)
        return metas

    def _lost(self, run: Submitted, exc: Exception) -> list[RunMeta]:
        """The segment's worker (or machine) died for good: one failed, stopping run."""
        nodes = run.nodes if isinstance(run, _RaySubmitted) else ("?",)
        blocking = run.blocking if isinstance(run, _RaySubmitted) else nodes
        run_index = run.run_index if isinstance(run, _RaySubmitted) else 0
        message = worker_lost_message(nodes, blocking, type(exc).__name__)
        run.outputs = ray.put([[]])
        run.states = ray.put([{}])
        return [
            RunMeta(
                node=nodes[0],
                run_index=run_index,
                status="error",
                started_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                execution_time_ms=0.0,
                counts=[],
                error={"message": message, "node": nodes[0], "workerLost": True},
                stop=True,
            )
        ]

    def outputs(self, ref: OutputRef) -> list[ItemBatch]:
        outputs: SegmentOutputs = ray.get(ref.handle)
        return outputs[ref.member]

    def state(self, ref: OutputRef) -> dict[str, Any]:
        states: list[dict[str, Any]] = ray.get(ref.handle)
        return states[ref.member]

    def put(self, batch: ItemBatch) -> Any:
        # ray.put, not a task output: its primary copy lives on the coordinator's own
        # node, so it is lost only together with the coordinator, and a small task output
        # used as a dependency trips a Ray cancel race (ray-project/ray#56123).
        return ray.put([[batch]])

    def restore(
        self,
        metas: list[RunMeta],
        outputs: list[list[ItemBatch]],
        states: list[dict[str, Any]],
    ) -> Submitted:
        return Submitted(ray.put(metas), ray.put(outputs), ray.put(states))

    def cancel(self, runs: Sequence[Submitted]) -> None:
        """Stop runs that are no longer wanted (a stop request, a failed sibling, a timeout).

        Cancelling a task while Ray still resolves its dependencies, just after it was
        submitted, aborts the whole driver process (ray-project/ray#56123: `Check failed:
        submitted_task_ref_count > 0`; it still happens on Ray 2.60). A run that has been
        out for half a second is past that point: it is cancelled. A younger one is abandoned
        instead: it finishes on its own, and its results are dropped with their references.
        """
        now = time.monotonic()
        for run in runs:
            # Restored runs are objects, not tasks: nothing to cancel.
            if isinstance(run, _RaySubmitted) and now - run.submitted_at >= CANCEL_AFTER_SECONDS:
                ray.cancel(run.metas, force=True)
