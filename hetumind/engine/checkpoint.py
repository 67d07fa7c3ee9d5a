"""Checkpoints: node runs an execution already finished, so that a later run can go on.

Three things continue an execution from stored node runs instead of starting afresh:
resuming after the coordinator died (the server was killed), resuming after a Wait node
parked it, and partial execution (`hetumind run --from NODE`). In every case the
coordinator walks the plan as usual, but a node run found here is *restored* (its stored
outputs and state handed to the backend as a finished run) instead of being executed, so
a node already done never runs again and its items are exactly the stored ones.

Replay is by (node, run index): the coordinator's order of runs is deterministic for a
given workflow and set of results, so the same runs come up in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hetumind.engine.durability import interrupted_message
from hetumind.engine.node_run import RunMeta
from hetumind.engine.result import PUBLIC_EXTRAS
from hetumind.items import ItemBatch

__all__ = ["RUNNING", "WAIT_KEY", "Checkpoint", "StoredRun", "checkpoint_from_json"]

RUNNING = "running"
"""Status of a stored run that started and never finished (its process died)."""

WAIT_KEY = "wait"
"""RunMeta.extra key of a node run that parks the execution (the Wait node):
``{"till": ISO time or None, "resume": "timeInterval" | "specificTime" | "webhook"}``."""


@dataclass(frozen=True)
class StoredRun:
    """A finished node run as the store kept it."""

    meta: RunMeta
    outputs: list[ItemBatch]
    state: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    """Its outcome is new (a parked Wait resumed, an interrupted run failed): listeners
    hear of it, unlike plain restored runs."""


@dataclass
class Checkpoint:
    """The stored runs of one execution, and how to continue a parked Wait node."""

    runs: dict[tuple[str, int], StoredRun] = field(default_factory=dict)
    resume_items: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per parked Wait node, the items it outputs when it resumes (a resume webhook's
    request); absent: it outputs the items it parked with (time-based waits)."""

    def add(self, run: StoredRun) -> None:
        self.runs[(run.meta.node, run.meta.run_index)] = run

    def take(self, node: str, run_index: int) -> StoredRun | None:
        """The stored run, turned into a plain finished run when it is a parked Wait, and
        into a failed one when it was still running (a side-effecting node in flight when
        its server died: at-most-once, see durability.py)."""
        stored = self.runs.get((node, run_index))
        if stored is not None and stored.meta.status == RUNNING:
            meta = RunMeta(
                node=node,
                run_index=run_index,
                status="error",
                started_at=stored.meta.started_at,
                execution_time_ms=0.0,
                counts=[],
                error={"message": interrupted_message(node), "node": node, "interrupted": True},
                stop=True,
            )
            return StoredRun(meta, [], changed=True)
        if stored is None or WAIT_KEY not in stored.meta.extra:
            return stored
        outputs = stored.outputs
        if node in self.resume_items:
            outputs = [ItemBatch.from_items(self.resume_items[node])]
        extra = {k: v for k, v in stored.meta.extra.items() if k != WAIT_KEY}
        meta = RunMeta(
            node=stored.meta.node,
            run_index=stored.meta.run_index,
            status="success",
            started_at=stored.meta.started_at,
            execution_time_ms=stored.meta.execution_time_ms,
            counts=[len(b) for b in outputs],
            extra=extra,
        )
        return StoredRun(meta, outputs, stored.state, changed=True)


def checkpoint_from_json(
    run_json: Mapping[str, Any], *, skip: frozenset[str] = frozenset()
) -> Checkpoint:
    """A checkpoint from an execution in `run --json` shape (a saved run, the API's
    execution with data), leaving out the nodes in `skip` (they run again).

    Runs whose items were not saved cannot be restored and are left out too.
    """
    checkpoint = Checkpoint()
    for node, runs in (run_json.get("runData") or {}).items():
        if node in skip:
            continue
        for index, run in enumerate(runs):
            outputs = run.get("outputs")
            if outputs is None:
                continue
            batches = [ItemBatch.from_items(port or []) for port in outputs]
            extra = {k: run[k] for k in PUBLIC_EXTRAS if run.get(k)}
            meta = RunMeta(
                node=node,
                run_index=index,
                status=run.get("status", "success"),
                started_at=run.get("startedAt") or "",
                execution_time_ms=float(run.get("executionTimeMs") or 0.0),
                counts=[len(b) for b in batches],
                error=run.get("error"),
                extra=extra,
            )
            checkpoint.add(StoredRun(meta, batches))
    return checkpoint
