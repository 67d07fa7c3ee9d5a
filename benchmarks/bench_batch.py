"""Batch runs side by side: 10,000,000 rows of float data through five nodes, Parquet in and out.

The workflow (issue 17): Set total = price x qty -> If total > 100 -> Set tax = total x 0.2
-> Sort by total (descending) -> Summarize count(id), sum(tax) by cat, over
`id int64, price float64, qty int64, cat string`. Measured in one run, each variant in a
fresh process (wall time of the work inside it, reading and writing Parquet included;
peak memory of that process and its children, Ray's included):

* hand-written pyarrow, 1 thread (the baseline), Polars and DuckDB at 1 and 2 threads
  (best of 3 after a warm-up);
* `hetumind batch` at parallelism 1 and 2: warm (a Ray of that many CPUs already running
  in the process, best of 3 after a warm-up) and cold (the `hetumind batch` command in a
  new process: process wall time; with `--parallelism 1` it runs inline, without Ray,
  and once more with `--executor ray` to show what starting Ray costs).

Outputs are compared: group order and counts must be identical everywhere; the tax sums of
the hetumind run must equal the exactly rounded sum (math.fsum) of each group's taxes,
and the others' sums (added in sorted order, as one n8n run does) are reported as the
largest relative difference from it.

    python -m benchmarks.bench_batch                 # 10M rows, memory at 1M and 10M
    HETUMIND_BENCH_BATCH_ROWS=1000000 python -m benchmarks.bench_batch
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.bench_batch_float import (
    BLOCK_ROWS,
    CATS,
    float_workflow,
    kernels,
    make_float_dataset,
)

ROWS = int(os.environ.get("HETUMIND_BENCH_BATCH_ROWS", "10000000"))


def _pyarrow(src: str, dst: str) -> None:
    import pyarrow.compute as pc

    t = pq.read_table(src)
    t = t.append_column("total", pc.multiply(t["price"], pc.cast(t["qty"], pa.float64())))
    t = t.filter(pc.greater(t["total"], 100))
    t = t.append_column("tax", pc.multiply(t["total"], 0.2))
    t = t.take(pc.sort_indices(t, [("total", "descending")]))  # stable
    t = t.append_column("pos", pa.array(np.arange(t.num_rows)))
    # Arrow's grouped sum adds in row order (sorted order), as one n8n run does; its groups
    # come in no promised order, so they are put in order of first appearance.
    out = t.group_by("cat", use_threads=False).aggregate(
        [("id", "count"), ("tax", "sum"), ("pos", "min")]
    )
    out = out.take(pc.sort_indices(out["pos_min"])).select(["cat", "id_count", "tax_sum"])
    pq.write_table(out.rename_columns(["cat", "count_id", "sum_tax"]), dst)


def _polars(src: str, dst: str) -> None:
    import polars as pl

    (
        pl.scan_parquet(src)
        .with_columns(total=pl.col("price") * pl.col("qty"))
        .filter(pl.col("total") > 100)
        .with_columns(tax=pl.col("total") * 0.2)
        .sort("total", descending=True, maintain_order=True)
        .group_by("cat", maintain_order=True)
        .agg(count_id=pl.col("id").count(), sum_tax=pl.col("tax").sum())
        .collect()
        .write_parquet(dst)
    )


def _duckdb(src: str, dst: str, threads: int) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    # Groups in order of first appearance after the (stable) sort: by their largest total,
    # ties by the earliest row (ids are row positions) among those with that total.
    con.execute(
        f"""COPY (
            SELECT cat, count(id) AS count_id, sum(tax) AS sum_tax FROM (
                SELECT cat, id, total, total * 0.2 AS tax FROM (
                    SELECT cat, id, price * qty AS total FROM read_parquet('{src}')
                ) WHERE total > 100
            ) GROUP BY cat ORDER BY max({{'t': total, 'i': -id}}) DESC
        ) TO '{dst}' (FORMAT parquet)"""
    )


def _hetumind_warm(src: str, dst: str, cpus: int) -> list[float]:
    import logging

    import ray

    from hetumind.batch import BatchOptions, run_batch
    from hetumind.workflow import parse_workflow

    ray.init(address="local", num_cpus=cpus, include_dashboard=False, logging_level=logging.ERROR)
    wf = parse_workflow(float_workflow())
    times = []
    for _ in range(4):  # a warm-up (workers, imports), then best of 3
        t0 = time.perf_counter()
        report = run_batch(
            wf,
            BatchOptions(
                input=src, output=dst, block_rows=BLOCK_ROWS, parallelism=cpus, progress=False
            ),
        )
        times.append(time.perf_counter() - t0)
        assert report.status == "success" and report.plan["mode"] == "summarize", report
    ray.shutdown()
    return times[1:]


def _child(variant: str, src: str, dst: str, threads: int) -> None:
    """Run one variant; print its seconds (a list: best is taken) as JSON."""
    if variant == "pyarrow":
        pa.set_cpu_count(threads)
        pa.set_io_thread_count(threads)
    if variant == "hetumind-warm":
        print(json.dumps(_hetumind_warm(src, dst, threads)))
        return
    work = {"pyarrow": lambda: _pyarrow(src, dst), "polars": lambda: _polars(src, dst)}.get(
        variant, lambda: _duckdb(src, dst, threads)
    )
    times = []
    for _ in range(4):  # a warm-up (imports, page cache), then best of 3, as for hetumind
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    print(json.dumps(times[1:]))


class PeakMemory:
    """Peak RSS of a process tree, sampled every 50 ms in a thread."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_rss(pid) for pid in _tree(self.root)))
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


def _spawn(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(process wall seconds, peak bytes of its tree, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    with PeakMemory(proc.pid) as mem:
        out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {err[-2000:]}")
    return wall, mem.peak, out


def run_variant(variant: str, src: Path, dst: Path, threads: int) -> dict[str, Any]:
    env = {**os.environ, "POLARS_MAX_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    if variant.startswith("hetumind-cold"):
        wf = dst.with_suffix(".workflow.json")
        wf.write_text(json.dumps(float_workflow()))
        cmd = [
            sys.executable,
            "-m",
            "hetumind.batch",
            str(wf),
            "--input",
            str(src),
            "--output",
            str(dst),
            "--block-rows",
            str(BLOCK_ROWS),
            "--parallelism",
            str(threads),
            "--executor",
            "ray" if variant == "hetumind-cold-ray" else "auto",
            "--no-progress",
            "--json",
        ]
        env.pop("RAY_ADDRESS", None)
        wall, peak, out = _spawn(cmd, env)
        summary = json.loads(out.strip().splitlines()[-1])
        return {"seconds": wall, "peak": peak, "times": [wall], "executor": summary["executor"]}
    cmd = [sys.executable, "-m", "benchmarks.bench_batch", "--child", variant, str(src), str(dst)]
    wall, peak, out = _spawn([*cmd, str(threads)], env)
    times = json.loads(out.strip().splitlines()[-1])
    return {"seconds": min(times), "peak": peak, "times": times, "process": wall}


VARIANTS = [
    ("hand-written pyarrow, 1 thread", "pyarrow", 1),
    ("Polars, 1 thread", "polars", 1),
    ("Polars, 2 threads", "polars", 2),
    ("DuckDB, 1 thread", "duckdb", 1),
    ("DuckDB, 2 threads", "duckdb", 2),
    ("hetumind batch, parallelism 1, warm Ray", "hetumind-warm", 1),
    ("hetumind batch, parallelism 2, warm Ray", "hetumind-warm", 2),
    ("hetumind batch, parallelism 1, cold (the command: inline, no Ray)", "hetumind-cold", 1),
    ("hetumind batch, parallelism 1, cold (the command, --executor ray)", "hetumind-cold-ray", 1),
    ("hetumind batch, parallelism 2, cold (the command; own Ray)", "hetumind-cold", 2),
    # The baseline again: on a shared machine the load drifts during the run.
    ("hand-written pyarrow, 1 thread, again at the end", "pyarrow", 1),
]


def check_outputs(src: Path, outputs: dict[str, Path]) -> dict[str, Any]:
    """Group order and counts identical; hetumind's sums exactly rounded; others' distance."""
    import pyarrow.compute as pc

    t = pq.read_table(src, columns=["price", "qty", "cat"])
    total = pc.multiply(t["price"], pc.cast(t["qty"], pa.float64()))
    keep = pc.greater(total, 100)
    kept = total.filter(keep).to_numpy()
    tax = pc.multiply(total.filter(keep), 0.2).to_numpy()
    cats = t["cat"].filter(keep).to_numpy(zero_copy_only=False)
    exact = {c: math.fsum(tax[cats == c].tolist()) for c in CATS}
    # The reference order: first appearance after a stable sort by total, descending.
    in_order = cats[np.argsort(-kept, kind="stable")]
    _, first = np.unique(in_order, return_index=True)
    order = [str(in_order[i]) for i in sorted(first)]
    reference = [(c, int((cats == c).sum())) for c in order]
    report: dict[str, Any] = {}
    for name, path in outputs.items():
        rows = pq.read_table(path).to_pylist()
        shape = [(r["cat"], r["count_id"]) for r in rows]
        rel = max(abs(r["sum_tax"] - exact[r["cat"]]) / abs(exact[r["cat"]]) for r in rows)
        report[name] = {
            "same groups, order and counts": shape == reference,
            "sums exactly rounded": all(r["sum_tax"] == exact[r["cat"]] for r in rows),
            "max relative difference from exact sums": rel,
        }
    return report


def single_run_check(src: Path, outputs: dict[str, Path]) -> dict[str, Any]:
    """Each output against one inline run of the workflow (`run_workflow`), the definition
    of correct: same groups, order and counts; sums equal bit for bit, or their distance.
    """
    from hetumind.engine import run_workflow
    from hetumind.items import ItemBatch
    from hetumind.workflow import parse_workflow

    t0 = time.perf_counter()
    result = run_workflow(
        parse_workflow(float_workflow()),
        backend="inline",
        input_batch=ItemBatch.from_arrow(pq.read_table(src)),
    )
    seconds = time.perf_counter() - t0
    assert result.ok, result.error
    want = result.outputs("Stats")[0]
    report: dict[str, Any] = {"inline run seconds": seconds}
    for name, path in outputs.items():
        got = pq.read_table(path).to_pylist()
        report[name] = {
            "same groups, order and counts": [(r["cat"], r["count_id"]) for r in got]
            == [(r["cat"], r["count_id"]) for r in want],
            "sums bit for bit": [r["sum_tax"] for r in got] == [r["sum_tax"] for r in want],
            "max relative difference": max(
                abs(a["sum_tax"] - b["sum_tax"]) / abs(b["sum_tax"])
                for a, b in zip(got, want, strict=True)
            ),
        }
    return report


ROUNDS = int(os.environ.get("HETUMIND_BENCH_BATCH_ROUNDS", "2"))
"""Every variant runs once per round, round-robin, and keeps its best: on a shared machine
the load drifts over minutes, and interleaving spreads it over all variants alike."""


def run_all(
    rows: int = ROWS, memory_rows: tuple[int, ...] = (1_000_000,), rounds: int = ROUNDS
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "rows": rows,
        "rounds": rounds,
        "load": os.getloadavg(),
        "variants": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        src = Path(tmp) / "rows.parquet"
        make_float_dataset(src, rows)
        results["per-block kernels, ms"] = kernels(str(src))
        print(results["per-block kernels, ms"], file=sys.stderr)
        outputs = {}
        for _ in range(rounds):
            for i, (name, variant, threads) in enumerate(VARIANTS):
                dst = Path(tmp) / f"out-{i}.parquet"
                got = run_variant(variant, src, dst, threads)
                best = results["variants"].get(name)
                if best is not None:
                    got["times"] = [*best["times"], *got["times"]]
                    got["peak"] = max(best["peak"], got["peak"])
                    got["seconds"] = min(best["seconds"], got["seconds"])
                results["variants"][name] = got
                outputs[name] = dst
                print(f"{name:50s} {got}", file=sys.stderr)
        results["equality"] = check_outputs(src, outputs)
        for small in memory_rows:
            src_small = Path(tmp) / f"rows-{small}.parquet"
            make_float_dataset(src_small, small)
            mem = {}
            for name, variant, threads in VARIANTS:
                if variant.startswith("hetumind") or threads == 2 or variant == "pyarrow":
                    dst = Path(tmp) / f"small-{variant}-{threads}.parquet"
                    mem[name] = run_variant(variant, src_small, dst, threads)
            results[f"memory at {small:,} rows"] = mem
            results[f"one inline run at {small:,} rows"] = single_run_check(
                src_small,
                {
                    name: Path(tmp) / f"small-{variant}-{threads}.parquet"
                    for name, variant, threads in VARIANTS
                    if name in mem
                },
            )
    results["load after"] = os.getloadavg()
    return results


def run(rows: int = ROWS) -> dict[str, float]:
    """Seconds per variant, baseline (hand-written pyarrow, 1 thread) first (run_all.py)."""
    results = run_all(rows, memory_rows=())
    return {name: float(v["seconds"]) for name, v in results["variants"].items()}


def render_section() -> str:
    """run_all.py: this benchmark's whole RESULTS.md section, memory and output checks too."""
    return render(run_all(ROWS))


def render(results: dict[str, Any]) -> str:
    """The RESULTS.md section for one run of `run_all`."""
    variants = results["variants"]
    base = variants["hand-written pyarrow, 1 thread"]["seconds"]
    rows = results["rows"]
    lines = [
        f"## Batch run: {rows:,} rows of float data through five nodes, side by side",
        "",
        "Parquet in and out; `id, price (float), qty, cat`; Set total = price x qty -> If "
        "total > 100 -> Set tax = total x 0.2 -> Sort by total -> Summarize count(id), "
        "sum(tax) by cat (`python -m benchmarks.bench_batch`, all rows from one run: "
        f"{results.get('rounds', 1)} rounds, every variant once per round, best kept). Each "
        "variant runs in a fresh process; time is the work inside it, best of 3 after a "
        "warm-up (hetumind warm: on a Ray of that many CPUs already running in the "
        "process); cold rows are the whole `hetumind batch` process, started once. Peak "
        "memory: the process and its children (Ray's too).",
        "",
        "| variant | time | rows/s | vs hand-written pyarrow, 1 thread | peak memory |",
        "|---|---|---|---|---|",
    ]
    for name, v in variants.items():
        lines.append(
            f"| {name} | {v['seconds'] * 1000:,.1f} ms | {rows / v['seconds']:,.0f} | "
            f"{v['seconds'] / base:.2f}x | {v['peak'] / 2**20:,.0f} MiB |"
        )
    p1 = variants["hetumind batch, parallelism 1, warm Ray"]["seconds"]
    p2 = variants["hetumind batch, parallelism 2, warm Ray"]["seconds"]
    lines += ["", f"Scaling, warm Ray, parallelism 1 -> 2: {p1 / p2:.2f}x.", ""]
    for key in results:
        if key.startswith("memory at"):
            lines += [f"Memory {key[len('memory ') :]}:", ""]
            lines += ["| variant | time | peak memory | ran |", "|---|---|---|---|"]
            for name, v in results[key].items():
                lines.append(
                    f"| {name} | {v['seconds'] * 1000:,.1f} ms | {v['peak'] / 2**20:,.0f} MiB "
                    f"| {v.get('executor', '')} |"
                )
            lines.append("")
    lines += ["Outputs:", ""]
    for name, check in results["equality"].items():
        lines.append(
            f"- {name}: groups, order and counts "
            f"{'identical' if check['same groups, order and counts'] else 'DIFFER'}; sums "
            + (
                "exactly rounded"
                if check["sums exactly rounded"]
                else f"within {check['max relative difference from exact sums']:.1e} "
                "(relative) of the exactly rounded sums"
            )
        )
    for key in results:
        if key.startswith("one inline run"):
            lines += ["", f"Against {key} (`run_workflow`, the definition of correct):", ""]
            for name, check in results[key].items():
                if isinstance(check, dict):
                    lines.append(
                        f"- {name}: groups, order and counts "
                        f"{'identical' if check['same groups, order and counts'] else 'DIFFER'}"
                        + (
                            "; sums bit for bit"
                            if check["sums bit for bit"]
                            else f"; sums within {check['max relative difference']:.1e}"
                        )
                    )
    kernels = results.get("per-block kernels, ms", {})
    if kernels:
        lines += ["", "Per-block kernel, one 500,000-row block in memory, 1 thread:", ""]
        lines += ["| engine | ms per block |", "|---|---|"]
        lines += [f"| {name} | {ms:.1f} |" for name, ms in kernels.items()]
    load = ", ".join(f"{x:.1f}" for x in results["load"])
    after = ", ".join(f"{x:.1f}" for x in results["load after"])
    lines += [
        "",
        f"_Load average (1, 5, 15 min) at the start: {load}; at the end: {after} (2 cores "
        "shared with other sessions)._",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--kernels":
        repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 5
        print(json.dumps(kernels(sys.argv[2], repeat=repeat), indent=1))
    elif len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif len(sys.argv) > 2 and sys.argv[1] == "--render":
        print(render(json.loads(Path(sys.argv[2]).read_text())))
    else:
        print(json.dumps(run_all(), indent=1, default=str))
