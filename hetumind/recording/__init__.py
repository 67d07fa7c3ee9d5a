"""Persistence as an adapter: the layer between the engine and the store.

The store (hetumind.store) is tables, repositories and plain-data codecs and imports
nothing of the engine; the engine knows nothing of the store. What joins them lives here:

- `ExecutionRecorder` (recorder.py): an engine listener that writes an execution's rows
  and its items (checkpoint) to the store as it runs; `SaveSettings`, n8n's save settings.
- `load_checkpoint` / `ResumableData` (checkpoints.py): a stored execution read back as
  the engine's `Checkpoint`, to resume it.

    >>> store = await Store.open()
    >>> data = ResumableData(store, open_blob_store())
    >>> recorder = ExecutionRecorder(data, workflow=doc, workflow_id=wf.id)
    >>> result = await asyncio.to_thread(run_workflow, doc, listeners=[recorder])
    >>> checkpoint = await data.load_checkpoint(result.execution_id)
"""

from hetumind.recording.checkpoints import ResumableData, load_checkpoint
from hetumind.recording.recorder import (
    RECORDED_STATUSES,
    ExecutionRecorder,
    RunItems,
    SaveSettings,
)

__all__ = [
    "RECORDED_STATUSES",
    "ExecutionRecorder",
    "ResumableData",
    "RunItems",
    "SaveSettings",
    "load_checkpoint",
]
