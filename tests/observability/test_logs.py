"""Structured logs: JSON lines with the execution's context, no tracebacks across lines,
no secrets; `hetumind run --log-format json` as users run it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hetumind.observability import logs
from hetumind.observability.logs import configure_logging, log_context, node_log_scope

HETUMIND = Path(sys.executable).parent / "hetumind"
ROOT = Path(__file__).resolve().parents[2]

FAILING = {
    "name": "fails",
    "id": "wf-logs",
    "nodes": [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
        {
            "name": "Fail",
            "type": "n8n-nodes-base.stopAndError",
            "typeVersion": 1,
            "retryOnFail": True,
            "maxTries": 2,
            "waitBetweenTries": 0,
            "parameters": {"errorMessage": "boom, password=hunter2"},
        },
    ],
    "connections": {"Start": {"main": [[{"node": "Fail", "type": "main", "index": 0}]]}},
}


JSON_INFO = ("--log-format", "json", "--log-level", "info", "--json")


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _lines(text: str) -> list[dict[str, Any]]:
    lines = [line for line in text.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is one JSON object


def test_json_lines_carry_context_and_exception_as_one_field(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("json", "INFO", export=False)
    log = logging.getLogger("hetumind.test")
    with log_context(execution_id="e1", workflow_id="w1"):
        log.info("outside any node")
        with log_context(node="Fetch"):
            try:
                raise ValueError("bad value\nsecond line")
            except ValueError:
                log.exception("node failed")
    log.warning("no context")
    lines = _lines(capsys.readouterr().err)
    assert [line["message"] for line in lines] == ["outside any node", "node failed", "no context"]
    first, failed, last = lines
    assert first["execution_id"] == "e1" and first["workflow_id"] == "w1"
    assert "node" not in first
    assert failed["node"] == "Fetch" and failed["level"] == "error"
    assert failed["logger"] == "hetumind.test"
    assert "Traceback" in failed["exception"] and "ValueError: bad value" in failed["exception"]
    assert "execution_id" not in last
    assert last["ts"].endswith("Z") and "T" in last["ts"]


def test_text_format_names_the_context(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("text", "INFO", export=False)
    with log_context(execution_id="e2", node="Set"):
        logging.getLogger("hetumind.test").info("hello")
    line = capsys.readouterr().err.strip()
    assert line.endswith("INFO    hetumind.test [execution_id=e2 node=Set] hello")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="choose 'text' or 'json'"):
        configure_logging("xml", export=False)


def test_a_node_runs_credentials_are_masked(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("json", "INFO", export=False)
    secret = "s3cret-header-value"

    @node_log_scope
    def run(spec: Any) -> None:
        logging.getLogger("hetumind.node").warning(
            "calling with %s and key hmk_abcdefghijkl123 (Bearer abcdefghijklmnop)", secret
        )

    info = SimpleNamespace(
        execution_id="e3",
        workflow_id="w3",
        credentials={"httpHeaderAuth:c1:Header": {"name": "X-Key", "value": secret}},
    )
    run(SimpleNamespace(info=info, node=SimpleNamespace(name="HTTP")))
    (line,) = [x for x in _lines(capsys.readouterr().err) if x["logger"] == "hetumind.node"]
    assert line["node"] == "HTTP" and line["execution_id"] == "e3"
    assert secret not in json.dumps(line)
    assert "hmk_abcdefghijkl123" not in line["message"]
    assert "abcdefghijklmnop" not in line["message"]
    assert line["message"].count("***") == 3
    assert logs.current_context() == {}  # the node's context ended with it


def _worker_lines(execution_id: str) -> list[dict[str, Any]]:
    """The JSON lines about this execution in the Ray workers' own log files."""
    tmp = Path(os.environ.get("RAY_TMPDIR") or "/tmp") / "ray"
    found = []
    for path in tmp.glob("session_2*/logs/worker-*.err"):  # not session_latest, a link
        for line in path.read_text(errors="replace").splitlines():
            if execution_id in line:
                found.append(json.loads(line))
    return found


@pytest.mark.parametrize("backend", ["inline", pytest.param("ray", marks=pytest.mark.slow)])
def test_cli_run_log_format_json(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "fails.json"
    path.write_text(json.dumps(FAILING))
    env = {**os.environ, "HETUMIND_NUM_CPUS": "1"}
    env.pop("HETUMIND_LOG_FORMAT", None)
    proc = subprocess.run(
        [str(HETUMIND), "run", str(path), "--backend", backend, *JSON_INFO],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 1, proc.stderr
    lines = _lines(proc.stderr)
    for line in lines:
        assert {"ts", "level", "logger", "message"} <= line.keys()
    result = json.loads(proc.stdout)
    retries = [line for line in lines if "try 1 of 2" in line["message"]]
    if backend == "ray" and not retries:
        # Ray forwards a worker's lines asynchronously and drops what is still in flight
        # when the driver shuts down; the worker's line then only reached its log file.
        retries = _worker_lines(result["executionId"])
    (retry,) = retries
    assert retry["node"] == "Fail" and retry["logger"] == "hetumind.engine.node_run"
    assert retry["execution_id"] == result["executionId"]
    assert retry["workflow_id"] == "wf-logs"
    finished = next(line for line in lines if line["logger"] == "hetumind.cli")
    assert finished["execution_id"] == result["executionId"] and "node" not in finished
    assert "hunter2" not in proc.stderr  # a password= pair is masked in every line


def test_json_mode_is_passed_on_to_ray_and_serve(
    root_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "HETUMIND_LOG_FORMAT",
        "HETUMIND_LOG_LEVEL",
        "RAY_DISABLE_WORKER_LOG_PREFIX",
        "RAY_DEDUP_LOGS",
        "RAY_SERVE_LOG_TO_STDERR",
    ):
        monkeypatch.delenv(name, raising=False)
    configure_logging("text")
    assert logs.serve_logging_config(enable_access_log=False) == {"enable_access_log": False}
    assert "RAY_DISABLE_WORKER_LOG_PREFIX" not in os.environ
    configure_logging("json", "info")
    assert os.environ["HETUMIND_LOG_FORMAT"] == "json"
    assert os.environ["RAY_DISABLE_WORKER_LOG_PREFIX"] == "1"
    assert os.environ["RAY_SERVE_LOG_TO_STDERR"] == "0"
    assert logs.serve_logging_config(enable_access_log=False) == {
        "enable_access_log": False,
        "encoding": "JSON",
        "log_level": "INFO",
    }


@pytest.mark.parametrize("command", ["run", "serve"])
def test_an_unknown_log_format_is_invalid_input(tmp_path: Path, command: str) -> None:
    args = [str(tmp_path / "none.json")] if command == "run" else []
    proc = subprocess.run(
        [str(HETUMIND), command, *args, "--log-format", "xml"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HETUMIND_HOME": str(tmp_path)},
    )
    assert proc.returncode == 2
    assert "choose 'text' or 'json'" in proc.stderr and "Traceback" not in proc.stderr
