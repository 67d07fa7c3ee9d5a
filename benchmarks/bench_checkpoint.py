"""Checkpoint cost per node run: a chain of cheap nodes, recorded into SQLite or not.

Every finished node run is a checkpoint (its items and state in the blob store, its row
in the store: docs/reliability.md). Variants: 20 chained noOp nodes on one item, on the
inline backend and on Ray (fused chain, and unfused: a task per node), each not recorded
(its baseline) and recorded by the ExecutionRecorder (hetumind.recording) on SQLite + local blobs
with the server's default settings. The cost per node run is the difference divided by
the number of node runs (21, with the trigger).

    python -m benchmarks.bench_checkpoint
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_overhead import chain_workflow
from benchmarks.common import best_of
from hetumind.engine import make_backend, run_workflow
from hetumind.engine.ray_backend import ensure_ray
from hetumind.recording import ExecutionRecorder
from hetumind.store import ExecutionData, LocalBlobStore, Store, StoreSettings
from hetumind.store.settings import sqlite_url
from hetumind.workflow import parse_workflow

CHAIN = 20
NODE_RUNS = CHAIN + 1


def run() -> dict[str, float]:
    """Seconds per execution; each recorded row follows its not-recorded baseline."""
    ensure_ray(num_cpus=1)
    doc = chain_workflow(CHAIN)
    wf = parse_workflow(doc)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = sqlite_url(home / "bench.db")
        settings = StoreSettings(home, url, str(home / "blobs"), encryption_key="bench")
        store = Store.open_sync(url, settings=settings)
        data = ExecutionData(store, LocalBlobStore(home / "blobs"))
        try:
            variants: list[tuple[str, Any, bool, int]] = [
                ("inline", make_backend("inline"), True, 20),
                ("Ray, fused", make_backend("ray"), True, 10),
                ("Ray, unfused (a task per node)", make_backend("ray"), False, 5),
            ]
            for name, backend, fuse, repeat in variants:

                def plain(backend: Any = backend, fuse: bool = fuse) -> None:
                    run_workflow(wf, backend=backend, input_items=[{"x": 1}], fuse=fuse)

                def recorded(backend: Any = backend, fuse: bool = fuse) -> None:
                    recorder = ExecutionRecorder(data, workflow=doc)
                    run_workflow(
                        wf, backend=backend, input_items=[{"x": 1}], fuse=fuse, listeners=[recorder]
                    )

                results[f"{name}, not recorded"] = best_of(plain, repeat=repeat)
                results[f"{name}, recorded (SQLite)"] = best_of(recorded, repeat=repeat)
        finally:
            store.close_sync()
    return results


def main() -> None:
    results = run()
    names = list(results)
    for base, rec in zip(names[::2], names[1::2], strict=True):
        per = (results[rec] - results[base]) / NODE_RUNS
        print(
            f"{rec:45s} {results[rec] * 1000:8.1f} ms vs {results[base] * 1000:8.1f} ms "
            f"not recorded: {per * 1000:.2f} ms per node run"
        )


if __name__ == "__main__":
    main()
