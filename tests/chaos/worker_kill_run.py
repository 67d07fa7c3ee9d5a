"""Run in a subprocess with its own Ray: a clean run, then a run whose worker is killed.

Usage: python worker_kill_run.py CHAOS_DIR RETRY_SETTING(true|false) [SCENARIO]
Writes CHAOS_DIR/result.json: {"clean": ..., "chaos": ..., "pids": [...], "killed": [pid]}.

Scenarios: `double` (the effectful chaosDouble), `plugin-pure` (the example plugin's pure
Convert Currency fused with chaosPureDouble) and `plugin-ledger` (chaosPureDouble fused with
the plugin's effectful Append to Ledger, writing CHAOS_DIR/ledger-<run>.jsonl).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _middle(scenario: str, ledger: Path) -> list[dict[str, Any]]:
    """The nodes between Split and Keep, which one task runs (fused) with the chaos node."""
    chaos = {"name": "Double", "type": "hetumind.chaosDouble", "typeVersion": 1}
    if scenario == "double":
        return [chaos]
    chaos["type"] = "hetumind.chaosPureDouble"
    if scenario == "plugin-pure":
        convert = {
            "name": "To EUR",
            "type": "hetumind.exampleConvertCurrency",
            "typeVersion": 1,
            "parameters": {"amountField": "x", "rate": 0.9137, "targetField": "eur"},
        }
        return [convert, chaos]
    ledger_node = {
        "name": "Ledger",
        "type": "hetumind.exampleAppendToLedger",
        "typeVersion": 1,
        "parameters": {"path": str(ledger)},
    }
    return [chaos, ledger_node]


def workflow(retry: bool, scenario: str = "double", ledger: Path = Path()) -> dict[str, Any]:
    rows = [{"x": i} for i in range(40)]
    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
        {
            "name": "Data",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": {"mode": "raw", "jsonOutput": json.dumps({"rows": rows})},
        },
        {
            "name": "Split",
            "type": "n8n-nodes-base.splitOut",
            "typeVersion": 1,
            "parameters": {"fieldToSplitOut": "rows"},
        },
        *_middle(scenario, ledger),
        {"name": "Keep", "type": "n8n-nodes-base.noOp", "typeVersion": 1},
    ]
    for i, n in enumerate(nodes):
        n.update(id=str(i), position=[0, 0])
        n.setdefault("parameters", {})
    chain = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(chain)
    }
    settings = {"retryOnWorkerFailure": True} if retry else {}
    return {"name": "chaos", "nodes": nodes, "connections": connections, "settings": settings}


def kill_first_worker(folder: Path, killed: list[int]) -> None:
    pids = folder / "pids"
    while not pids.exists() or not pids.read_text().strip():
        time.sleep(0.05)
    pid = int(pids.read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)


def main() -> None:
    folder, retry = Path(sys.argv[1]), sys.argv[2] == "true"
    scenario = sys.argv[3] if len(sys.argv) > 3 else "double"
    from hetumind.engine import run_workflow
    from hetumind.engine.ray_backend import ensure_ray

    ensure_ray(num_cpus=2)
    clean = run_workflow(
        workflow(retry, scenario, folder / "ledger-clean.jsonl"), backend="ray"
    ).to_json()
    wf = workflow(retry, scenario, folder / "ledger-chaos.jsonl")
    (folder / "kill").write_text("")
    killed: list[int] = []
    watcher = threading.Thread(target=kill_first_worker, args=(folder, killed), daemon=True)
    watcher.start()
    chaos = run_workflow(wf, backend="ray").to_json()
    watcher.join(timeout=5)
    pids = [int(p) for p in (folder / "pids").read_text().split()]
    # A file, not stdout: Ray forwards worker log lines to the driver's stdout whenever
    # they arrive, even in the middle of this line.
    result = {"clean": clean, "chaos": chaos, "pids": pids, "killed": killed}
    (folder / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main()
