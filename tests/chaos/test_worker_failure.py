"""Item 2 of durability: a Ray worker killed mid-task, in a Ray of its own (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.plugin import install_plugin

SCRIPT = Path(__file__).with_name("worker_kill_run.py")
ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, retry: bool, scenario: str = "double") -> dict[str, Any]:
    site = tmp_path / "site"
    install_plugin(site)
    folder = tmp_path / "chaos"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    env["CHAOS_DIR"] = str(folder)
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(folder), "true" if retry else "false", scenario],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads((folder / "result.json").read_text())
    return result


def _outputs(execution: dict[str, Any]) -> dict[str, Any]:
    return {node: [r["outputs"] for r in runs] for node, runs in execution["runData"].items()}


@pytest.mark.slow
def test_killed_worker_is_retried_and_output_matches_clean_run(tmp_path: Path) -> None:
    result = _run(tmp_path, retry=True)
    assert result["clean"]["status"] == "success"
    assert result["chaos"]["status"] == "success", result["chaos"]["error"]
    assert _outputs(result["chaos"]) == _outputs(result["clean"])
    assert result["chaos"]["runData"]["Keep"][0]["outputs"][0][3] == {"x": 3, "y": 6}
    # The first worker was killed mid-run; the retry ran on another process, once.
    assert len(result["killed"]) == 1
    assert result["pids"][0] == result["killed"][0]
    assert len(result["pids"]) == 2 and result["pids"][1] != result["pids"][0]


@pytest.mark.slow
def test_side_effecting_node_is_not_rerun_after_worker_death(tmp_path: Path) -> None:
    result = _run(tmp_path, retry=False)
    assert result["clean"]["status"] == "success"
    chaos = result["chaos"]
    assert chaos["status"] == "error"
    message = chaos["error"]["message"]
    assert "'Double'" in message and "at-most-once" in message and "died" in message
    assert "retryOnWorkerFailure" in message
    assert result["pids"] == result["killed"]  # ran once, never again
    assert "Keep" not in chaos["runData"]


@pytest.mark.slow
def test_a_plugin_node_declared_pure_is_rerun_with_its_segment(tmp_path: Path) -> None:
    """examples/plugin-node's Convert Currency is pure by its trait: fused with another
    pure node whose worker is killed, the segment runs again without any opt-in."""
    result = _run(tmp_path, retry=False, scenario="plugin-pure")
    chaos = result["chaos"]
    assert chaos["status"] == "success", chaos["error"]
    assert _outputs(chaos) == _outputs(result["clean"])
    assert chaos["runData"]["Keep"][0]["outputs"][0][3] == {"x": 3, "eur": 2.74, "y": 6}
    assert len(result["killed"]) == 1 and len(result["pids"]) == 2


@pytest.mark.slow
def test_a_plugin_node_left_effectful_keeps_its_segment_at_most_once(tmp_path: Path) -> None:
    """The plugin's Append to Ledger keeps the default (effectful): its segment is not
    re-run, the error names it, and the ledger was never written by the killed run."""
    result = _run(tmp_path, retry=False, scenario="plugin-ledger")
    assert result["clean"]["status"] == "success"
    assert len((tmp_path / "chaos" / "ledger-clean.jsonl").read_text().splitlines()) == 40
    chaos = result["chaos"]
    assert chaos["status"] == "error"
    message = chaos["error"]["message"]
    assert "'Ledger'" in message and "at-most-once" in message
    assert result["pids"] == result["killed"]
    assert not (tmp_path / "chaos" / "ledger-chaos.jsonl").exists()
