"""The `hetumind` command as users run it: a real subprocess, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HETUMIND = Path(sys.executable).parent / "hetumind"
EXAMPLE = ROOT / "examples" / "hello-world.json"


def hetumind(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(HETUMIND), *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_run_json_prints_one_object_per_file() -> None:
    proc = hetumind("run", "--backend", "inline", "--json", str(EXAMPLE), str(EXAMPLE))
    assert proc.returncode == 0, proc.stderr
    results = json_lines(proc.stdout)
    assert len(results) == 2
    last = results[0]["runData"]["Youngest First"][0]["outputs"][0]
    assert [p["name"] for p in last] == ["Alan", "Grace", "Ada"]
    assert last[0]["greeting"] == "Hello, Alan!"


def test_run_with_input_items() -> None:
    proc = hetumind(
        "run",
        "--backend",
        "inline",
        "--json",
        "--input",
        '[{"name": "Lin"}, {}]',
        str(ROOT / "examples" / "greet-input.json"),
    )
    assert proc.returncode == 0, proc.stderr
    greet = json_lines(proc.stdout)[0]["runData"]["Greet"][0]["outputs"][0]
    assert greet == [{"greeting": "Hello, Lin!"}, {"greeting": "Hello, stranger!"}]


def test_invalid_workflow_exits_2_with_a_named_problem(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["nodes"][2]["type"] = "n8n-nodes-base.doesNotExist"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    proc = hetumind("run", "--backend", "inline", "--json", str(bad), str(EXAMPLE))
    assert proc.returncode == 2
    first, second = json_lines(proc.stdout)
    assert first["status"] == "error" and "Each Person" in first["error"]["message"]
    assert second["status"] == "success"  # later files still run


def test_malformed_json_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    proc = hetumind("run", "--backend", "inline", str(bad))
    assert proc.returncode == 2
    assert "malformed JSON" in proc.stderr


def test_bad_input_option_exits_2() -> None:
    proc = hetumind("run", "--input", "[1, 2]", str(EXAMPLE))
    assert proc.returncode == 2
    assert "item 0 must be a JSON object" in proc.stderr


def test_failed_run_exits_1(tmp_path: Path) -> None:
    doc = {
        "name": "fails",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            {
                "name": "Stop",
                "type": "n8n-nodes-base.stopAndError",
                "typeVersion": 1,
                "parameters": {"errorMessage": "stopped on purpose"},
            },
        ],
        "connections": {"Start": {"main": [[{"node": "Stop", "type": "main", "index": 0}]]}},
    }
    path = tmp_path / "fails.json"
    path.write_text(json.dumps(doc))
    proc = hetumind("run", "--backend", "inline", "--json", str(path))
    assert proc.returncode == 1
    assert json_lines(proc.stdout)[0]["error"] == {"message": "stopped on purpose", "node": "Stop"}


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["nodes"][1]["type"] = "acme.one"
    doc["nodes"][3]["type"] = "acme.two"
    path = tmp_path / "two-unknown.json"
    path.write_text(json.dumps(doc))
    proc = hetumind("validate", str(path), str(EXAMPLE))
    assert proc.returncode == 2
    assert "'People'" in proc.stdout and "'Greet'" in proc.stdout
    assert f"{EXAMPLE}: valid" in proc.stdout


def test_nodes_lists_types_with_versions() -> None:
    proc = hetumind("nodes")
    assert proc.returncode == 0
    assert "hetumind.set" in proc.stdout and "3.4" in proc.stdout


@pytest.mark.slow
def test_conformance_through_the_cli_on_ray() -> None:
    """The shared compare script, on the Ray backend, one Ray runtime for every file."""
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests/conformance/compare.py"),
            str(ROOT / "tests/conformance/n8n/workflows"),
            str(ROOT / "tests/conformance/n8n/expected"),
            str(HETUMIND),
            "--backend",
            "ray",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "expression",
    [
        "={{ $json.constructor.constructor('return process')() }}",
        "={{ ''.__class__.__mro__[1].__subclasses__() }}",
        "={{ $json.name.nope() }}",
    ],
)
def test_escape_attempts_and_bad_calls_fail_cleanly(tmp_path: Path, expression: str) -> None:
    doc = json.loads((ROOT / "examples" / "greet-input.json").read_text())
    doc["nodes"][1]["parameters"]["assignments"]["assignments"][0]["value"] = expression
    path = tmp_path / "escape.json"
    path.write_text(json.dumps(doc))
    proc = hetumind("run", "--backend", "inline", "--json", "--input", '{"name": "x"}', str(path))
    assert proc.returncode == 1
    error = json_lines(proc.stdout)[0]["error"]
    assert error["node"] == "Greet"
    assert "parameter 'assignments'" in error["message"] and "item 0" in error["message"]


def test_expression_syntax_errors_are_invalid_input(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "examples" / "greet-input.json").read_text())
    doc["nodes"][1]["parameters"]["assignments"]["assignments"][0]["value"] = "={{ 1 + }}"
    path = tmp_path / "syntax.json"
    path.write_text(json.dumps(doc))
    proc = hetumind("validate", str(path))
    assert proc.returncode == 2
    assert "'Greet'" in proc.stdout and "position" in proc.stdout


def test_run_from_a_node_reuses_the_previous_result(tmp_path: Path) -> None:
    first = hetumind("run", "--backend", "inline", "--json", str(EXAMPLE))
    previous = json_lines(first.stdout)[0]
    # If People or Each Person ran again, Greet would see the example's three people.
    previous["runData"]["Each Person"][0]["outputs"] = [[{"name": "Zed", "born": 1990}]]
    (tmp_path / "previous.json").write_text(json.dumps(previous))
    proc = hetumind(
        "run", "--backend", "inline", "--json", "--from", "Greet",
        "--data", str(tmp_path / "previous.json"), str(EXAMPLE),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    again = json_lines(proc.stdout)[0]
    assert [p["greeting"] for p in again["runData"]["Youngest First"][0]["outputs"][0]] == [
        "Hello, Zed!"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "Nope", "--data", "EMPTY_RUN"], "no node named 'Nope'"),
        (["--from", "Greet"], "--from needs --data"),
        (["--data", str(EXAMPLE)], "only used with --from"),
        (["--from", "Greet", "--data", str(EXAMPLE)], "no runData"),
    ],
)
def test_run_from_rejects_bad_arguments(args: list[str], message: str, tmp_path: Path) -> None:
    empty_run = tmp_path / "empty.json"
    empty_run.write_text('{"runData": {}}')
    args = [str(empty_run) if a == "EMPTY_RUN" else a for a in args]
    proc = hetumind("run", "--backend", "inline", *args, str(EXAMPLE))
    assert proc.returncode == 2
    assert message in proc.stderr


def test_nodes_json_gives_full_type_names_and_versions_in_any_terminal() -> None:
    proc = subprocess.run(
        [str(HETUMIND), "nodes", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "COLUMNS": "20"},
    )
    assert proc.returncode == 0, proc.stderr
    listing = {entry["type"]: entry for entry in json.loads(proc.stdout)}
    assert "n8n-nodes-base.set" in listing["hetumind.set"]["aliases"]
    assert 3.4 in listing["hetumind.set"]["versions"]
    narrow = subprocess.run(
        [str(HETUMIND), "nodes"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "COLUMNS": "40"},
    )
    assert "…" not in narrow.stdout


def test_run_json_keeps_stdout_for_json_lines_only() -> None:
    """Whatever else writes to descriptor 1 meanwhile (Ray's worker log lines, processes it
    starts) lands on stderr."""
    script = (
        "import os, subprocess, sys\n"
        "from hetumind.cli.main import _stdout_kept_for_json\n"
        "with _stdout_kept_for_json() as emit:\n"
        "    print('(raylet) noise from a thread'); sys.stdout.flush()\n"
        "    os.write(1, b'noise on fd 1\\n')\n"
        "    subprocess.run(['echo', 'noise from a child'])\n"
        "    emit('{\"ok\": true}')\n"
        "print('after')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ['{"ok": true}', "after"]
    assert "noise from a child" in proc.stderr and "(raylet) noise" in proc.stderr


@pytest.mark.slow
def test_run_json_on_ray_prints_nothing_but_json(tmp_path: Path) -> None:
    proc = hetumind("run", "--backend", "ray", "--json", str(EXAMPLE))
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and json.loads(lines[0])["status"] == "success"


def test_validate_warns_about_connections_from_missing_nodes(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["connections"]["Ghost"] = {"main": [[{"node": "Start", "type": "main", "index": 0}]]}
    doc["nodes"].append(
        {"name": "Note", "type": "n8n-nodes-base.stickyNote", "typeVersion": 1, "parameters": {}}
    )
    path = tmp_path / "ghost.json"
    path.write_text(json.dumps(doc))
    proc = hetumind("validate", str(path))
    assert proc.returncode == 0, proc.stdout
    assert "valid" in proc.stdout and "warning" in proc.stdout and "'Ghost'" in proc.stdout
