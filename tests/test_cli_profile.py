"""`hetumind run --profile --profile-out`: the table after the run, a Chrome trace file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine.workflows import PEOPLE, chain, data, node, split, start, workflow
from tests.test_cli import hetumind


def _write(tmp_path: Path) -> Path:
    doc = workflow(
        [
            start(),
            data("Data", PEOPLE),
            split("Split"),
            node(
                "Wait",
                "wait",
                1.1,
                parameters={"resume": "timeInterval", "amount": 0.3, "unit": "seconds"},
            ),
        ],
        chain("Start", "Data", "Split", "Wait"),
    )
    path = tmp_path / "waits.json"
    path.write_text(json.dumps(doc))
    return path


def test_profile_table_and_trace_file(tmp_path: Path) -> None:
    path, trace_path = _write(tmp_path), tmp_path / "trace.json"
    proc = hetumind(
        "run", str(path), "--backend", "inline", "--profile", "--profile-out", str(trace_path)
    )
    assert proc.returncode == 0, proc.stderr
    profile = proc.stdout[proc.stdout.index("profile of") :]
    header = next(line for line in profile.splitlines() if "share" in line)
    for column in ("node", "type", "runs", "items in", "items out", "total ms", "mean ms"):
        assert column in header
    body = [line for line in profile.splitlines() if "│" in line and "share" not in line]
    assert "Wait" in body[0]  # slowest first
    cells = [c.strip() for c in body[0].split("│") if c.strip()]
    assert cells[2:5] == ["1", "3", "3"]  # runs, items in, items out

    trace = json.loads(trace_path.read_text())
    runs = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert [e["name"] for e in runs] == ["Start", "Data", "Split", "Wait"]
    for event in runs:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "args"} <= event.keys()
    wait = runs[-1]
    assert wait["dur"] > sum(e["dur"] for e in runs[:-1])
    assert wait["args"]["itemsOut"] == 3
    names = [e for e in trace["traceEvents"] if e["name"] == "process_name"]
    assert names[0]["args"]["name"] == str(path)


def test_profile_with_json_keeps_stdout_for_the_result(tmp_path: Path) -> None:
    path = _write(tmp_path)
    proc = hetumind("run", str(path), str(path), "--backend", "inline", "--json", "--profile")
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["status"] for r in results] == ["success", "success"]
    assert proc.stderr.count("profile of") == 2
    for result in results:
        assert f"profile of {result['executionId']}" in proc.stderr
