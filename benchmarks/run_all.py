"""Run every benchmark once and write benchmarks/RESULTS.md with ratios from this one run."""

from __future__ import annotations

import os
import platform
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import bench_overhead, bench_transform


def table(results: dict[str, float], baseline: str, unit: str, per: float) -> list[str]:
    lines = [f"| variant | time | {unit} | vs {baseline} |", "|---|---|---|---|"]
    base = results[baseline]
    for name, seconds in results.items():
        lines.append(
            f"| {name} | {seconds * 1000:.1f} ms | {per / seconds:,.0f} | {seconds / base:.2f}x |"
        )
    return lines


def main() -> None:
    overhead = bench_overhead.run()
    transform = bench_transform.run()
    cpus = os.cpu_count()
    out = [
        "# Benchmark results",
        "",
        f"Measured {date.today()} on {platform.machine()}, {cpus} cores, Python "
        f"{platform.python_version()}, by `make bench` (best of several runs after a warm-up; "
        "all numbers of one table come from one run).",
        "",
        f"## Per-node overhead: {bench_overhead.CHAIN} chained noOp nodes on one item",
        "",
        *table(overhead, "raw Ray tasks (40 chained)", "nodes/s", bench_overhead.CHAIN),
        "",
        f"## Five-node transform over {bench_transform.ROWS:,} items",
        "",
        "set (`$json.value * 2 + 1`) → if (`score > 1000`) → set (constant) → sort → "
        "summarize (group by, count/sum/average).",
        "",
        *table(transform, "hand-written pyarrow", "items/s", bench_transform.ROWS),
        "",
        "Notes:",
        "",
        "* The input is an Arrow table in memory for every variant; the Ray backend also",
        "  puts it into the object store on each run (part of its time).",
        "* Hetumind rows run with `save_outputs=False` (items kept only where later nodes",
        "  need them, as a batch run does); the 'every node's items kept' row keeps all",
        "  intermediate outputs for runData, as `hetumind run` does, which costs copying them",
        "  into the object store.",
        "* The five nodes are fused into one Ray task (engine/fusion.py); the unfused",
        "  overhead row of the first table shows what a task per node costs.",
        "",
    ]
    path = Path(__file__).parent / "RESULTS.md"
    path.write_text("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
