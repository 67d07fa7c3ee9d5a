"""Execute Command on a real /bin/sh: n8n's output and errors, executeOnce, timeouts that
kill the whole process group, and refusal in server mode."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from context import node_context

from hetumind.capabilities import Capabilities, CapabilityDenied
from hetumind.engine import run_workflow
from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.execute_command import ExecuteCommand, run_command
from hetumind.workflow import Node as WorkflowNode
from tests.engine.workflows import chain, node, start, workflow


def run(params: dict[str, Any], rows: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
    batch = ItemBatch.from_json(rows)
    ctx = node_context(params, [batch], node_type="n8n-nodes-base.executeCommand", **kw)
    (out,) = ExecuteCommand().run(ctx, [batch])
    return out.to_json()


def test_output_is_exit_code_and_trimmed_streams() -> None:
    out = run({"command": "echo '  hello  '; echo oops >&2"}, [{}])
    assert out == [{"exitCode": 0, "stderr": "oops", "stdout": "hello"}]


def test_execute_once_default_runs_for_the_first_item_only() -> None:
    rows = [{"n": 1}, {"n": 2}, {"n": 3}]
    assert run({"command": "=echo {{ $json.n }}"}, rows) == [
        {"exitCode": 0, "stderr": "", "stdout": "1"}
    ]
    every = run({"command": "=echo {{ $json.n }}", "executeOnce": False}, rows)
    assert [r["stdout"] for r in every] == ["1", "2", "3"]


def test_multi_line_command_runs_as_one_script() -> None:
    out = run({"command": "X=4\nY=5\necho $((X * Y))\n"}, [{}])
    assert out[0]["stdout"] == "20"


def test_non_zero_exit_fails_with_node_text() -> None:
    with pytest.raises(NodeExecutionError) as info:
        run({"command": "echo bad >&2; exit 3"}, [{}], node_name="Shell")
    assert info.value.reason == "Command failed: echo bad >&2; exit 3\nbad\n"
    assert info.value.node == "Shell" and info.value.item_index == 0


def test_continue_on_fail_gives_error_items_per_item() -> None:
    rows = [{"c": "true"}, {"c": "false"}]
    params = {"command": "={{ $json.c }}", "executeOnce": False}
    out = run(params, rows, continue_on_fail=True)
    assert out == [
        {"exitCode": 0, "stderr": "", "stdout": ""},
        {"error": "Command failed: false\n"},
    ]


def test_stdin_is_closed_so_reading_it_does_not_hang() -> None:
    assert run({"command": "cat; echo done"}, [{}])[0]["stdout"] == "done"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie waiting for its reaper counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


def _wait_gone(pid: int) -> bool:
    """Whether `pid` ends within 5 s; a survivor is killed so no test leaves it behind."""
    for _ in range(100):
        if not _alive(pid):
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return False


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    command = f"sleep 30 & echo $! > {pidfile}; wait"
    with pytest.raises(NodeExecutionError) as info:
        run({"command": command, "timeout": 0.5}, [{}])
    assert info.value.reason.startswith("Command timed out after 0.5s")
    assert _wait_gone(int(pidfile.read_text()))


def test_execution_timeout_setting_bounds_the_command(tmp_path: Path) -> None:
    nodes = [start(), node("Shell", "executeCommand", parameters={"command": "sleep 30"})]
    wf = workflow(nodes, chain("Start", "Shell"))
    wf["settings"] = {"executionTimeout": 1}
    began = time.monotonic()
    result = run_workflow(wf)
    assert time.monotonic() - began < 20  # not the 30 s of the command
    assert result.status == "error"
    assert result.error == {"message": "Command timed out after 1s: sleep 30", "node": "Shell"}


def test_interrupt_kills_the_group(tmp_path: Path) -> None:
    # A Ray cancel (without force) raises KeyboardInterrupt in the task's thread.
    pidfile = tmp_path / "child.pid"
    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main

    def interrupt() -> None:
        for _ in range(100):
            if pidfile.exists() and pidfile.read_text().strip():
                break
            time.sleep(0.05)
        signal.pthread_kill(main, signal.SIGINT)

    # Python's own SIGINT handler, whatever an earlier test in this process left installed
    # (in a full `make test` run the interrupt was once swallowed and the command ran on)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        threading.Thread(target=interrupt, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            run_command(f"sleep 30 & echo $! > {pidfile}; wait")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert _wait_gone(int(pidfile.read_text()))


def test_guard_kills_the_group_when_the_worker_dies(tmp_path: Path) -> None:
    # A force cancel SIGKILLs the worker: no finally runs; the guard's pipe closes.
    pidfile = tmp_path / "child.pid"
    worker = os.fork()
    if worker == 0:  # pragma: no cover - the child process
        try:
            run_command(f"sleep 30 & echo $! > {pidfile}; wait")
        finally:
            os._exit(0)
    for _ in range(100):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.05)
    os.kill(worker, signal.SIGKILL)
    os.waitpid(worker, 0)
    assert _wait_gone(int(pidfile.read_text()))


def test_too_much_output_fails_as_max_buffer() -> None:
    with pytest.raises(NodeExecutionError, match="stdout maxBuffer length exceeded"):
        run({"command": "head -c 2000000 /dev/zero"}, [{}])


def _server_context(caps: Capabilities) -> NodeRunContext:
    wf_node = WorkflowNode(
        name="Shell",
        type="n8n-nodes-base.executeCommand",
        typeVersion=1,
        parameters={"command": "echo hi"},
    )
    info = ExecutionInfo(execution_id="t", workflow_id=None, workflow_name="t", capabilities=caps)
    return NodeRunContext(
        wf_node,
        [ItemBatch.from_json([{}])],
        run_index=0,
        info=info,
        state={},
        references={},
        continue_on_fail=True,
    )


def test_server_mode_refuses_the_node_naming_the_setting(tmp_path: Path) -> None:
    caps = Capabilities.server_mode({"HETUMIND_HOME": str(tmp_path)})
    ctx = _server_context(caps)
    with pytest.raises(CapabilityDenied) as info:  # continueOnFail does not get around it
        ExecuteCommand().run(ctx, [ItemBatch.from_json([{}])])
    assert "'Shell'" in str(info.value)
    assert "HETUMIND_ENABLE_EXECUTE_COMMAND=true" in str(info.value)

    nodes = [start(), node("Shell", "executeCommand", parameters={"command": "echo hi"})]
    result = run_workflow(workflow(nodes, chain("Start", "Shell")), capabilities=caps)
    assert result.status == "error"
    assert result.error is not None and "HETUMIND_ENABLE_EXECUTE_COMMAND" in str(result.error)


def test_server_mode_runs_it_when_enabled(tmp_path: Path) -> None:
    env = {"HETUMIND_HOME": str(tmp_path), "HETUMIND_ENABLE_EXECUTE_COMMAND": "true"}
    ctx = _server_context(Capabilities.server_mode(env))
    (out,) = ExecuteCommand().run(ctx, [ItemBatch.from_json([{}])])
    assert out.to_json() == [{"exitCode": 0, "stderr": "", "stdout": "hi"}]
    assert Capabilities.local().execute_command


def test_exported_workflow_runs_on_both_backends(backend: str) -> None:
    params = {"command": "=printf '%s' {{ $json.name }}"}
    nodes = [
        start(),
        node("Data", "code", 2, parameters={"jsCode": "return [{json: {name: 'ada'}}];"}),
        node("Shell", "executeCommand", parameters=params),
    ]
    result = run_workflow(workflow(nodes, chain("Start", "Data", "Shell")), backend=backend)
    assert result.status == "success", result.error
    assert result.outputs("Shell")[0] == [{"exitCode": 0, "stderr": "", "stdout": "ada"}]


# n8n 1.123.81's outputs for these nodes after a Code node giving {n: 1}, {n: 2}, {n: 3}
# (recorded with ../shared/tools/n8n-oracle).
N8N_CASES: list[tuple[str, dict[str, Any], bool, list[dict[str, Any]]]] = [
    (
        "Once",
        {"command": "=echo {{ $json.n }}; echo warn >&2"},
        False,
        [{"exitCode": 0, "stderr": "warn", "stdout": "1"}],
    ),
    (
        "Each",
        {"command": "=printf '  %s  ' {{ $json.n }}", "executeOnce": False},
        False,
        [{"exitCode": 0, "stderr": "", "stdout": str(n)} for n in (1, 2, 3)],
    ),
    (
        "FailEach",
        {"command": "=echo bad{{ $json.n }} >&2; exit {{ $json.n }}", "executeOnce": False},
        True,
        [{"error": f"Command failed: echo bad{n} >&2; exit {n}\nbad{n}\n"} for n in (1, 2, 3)],
    ),
    (
        "Multi",
        {"command": "X=4\nY=5\necho $((X * Y))\n"},
        False,
        [{"exitCode": 0, "stderr": "", "stdout": "20"}],
    ),
    ("Signal", {"command": "kill -TERM $$"}, True, [{"error": "Command failed: kill -TERM $$\n"}]),
]


def test_same_outputs_as_n8n() -> None:
    data = node("Data", "code", 2, parameters={"jsCode": "return [1,2,3].map(n => ({json: {n}}));"})
    nodes = [start(), data]
    edges = chain("Start", "Data")
    for name, params, continues, _ in N8N_CASES:
        added = node(name, "executeCommand", parameters=params)
        if continues:
            added["onError"] = "continueRegularOutput"
        nodes.append(added)
        edges += chain("Data", name)
    result = run_workflow(workflow(nodes, edges))
    assert result.status == "success", result.error
    for name, _, _, items in N8N_CASES:
        assert result.outputs(name)[0] == items, name
