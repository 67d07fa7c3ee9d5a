"""Kill random Ray workers during a batch run: its output is identical to a clean run's.

The runs happen in a subprocess with a Ray of its own (batch_kill_run.py): the clean run
first, then the same command while random workers running block tasks are SIGKILLed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from hetumind.batch import runner
from hetumind.engine.durability import WORKER_RETRIES
from tests.batch.helpers import assign, chain, node, table
from tests.engine.workflows import condition

SCRIPT = Path(__file__).with_name("batch_kill_run.py")
ROOT = Path(__file__).resolve().parents[2]

BLOCK_ROWS = 20_000
BLOCKS = 30
KILLS = 4
SEED = 7

WORKFLOW = chain(
    node("Start", "manualTrigger"),
    node("Score", "set", 3.4, **assign("score", "={{ $json.value * 2 + 1 }}")),
    node("Big", "if", 2.2, **condition("={{ $json.score }}", "gt", 200)),
    node("Upper", "filter", 2.2, **condition("={{ $json.group }}", "startsWith", "G", "string")),
    node("Tag", "set", 3.4, **assign("tier", "gold", "string")),
)


def test_block_tasks_use_the_engines_worker_retry_budget() -> None:
    # Private to Ray, but the only place a remote function keeps its options.
    options = runner._run_block._default_options  # type: ignore[attr-defined]
    assert options["max_retries"] == WORKER_RETRIES


def _run(tmp_path: Path) -> dict[str, Any]:
    workflow = tmp_path / "wf.json"
    workflow.write_text(json.dumps(WORKFLOW))
    src = tmp_path / "in.parquet"
    pq.write_table(table(BLOCKS * BLOCK_ROWS), src, row_group_size=BLOCK_ROWS)
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env.update(HETUMIND_NUM_CPUS="2", PYTHONPATH=str(ROOT))
    result = tmp_path / "result.json"
    args = [workflow, src, tmp_path / "clean", tmp_path / "chaos", BLOCK_ROWS, KILLS, SEED, result]
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found: dict[str, Any] = json.loads(result.read_text())
    return found


def _hits(kills: list[dict[str, Any]], attempts: list[list[str]]) -> list[int]:
    """The blocks the kills interrupted: the killed worker's last block never ended there."""
    hit = []
    for kill in kills:
        pid = str(kill["pid"])
        mine = [(event, int(index)) for event, index, p in attempts if p == pid]
        if mine and mine[-1][0] == "start":
            hit.append(mine[-1][1])
    return hit


def _parts(folder: Path) -> dict[str, Any]:
    # Everything the run left: only part files (no staging, no dead letters) are expected.
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"part-{i:06d}.parquet" for i in range(BLOCKS)], folder
    return {name: pq.read_table(folder / name) for name in names}


@pytest.mark.slow
def test_killed_block_workers_are_retried_and_output_matches_clean_run(tmp_path: Path) -> None:
    result = _run(tmp_path)
    clean, chaos = result["clean"], result["chaos"]
    assert clean["exit"] == 0, clean["summary"]
    assert chaos["exit"] == 0, chaos["summary"]
    assert clean["summary"]["blocks"] == chaos["summary"]["blocks"] == BLOCKS

    # The kills landed: at least two interrupted a running block, which then ran again.
    hits = _hits(result["kills"], result["attempts"])
    starts = Counter(int(index) for event, index, _ in result["attempts"] if event == "start")
    ended = {int(index) for event, index, _ in result["attempts"] if event == "end"}
    retried = sorted(index for index, n in starts.items() if n > 1)
    assert len(hits) >= 2, result["kills"]
    assert set(hits) <= set(retried)
    assert ended == set(range(BLOCKS))  # every block finished, the interrupted ones included

    # Same part files, same rows in the same order; nothing dead-lettered, no staging left.
    clean_parts, chaos_parts = _parts(tmp_path / "clean"), _parts(tmp_path / "chaos")
    for name, expected in clean_parts.items():
        assert chaos_parts[name].equals(expected), name
    rows = sum(t.num_rows for t in clean_parts.values())
    assert rows > 0 and rows == clean["summary"]["rowsOut"] == chaos["summary"]["rowsOut"]
    assert chaos["summary"]["deadLetters"] == clean["summary"]["deadLetters"] == 0
    assert chaos["summary"]["nodes"] == {
        name: {**stats, "ms": chaos["summary"]["nodes"][name]["ms"]}
        for name, stats in clean["summary"]["nodes"].items()
    }
    print(
        f"blocks {BLOCKS}, kills {len(result['kills'])}, kills that hit a block {len(hits)}, "
        f"retried blocks {len(retried)} {retried}, "
        f"wall clean {clean['seconds']} s / chaos {chaos['seconds']} s"
    )
