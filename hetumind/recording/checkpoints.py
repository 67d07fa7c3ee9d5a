"""A stored execution read back as the engine's `Checkpoint`, to continue it.

The store keeps node-run rows and their items and state as plain data (Arrow IPC and a
pickled dict, hetumind.store.execution_data); turning them into the engine's `RunMeta` /
`StoredRun` / `Checkpoint` is this adapter's job, so the store knows nothing of the engine.

    data = ResumableData(store, open_blob_store())
    checkpoint = await data.load_checkpoint(execution_id)
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from hetumind.engine.checkpoint import RUNNING, Checkpoint, StoredRun
from hetumind.engine.node_run import RunMeta
from hetumind.store.execution_data import ExecutionData, iso_z
from hetumind.store.models import NodeRunRecord

__all__ = ["ResumableData", "load_checkpoint"]


async def load_checkpoint(data: ExecutionData, execution_id: str) -> Checkpoint:
    """The execution's finished node runs with their items and state (engine/checkpoint.py).
    Runs whose items were not kept are left out: they run again."""
    runs = await data.store.executions.node_runs(execution_id)
    return await asyncio.to_thread(_checkpoint, data, runs)


def _checkpoint(data: ExecutionData, runs: Sequence[NodeRunRecord]) -> Checkpoint:
    checkpoint = Checkpoint()
    for run in runs:
        if run.blob_ref is None and run.status != RUNNING:
            continue  # items not kept: the run happens again
        meta = RunMeta(
            node=run.node,
            run_index=run.run_index,
            status=run.status,
            started_at=iso_z(run.started_at) or "",
            execution_time_ms=run.execution_time_ms,
            counts=list(run.counts),
            error=run.error,
            extra=dict(run.extra or {}),
        )
        if run.blob_ref is None:  # started, never finished
            checkpoint.add(StoredRun(meta, []))
            continue
        outputs = data.read_run(run.blob_ref, len(run.counts), lineage=True)
        checkpoint.add(StoredRun(meta, outputs, data.read_state(run.blob_ref)))
    return checkpoint


class ResumableData(ExecutionData):
    """The store's execution data that can also be read back as a checkpoint: what a
    server hands its routes and resumer (`svc.data.load_checkpoint(id)`)."""

    async def load_checkpoint(self, execution_id: str) -> Checkpoint:
        """See `load_checkpoint`."""
        return await load_checkpoint(self, execution_id)
