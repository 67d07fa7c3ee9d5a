"""Cold start: whole-process wall time of short command-line runs.

Each variant is a fresh process (best of several): Python doing nothing (the floor),
Python importing pyarrow (what any Arrow program pays), `hetumind run --backend inline`
of examples/hello-world.json, and `hetumind batch` of the five-node transform over a
200,000-row Parquet file (small enough to run without starting Ray). The node index is
warm (one run before timing), as it is after the first run on a machine.

Bytecode is cached as it is for an installed package (pip compiles it; an editable
checkout writes it on its first run): the processes get a private PYTHONPYCACHEPREFIX
even where the environment sets PYTHONDONTWRITEBYTECODE. One more row runs hello-world
with no bytecode cache, the way a checkout with PYTHONDONTWRITEBYTECODE=1 starts.

`python -m benchmarks.bench_startup --before DIR` also times another checkout of the
code (say `git worktree add /tmp/cold-before HEAD`) with the same interpreter and
packages, interleaved with this one so both see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPEAT = 7
BATCH_ROWS = 200_000
HELLO = ["run", "--backend", "inline", "--json", "examples/hello-world.json"]


def _env(tree: Path | None, scratch: Path, *, bytecode: bool = True) -> dict[str, str]:
    """The environment for one checkout: its own node index and bytecode caches."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    name = "tree" if tree is None else tree.name
    env["HETUMIND_CACHE_DIR"] = str(scratch / f"index-{name}")
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(scratch / f"pyc-{name}")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    if tree is not None:  # ahead of the editable install's finder
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    return env


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process. On a machine shared with
    other jobs the CPU time moves much less with the load than the wall time does."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return wall, usage.ru_utime + usage.ru_stime


def _best(
    variants: dict[str, tuple[list[str], dict[str, str]]], repeat: int
) -> dict[str, tuple[float, float]]:
    """Best wall and best CPU time of `repeat` runs per variant, interleaved round by round."""
    for argv, env in variants.values():
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=True, env=env)  # warm-up
    best = dict.fromkeys(variants, (float("inf"), float("inf")))
    for _ in range(repeat):
        for name, (argv, env) in variants.items():
            wall, cpu = _once(argv, env)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def run(before: Path | None = None, repeat: int = REPEAT) -> dict[str, float]:
    """Best wall time per variant (benchmarks/run_all.py's contract)."""
    return {name: wall for name, (wall, _) in measure(before, repeat).items()}


def measure(before: Path | None = None, repeat: int = REPEAT) -> dict[str, tuple[float, float]]:
    sys.path.insert(0, str(ROOT))
    hetumind = str(BIN / "hetumind")
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        here = _env(None, scratch)
        variants: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass (floor)": ([sys.executable, "-c", "pass"], here),
            "python -c 'import pyarrow'": ([sys.executable, "-c", "import pyarrow"], here),
        }
        if before is not None:
            variants["before: hetumind run --backend inline hello-world"] = (
                [hetumind, *HELLO],
                _env(before, scratch),
            )
        variants["hetumind run --backend inline hello-world"] = ([hetumind, *HELLO], here)
        if before is not None:
            variants["before: hello-world, no bytecode cache"] = (
                [hetumind, *HELLO],
                _env(before, scratch, bytecode=False),
            )
        variants["hello-world, no bytecode cache"] = (
            [hetumind, *HELLO],
            _env(None, scratch, bytecode=False),
        )
        from benchmarks.bench_batch import float_workflow, make_float_dataset

        source, out, flow = (scratch / n for n in ("in.parquet", "out.parquet", "wf.json"))
        make_float_dataset(source, BATCH_ROWS)
        flow.write_text(json.dumps(float_workflow()))
        batch = [hetumind, "batch", str(flow), "--input", str(source), "--output", str(out)]
        if before is not None:
            variants[f"before: hetumind batch, {BATCH_ROWS:,} rows (no Ray)"] = (
                batch,
                _env(before, scratch),
            )
        variants[f"hetumind batch, {BATCH_ROWS:,} rows (no Ray)"] = (batch, here)
        return _best(variants, repeat)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout to time alongside")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs per variant")
    args = parser.parse_args()
    load = os.getloadavg()
    results = measure(args.before.resolve() if args.before else None, args.repeat)
    floor_wall, floor_cpu = next(iter(results.values()))
    print("| variant | wall (best) | vs floor | CPU user+sys (best) | vs floor |")
    print("|---|---|---|---|---|")
    for name, (wall, cpu) in results.items():
        print(
            f"| {name} | {wall * 1000:,.1f} ms | {wall / floor_wall:.2f}x "
            f"| {cpu * 1000:,.1f} ms | {cpu / floor_cpu:.2f}x |"
        )
    print(f"load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
