"""Run the benchmarks and write benchmarks/RESULTS.md with ratios measured in one run.

Each benchmark module exposes `run() -> dict[str, float]` (seconds per variant, baseline
first). `python benchmarks/run_all.py [NAME...]` runs some of them; the others keep the
section they had in RESULTS.md from their last run.
"""

from __future__ import annotations

import importlib
import os
import platform
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RESULTS = Path(__file__).parent / "RESULTS.md"


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    about: str
    per: float = 0
    """Work units per run (items, nodes), for a throughput column; 0 for none."""
    unit: str = ""


SECTIONS = [
    Section(
        "bench_overhead",
        "Per-node overhead: 40 chained noOp nodes on one item",
        "Baseline: 40 chained raw Ray tasks. Fused chains run as one task "
        "(engine/fusion.py); the unfused row gives every node run a task of its own.",
        per=40,
        unit="nodes/s",
    ),
    Section(
        "bench_transform",
        "Five-node transform over 1,000,000 items",
        "set (`$json.value * 2 + 1`) → if (`score > 1000`) → set (constant) → sort → "
        "summarize (group by, count/sum/average). Input: an Arrow table in memory; the Ray "
        "backend also puts it into the object store each run. Hetumind rows use "
        "`save_outputs=False` (items kept only where later nodes read them, as a batch run "
        "does); 'every node's items kept' is what `hetumind run` keeps for runData.",
        per=1_000_000,
        unit="items/s",
    ),
    Section(
        "bench_code",
        "Code node: a trivial transform over 100,000 items",
        "`score = value * 2 + 1` as a Set node expression (baseline) and as Code nodes in "
        "the WASM sandbox (QuickJS, CPython), both modes; inline backend.",
        per=100_000,
        unit="items/s",
    ),
    Section(
        "bench_server",
        "Webhook round trips under closed-loop load",
        "webhook → set (responseMode lastNode), execution data saved, load from a second "
        "process on loopback; baseline: a bare Ray Serve echo deployment on the same "
        "machine; n8n 1.123 (`n8n start`, the same workflow) measured in the same run. "
        "Time is per request (so req/s = 1 / time); p50/p99 latencies are printed by "
        "`python -m benchmarks.bench_server`.",
        per=1,
        unit="req/s",
    ),
    Section(
        "bench_batch",
        "Batch run: 10,000,000 rows of float data through five nodes, side by side",
        "Rendered by bench_batch.render_section (pyarrow, Polars, DuckDB, hetumind warm and "
        "cold, memory, output checks).",
    ),
    Section(
        "bench_llm",
        "LLM: 1,000 short prompts through chainLlm (SmolLM2-135M on vLLM, CPU)",
        "Baseline: the same prompts sent straight to the vLLM OpenAI server with the same "
        "concurrency (32). Needs scripts/setup-llm.sh.",
        per=1000,
        unit="prompts/s",
    ),
    Section(
        "bench_startup",
        "Cold start: short command-line runs, whole process",
        "Fresh processes, best of 7 after a warm-up (the node index warm, as after the "
        "first run on a machine). Floor: Python doing nothing.",
    ),
    Section(
        "bench_serverless",
        "Serverless cold start: hetumind.serverless.handler, one API Gateway v2 event",
        "Fresh processes, best of 7 after a warm-up: import, then Webhook → Set "
        "(lastNode) answered once; baselines `python -c pass` and `import pyarrow` in the "
        "same run. Target ≤ 300 ms.",
    ),
    Section(
        "bench_recovery",
        "Recovery after SIGKILL: 100 accepted webhook executions, default settings",
        "Webhook (onReceived) → Wait 4 s → Set on `hetumind serve` with its own Ray and "
        "the embedded SQLite store; the process group is SIGKILLed 1 s after the 100 calls "
        "and started again. Baseline: the same 100 executions on a running server.",
    ),
    Section(
        "bench_store",
        "Recording executions in the store",
        "examples/hello-world.json (5 nodes, inline): not recorded (baseline) vs recorded "
        "with execution data; then 100,000 items stored and read back as Arrow IPC vs JSON.",
    ),
]


def render(section: Section, results: dict[str, float]) -> list[str]:
    baseline = next(iter(results))
    head = ["variant", "time", *([section.unit] if section.per else []), f"vs {baseline}"]
    lines = [
        f"## {section.title}",
        "",
        section.about,
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    base = results[baseline]
    for name, seconds in results.items():
        cells = [name, f"{seconds * 1000:,.1f} ms"]
        if section.per:
            cells.append(f"{section.per / seconds:,.0f}")
        cells.append(f"{seconds / base:.2f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def previous_sections() -> dict[str, str]:
    if not RESULTS.exists():
        return {}
    text = RESULTS.read_text()
    parts = re.split(r"(?m)^<!-- section: (\w+) -->\n", text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def main(names: list[str]) -> None:
    kept = previous_sections()
    out = [
        "# Benchmark results",
        "",
        "Each table comes from one run of `make bench` (or `python benchmarks/run_all.py "
        "NAME`) on the machine and date it names: best of several runs after a warm-up, "
        "ratios against the first row.",
        "",
    ]
    for section in SECTIONS:
        if names and section.name not in names:
            if section.name in kept:
                out += [f"<!-- section: {section.name} -->", kept[section.name].rstrip(), ""]
            continue
        module = importlib.import_module(f"benchmarks.{section.name}")
        stamp = (
            f"_Measured {date.today()} on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}._"
        )
        # A benchmark with more to say than one table (memory, output checks) renders
        # its own section.
        own = getattr(module, "render_section", None)
        table = own().splitlines() if own else render(section, module.run())
        body = [*table, stamp, ""]
        out += [f"<!-- section: {section.name} -->", *body]
        print("\n".join(body), flush=True)
    RESULTS.write_text("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
