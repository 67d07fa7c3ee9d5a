"""Cold start: whole-process wall time of short command-line runs.

Each variant is a fresh process (best of several): Python doing nothing (the floor),
Python importing pyarrow (what any Arrow program pays), `hetumind run --backend inline`
of examples/hello-world.json, and `hetumind batch` of the five-node transform over a
200,000-row Parquet file (small enough to run without starting Ray). The node index is
warm (one run before timing), as it is after the first run on a machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPEAT = 7
BATCH_ROWS = 200_000


def _wall(argv: list[str]) -> float:
    best = float("inf")
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)  # warm-up
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def run() -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    hetumind = str(BIN / "hetumind")
    results = {
        "python -c pass (floor)": _wall([sys.executable, "-c", "pass"]),
        "python -c 'import pyarrow'": _wall([sys.executable, "-c", "import pyarrow"]),
        "hetumind run --backend inline hello-world": _wall(
            [hetumind, "run", "--backend", "inline", "--json", "examples/hello-world.json"]
        ),
    }
    from benchmarks.bench_batch import float_workflow, make_float_dataset

    with tempfile.TemporaryDirectory() as tmp:
        source, out, flow = (Path(tmp) / n for n in ("in.parquet", "out.parquet", "wf.json"))
        make_float_dataset(source, BATCH_ROWS)
        flow.write_text(json.dumps(float_workflow()))
        results[f"hetumind batch, {BATCH_ROWS:,} rows (no Ray)"] = _wall(
            [hetumind, "batch", str(flow), "--input", str(source), "--output", str(out)]
        )
    return results


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name}: {seconds * 1000:.0f} ms")
