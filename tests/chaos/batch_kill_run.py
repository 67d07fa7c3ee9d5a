"""Run in a subprocess with its own Ray: `hetumind batch` once cleanly, once under fire.

Usage: python batch_kill_run.py WORKFLOW INPUT CLEAN_DIR CHAOS_DIR BLOCK_ROWS KILLS SEED RESULT
Writes RESULT (JSON; stdout also carries Ray's own messages): {"clean": RUN, "chaos": RUN,
"kills": [...], "attempts": [...]}, RUN being {"exit": code, "summary": the CLI's --json
summary, "seconds": wall time}.

During the chaos run a thread SIGKILLs `KILLS` Ray workers whose process title says they
are running a block task (and whose traced attempt, below, has started and not ended),
spread over the run (the k-th once k/(KILLS+1) of the blocks are done), each chosen at
random among the blocks running then. Only this process's own Ray is touched: the victims
are its descendants.

So that the test can tell which kills hit a block and which blocks ran again, the chaos
run's block task is traced: every attempt notes "start INDEX PID" and "end INDEX PID".
The trace calls the runner's own block function with the runner's own task options
(retry budget included) under the same task name, so what is killed is what runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import ray

from hetumind.batch import block, runner
from hetumind.batch.command import main as batch_main
from hetumind.engine.ray_backend import ensure_ray

TASK_TITLE = "ray::run_block"
"""What Ray's worker shows as its process title while it runs a block task."""


def run_cli(workflow: str, src: str, dst: str, block_rows: int) -> dict[str, Any]:
    """`hetumind batch ... --json` in this process (its Ray is already up); exit + summary."""
    argv = [workflow, "--input", src, "--output", dst, "--block-rows", str(block_rows)]
    sys.argv = ["hetumind-batch", *argv, "--no-progress", "--json"]
    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        try:
            batch_main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    seconds = round(time.perf_counter() - t0, 2)
    # Ray's messages about the killed workers may land in between: keep the summary line.
    lines = [line for line in out.getvalue().splitlines() if line.startswith('{"status"')]
    summary = json.loads(lines[-1]) if lines else None
    return {"exit": code, "summary": summary, "seconds": seconds}


def trace_blocks(log: Path) -> None:
    """Swap the runner's block task for one that notes each attempt's start and end."""

    def run_block(job: Any, index: int, source: Any) -> dict[str, Any]:
        # Named like the real task: Ray titles the worker "ray::run_block" while it runs.
        note(log, "start", index)
        stats = block.run_block(job, index, source)
        note(log, "end", index)
        return stats

    runner._run_block = ray.remote(**runner._run_block._default_options)(run_block)  # type: ignore[attr-defined]


def note(log: Path, event: str, index: int) -> None:
    # One short O_APPEND write per line: lines from concurrent workers never interleave.
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{event} {index} {os.getpid()}\n".encode())
    finally:
        os.close(fd)


def running_blocks(log: Path) -> list[psutil.Process]:
    """Our Ray's workers titled as running a block whose traced attempt has not ended.

    The title alone would also pick a worker in the last milliseconds of a block, after
    its result is on its way: killing it would not interrupt anything.
    """
    found = []
    started = open_attempts(log)
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if proc.pid in started and " ".join(proc.cmdline()).startswith(TASK_TITLE):
                found.append(proc)
    return found


def open_attempts(log: Path) -> set[int]:
    """PIDs whose last noted event is a start."""
    last: dict[int, str] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) == 3:  # a line being written right now is skipped
                last[int(fields[2])] = fields[0]
    return {pid for pid, event in last.items() if event == "start"}


def blocks_done(markers: Path) -> int:
    return len(list(markers.glob("*.json"))) if markers.is_dir() else 0


def kill_workers(
    log: Path,
    markers: Path,
    total: int,
    kills: int,
    seed: int,
    stop: threading.Event,
    killed: list[Any],
) -> None:
    rng = random.Random(seed)
    for k in range(1, kills + 1):
        threshold = total * k // (kills + 1)
        while not stop.is_set() and blocks_done(markers) < threshold:
            time.sleep(0.02)
        while not stop.is_set():
            victims = running_blocks(log)
            if victims:
                victim = rng.choice(victims)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim.pid, signal.SIGKILL)
                    killed.append({"pid": victim.pid, "blocksDone": blocks_done(markers)})
                break
            time.sleep(0.01)


def main() -> None:
    workflow, src, clean_dir, chaos_dir = sys.argv[1:5]
    block_rows, kills, seed = (int(a) for a in sys.argv[5:8])
    result_file = Path(sys.argv[8])
    ensure_ray()  # HETUMIND_NUM_CPUS; the CLI then runs on this Ray
    clean = run_cli(workflow, src, clean_dir, block_rows)
    total = int(clean["summary"]["blocks"]) if clean["summary"] else 0
    log = Path(chaos_dir + ".attempts")
    trace_blocks(log)
    killed: list[Any] = []
    stop = threading.Event()
    markers = Path(chaos_dir) / "_hetumind" / "blocks"
    killer = threading.Thread(
        target=kill_workers, args=(log, markers, total, kills, seed, stop, killed), daemon=True
    )
    killer.start()
    chaos = run_cli(workflow, src, chaos_dir, block_rows)
    stop.set()
    killer.join(timeout=5)
    attempts = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
    result = {"clean": clean, "chaos": chaos, "kills": killed, "attempts": attempts}
    result_file.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
