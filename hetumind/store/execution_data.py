"""Execution data: node outputs as Arrow IPC in the blob store, read back as `run --json`.

Each node run's outputs are stored one Arrow IPC stream per output port, under
`executions/<execution id>/<node key>/<run index>/<port>.arrow`; the node-run row keeps
that prefix (`blob_ref`) and the item count per port.

Plain data only (ItemBatch, dicts, rows): reading it back as the engine's checkpoint is
hetumind.recording.checkpoints.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import pickle
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.ipc as ipc

from hetumind.errors import NotFound
from hetumind.items import ItemBatch
from hetumind.store.blobs import BlobStore

if TYPE_CHECKING:
    from hetumind.store.db import Store
    from hetumind.store.models import NodeRunRecord

__all__ = ["ExecutionData", "decode_batch", "encode_batch", "iso_z"]

log = logging.getLogger(__name__)

_NUM_ITEMS = b"hetumind.num_items"
_BINARY = b"hetumind.binary"


def encode_batch(batch: ItemBatch) -> bytes:
    """One batch as an Arrow IPC stream. Column encodings travel as field metadata; the
    item count and binary references as schema metadata (a table without columns has no
    rows to count). Pairing and lineage are run-time bookkeeping and are not kept."""
    metadata = dict(batch.table.schema.metadata or {})
    metadata[_NUM_ITEMS] = str(batch.num_items).encode()
    if batch.binary is not None:
        metadata[_BINARY] = json.dumps(batch.binary, default=str).encode()
    table = batch.table.replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def decode_batch(data: bytes) -> ItemBatch:
    """The batch `encode_batch` wrote."""
    table = ipc.open_stream(pa.py_buffer(data)).read_all()
    metadata = dict(table.schema.metadata or {})
    num_items = int(metadata.pop(_NUM_ITEMS, str(table.num_rows).encode()))
    raw_binary = metadata.pop(_BINARY, None)
    binary = None if raw_binary is None else json.loads(raw_binary)
    return ItemBatch(table.replace_schema_metadata(metadata or None), num_items, binary=binary)


def _node_key(node: str) -> str:
    # Node names are free text; keep a readable slug and make it unique with a hash.
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", node).strip("-")[:40] or "node"
    return f"{slug}-{hashlib.sha1(node.encode()).hexdigest()[:8]}"


def _encode_table(columns: Mapping[str, pa.Array]) -> bytes:
    table = pa.table(dict(columns))
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _state_key(run_prefix: str) -> str:
    """The node's state sits beside its runs (executions/<id>/<node>/state.pickle)."""
    return f"{run_prefix.rsplit('/', 1)[0]}/state.pickle"


def iso_z(value: Any) -> str | None:
    """A datetime as the engine writes startedAt (ISO 8601, 'Z' for UTC)."""
    if value is None:
        return None
    return str(value.isoformat()).replace("+00:00", "Z")


class ExecutionData:
    """The store and the blob store together: write, read, delete and prune executions.

    Blob calls are synchronous; the async methods here run them in a worker thread.
    """

    def __init__(self, store: Store, blobs: BlobStore) -> None:
        self.store = store
        self.blobs = blobs

    # blobs ------------------------------------------------------------------------------
    def write_run(
        self,
        execution_id: str,
        node: str,
        run_index: int,
        batches: Sequence[ItemBatch],
        state: Mapping[str, Any] | None = None,
    ) -> str:
        """Store a run's outputs (one batch per port) and, when given, the node's state
        after it (what a resumed execution restores; one per node, the latest wins);
        returns the run's blob prefix."""
        prefix = f"executions/{execution_id}/{_node_key(node)}/{run_index}"
        for port, batch in enumerate(batches):
            self.blobs.put(f"{prefix}/{port}.arrow", encode_batch(batch))
            if batch.lineage:  # what `$('Node').item` follows, for a resumed execution
                self.blobs.put(f"{prefix}/{port}.lineage.arrow", _encode_table(batch.lineage))
        if state:
            self.blobs.put(_state_key(prefix), pickle.dumps(dict(state)))
        return prefix

    def write_input(self, execution_id: str, items: Sequence[Mapping[str, Any]]) -> None:
        """The items an execution starts with, kept until it finishes so that it can be
        resumed from scratch (written before the run is acknowledged)."""
        batch = ItemBatch.from_items([dict(i) for i in items])
        self.blobs.put(f"executions/{execution_id}/input.arrow", encode_batch(batch))

    def read_input(self, execution_id: str) -> list[dict[str, Any]] | None:
        """The items `write_input` stored; None when there are none."""
        key = f"executions/{execution_id}/input.arrow"
        if not self.blobs.exists(key):
            return None
        return decode_batch(self.blobs.get(key)).to_items()

    def read_state(self, blob_ref: str) -> dict[str, Any]:
        """The node state `write_run` stored under `blob_ref` ({} when it had none)."""
        key = _state_key(blob_ref)
        if not self.blobs.exists(key):
            return {}
        state: dict[str, Any] = pickle.loads(self.blobs.get(key))  # written by us only
        return state

    def read_run(self, blob_ref: str, ports: int, *, lineage: bool = False) -> list[ItemBatch]:
        """The batches `write_run` stored under `blob_ref` (with their lineage if asked)."""
        batches = []
        for port in range(ports):
            batch = decode_batch(self.blobs.get(f"{blob_ref}/{port}.arrow"))
            key = f"{blob_ref}/{port}.lineage.arrow"
            if lineage and self.blobs.exists(key):
                table = ipc.open_stream(pa.py_buffer(self.blobs.get(key))).read_all()
                batch = batch._replace(
                    lineage={
                        name: table.column(name).combine_chunks() for name in table.column_names
                    }
                )
            batches.append(batch)
        return batches

    # reading back -----------------------------------------------------------------------
    async def to_json(self, execution_id: str, *, include_data: bool = True) -> dict[str, Any]:
        """The execution in `hetumind run --json` shape; `outputs` is null for runs whose
        data was not saved (or when include_data is False). NotFound for an unknown id."""
        record = await self.store.executions.get(execution_id)
        runs = await self.store.executions.node_runs(execution_id)
        outputs = await asyncio.to_thread(self._outputs, runs) if include_data else {}
        run_data: dict[str, list[dict[str, Any]]] = {}
        for run in runs:
            run_data.setdefault(run.node, []).append(
                {
                    "status": run.status,
                    "startedAt": iso_z(run.started_at),
                    "executionTimeMs": run.execution_time_ms,
                    "outputs": outputs.get(run.id) if run.id is not None else None,
                    "error": run.error,
                }
            )
        return {
            "executionId": record.id,
            "status": record.status,
            "error": record.error,
            "lastNodeExecuted": record.last_node_executed,
            "runData": run_data,
        }

    def _outputs(self, runs: Sequence[NodeRunRecord]) -> dict[int, list[list[dict[str, Any]]]]:
        out: dict[int, list[list[dict[str, Any]]]] = {}
        for run in runs:
            if run.blob_ref is not None and run.id is not None:
                try:
                    batches = self.read_run(run.blob_ref, len(run.counts))
                except NotFound:  # pruned meanwhile or lost: the run reads as unsaved
                    log.warning("execution data %s is missing", run.blob_ref)
                    continue
                out[run.id] = [b.to_json() for b in batches]
        return out

    # deleting ---------------------------------------------------------------------------
    async def delete(self, execution_id: str) -> None:
        """Delete an execution's rows and data; NotFound for an unknown id."""
        await self.store.executions.delete(execution_id)
        await asyncio.to_thread(self.blobs.delete_prefix, f"executions/{execution_id}")

    async def prune(
        self, *, max_age_hours: float | None = None, max_count: int | None = None
    ) -> list[str]:
        """Delete finished executions beyond the pruning policy (defaults: the settings
        HETUMIND_PRUNE_MAX_AGE_HOURS / HETUMIND_PRUNE_MAX_COUNT). Returns the deleted ids.

        Rows go first, then blobs: a crash in between leaves orphan blobs, never rows
        pointing at missing data.
        """
        settings = self.store.settings
        ids = await self.store.executions.prunable(
            max_age_hours=settings.prune_max_age_hours if max_age_hours is None else max_age_hours,
            max_count=settings.prune_max_count if max_count is None else max_count,
        )
        await self.store.executions.delete_many(ids)

        def drop_blobs() -> None:
            for id in ids:
                self.blobs.delete_prefix(f"executions/{id}")

        await asyncio.to_thread(drop_blobs)
        return ids
