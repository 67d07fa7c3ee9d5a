"""Recording executions: what the store adds to a run, and Arrow IPC vs JSON for data.

Variants (seconds per execution of examples/hello-world.json, 5 nodes, inline backend):
no recording (baseline); recorded on SQLite + local blobs; recorded with
saveDataSuccessExecution "none" (rows only); recorded on PostgreSQL + local blobs
(127.0.0.1:5432, a scratch database). Then 100,000 items of one node's output stored and
read back: Arrow IPC (what the store does) against JSON text (what n8n stores).

    python -m benchmarks.bench_store
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from benchmarks.common import best_of
from hetumind.engine import run_workflow
from hetumind.items import ItemBatch
from hetumind.recording import ExecutionRecorder
from hetumind.store import (
    ExecutionData,
    LocalBlobStore,
    Store,
    StoreSettings,
    decode_batch,
    encode_batch,
)
from hetumind.store.settings import sqlite_url

ROOT = Path(__file__).resolve().parents[1]
HELLO: dict[str, Any] = json.loads((ROOT / "examples" / "hello-world.json").read_text())
ITEMS = 100_000


def _open(url: str, home: Path) -> ExecutionData:
    settings = StoreSettings(home, url, str(home / "blobs"), encryption_key="bench")
    store = Store.open_sync(url, settings=settings)
    return ExecutionData(store, LocalBlobStore(home / "blobs"))


def _recorded(data: ExecutionData, doc: dict[str, Any]) -> None:
    run_workflow(doc, listeners=[ExecutionRecorder(data, workflow=doc)])


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def run() -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        results["run, not recorded"] = best_of(lambda: run_workflow(HELLO), repeat=20)
        data = _open(sqlite_url(home / "bench.db"), home)
        try:
            results["recorded: SQLite + local blobs"] = best_of(
                lambda: _recorded(data, HELLO), repeat=20
            )
            rows_only = {**HELLO, "settings": {"saveDataSuccessExecution": "none"}}
            results["recorded: SQLite, rows only (data not saved)"] = best_of(
                lambda: _recorded(data, rows_only), repeat=20
            )
        finally:
            data.store.close_sync()
        name = f"hetumind_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        try:
            pg = _open(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", home / "pg")
            try:
                results["recorded: PostgreSQL + local blobs"] = best_of(
                    lambda: _recorded(pg, HELLO), repeat=20
                )
            finally:
                pg.store.close_sync()
        finally:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        rows = [
            {"id": i, "name": f"user {i}", "score": i * 0.5, "ok": i % 2 == 0} for i in range(ITEMS)
        ]
        batch = ItemBatch.from_json(rows)
        blobs = LocalBlobStore(home / "data")

        def arrow_round_trip() -> None:
            blobs.put("a.arrow", encode_batch(batch))
            decode_batch(blobs.get("a.arrow")).to_json()

        def json_round_trip() -> None:
            blobs.put("a.json", json.dumps(batch.to_json()).encode())
            json.loads(blobs.get("a.json"))

        results[f"{ITEMS:,} items: JSON text write+read"] = best_of(json_round_trip, repeat=5)
        results[f"{ITEMS:,} items: Arrow IPC write+read"] = best_of(arrow_round_trip, repeat=5)

        def arrow_write_only() -> None:
            blobs.put("b.arrow", encode_batch(batch))

        def json_write_only() -> None:
            blobs.put("b.json", json.dumps(batch.to_json()).encode())

        results[f"{ITEMS:,} items: JSON text write"] = best_of(json_write_only, repeat=5)
        results[f"{ITEMS:,} items: Arrow IPC write"] = best_of(arrow_write_only, repeat=5)
    return results


if __name__ == "__main__":
    for variant, seconds in run().items():
        print(f"{variant:50s} {seconds * 1000:9.2f} ms")
