"""Batch runs: 10,000,000 rows of Parquet through the five-node transform.

The workflow and the hand-written pyarrow function are bench_transform's. Variants, at 1
and 2 CPUs: the same logic hand-written in pyarrow in one process (the floor; reading the
file included), `hetumind batch` (run_batch on a fresh local Ray of that many CPUs), and
the same logic as a hand-written Ray Data pipeline. Peak memory is the largest sum of
resident memory over this process and its children (Ray's raylet and workers), sampled
every 50 ms; the object store's shared memory counts where workers map it.

n8n reference: n8n 1.123 needs 23 s for 100,000 items in these five nodes on this machine.

    HETUMIND_BENCH_BATCH_ROWS=1000000 python -m benchmarks.bench_batch
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.bench_transform import GROUPS, hand_written_pyarrow, transform_workflow
from hetumind.workflow import parse_workflow

ROWS = int(os.environ.get("HETUMIND_BENCH_BATCH_ROWS", "10000000"))
BLOCK_ROWS = 500_000


def make_dataset(path: Path, rows: int, seed: int = 7) -> None:
    """The bench_transform table, generated with numpy (Python loops take minutes at 10M)."""
    rng = np.random.default_rng(seed)
    chunk = 1_000_000
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        t = pa.table(
            {
                "id": pa.array(np.arange(start, start + n, dtype=np.int64)),
                "value": pa.array(rng.integers(0, 1001, n, dtype=np.int64)),
                "group": pa.array(np.array(GROUPS)[rng.integers(0, 10, n)]),
            }
        )
        writer = writer or pq.ParquetWriter(path, t.schema)
        writer.write_table(t, row_group_size=250_000)
    assert writer is not None
    writer.close()


class PeakMemory:
    """Peak RSS of this process plus its children, sampled in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_rss(pid) for pid in _tree(os.getpid())))
            time.sleep(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc (Linux)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(parents.get(pid, []))
    return out


def _rss(pid: int) -> int:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, int]:
    """Best of `repeat` after a warm-up (Ray workers, imports, page cache); peak of all."""
    fn()
    best = float("inf")
    with PeakMemory() as mem:
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
    return best, mem.peak


def _pyarrow(path: Path, cpus: int) -> Callable[[], Any]:
    def go() -> Any:
        pa.set_cpu_count(cpus)
        pa.set_io_thread_count(cpus)
        return hand_written_pyarrow(pq.read_table(path))

    return go


def _hetumind(path: Path, out: Path) -> Callable[[], Any]:
    from hetumind.batch import BatchOptions, run_batch

    wf = parse_workflow(transform_workflow())

    def go() -> Any:
        report = run_batch(
            wf,
            BatchOptions(input=str(path), output=str(out), block_rows=BLOCK_ROWS, progress=False),
        )
        assert report.status == "success" and report.plan["mode"] == "summarize", report
        return report

    return go


def _ray_data(path: Path, cpus: int) -> Callable[[], Any]:
    import pyarrow.compute as pc
    import ray.data
    from ray.data.aggregate import Count, Mean, Sum

    def transform(t: pa.Table) -> pa.Table:
        t = t.append_column("score", pc.add(pc.multiply(t["value"], 2), 1))
        t = t.filter(pc.greater(t["score"], 1000))
        return t.append_column("tier", pa.repeat("gold", t.num_rows))

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False

    def go() -> Any:
        ds = ray.data.read_parquet(str(path)).map_batches(transform, batch_format="pyarrow")
        ds = ds.sort("score", descending=True)
        return (
            ds.groupby("group", num_partitions=cpus)
            .aggregate(Count(), Sum("score"), Mean("value"))
            .take_all()
        )

    return go


def run_detailed(rows: int = ROWS) -> dict[str, tuple[float, int]]:
    """(seconds, peak bytes) per variant, baseline first."""
    import logging

    import ray

    logging.getLogger("ray.data").setLevel(logging.WARNING)
    results: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        path = Path(tmp) / "rows.parquet"
        make_dataset(path, rows)
        for cpus in (1, 2):
            results[f"hand-written pyarrow, {cpus} CPU"] = _timed(_pyarrow(path, cpus))
        pa.set_cpu_count(os.cpu_count() or 2)
        for cpus in (1, 2):
            ray.shutdown()
            ray.init(
                address="local", num_cpus=cpus, include_dashboard=False, logging_level=logging.ERROR
            )
            out = Path(tmp) / f"out-{cpus}.parquet"
            results[f"Hetumind batch, {cpus} CPU"] = _timed(_hetumind(path, out))
            results[f"Ray Data pipeline, {cpus} CPU"] = _timed(_ray_data(path, cpus), repeat=1)
        ray.shutdown()
    return results


def run(rows: int = ROWS) -> dict[str, float]:
    """Seconds per variant, baseline (hand-written pyarrow, 1 CPU) first."""
    return {name: seconds for name, (seconds, _) in run_detailed(rows).items()}


if __name__ == "__main__":
    for name, (seconds, peak) in run_detailed().items():
        print(
            f"{name:32s} {seconds:8.3f} s  ({ROWS / seconds / 1e6:5.2f} M rows/s)  "
            f"peak {peak / 2**20:8.0f} MiB"
        )
    print("n8n 1.123 reference: 23 s for 100,000 items through these five nodes")
