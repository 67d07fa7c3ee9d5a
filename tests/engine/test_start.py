"""start_execution and ExecutionHandle (engine/start.py): one way to run, and cancelling a
run on either backend without harming the process or the next run."""

from __future__ import annotations

import pickle
from pathlib import Path

import ray

from hetumind.engine import (
    ExecutionHandle,
    RunOptions,
    build_plan,
    make_backend,
    run_workflow,
    start_execution,
)
from hetumind.engine.events import ExecutionFinished, NodeStarted
from hetumind.execution_services import Services
from hetumind.workflow import parse_workflow
from tests.engine.workflows import assign, node, start, workflow


def _waiting_doc() -> dict[str, object]:
    """Start -> Wait (30 s, sleeps in place) -> After."""
    wait = node("Wait", "wait", 1.1, parameters={"resume": "timeInterval", "amount": 30})
    after = assign("After", {"done": ("boolean", True)})
    return workflow([start(), wait, after], [("Start", 0, "Wait", 0), ("Wait", 0, "After", 0)])


def _cancel_once_waiting(handle: ExecutionHandle) -> None:
    for event in handle.events(timeout=120):
        if isinstance(event, NodeStarted) and event.node == "Wait":
            handle.cancel()
            return
        assert not isinstance(event, ExecutionFinished), "the run ended before its Wait"
    raise AssertionError("the Wait node never started")


def _hello() -> dict[str, object]:
    return workflow([start(), assign("Set", {"x": ("number", 1)})], [("Start", 0, "Set", 0)])


def _check_cancel(backend_name: str) -> None:
    plan = build_plan(parse_workflow(_waiting_doc()))
    handle = start_execution(
        plan, make_backend(backend_name), RunOptions(), background=True, keep_events=True
    )
    _cancel_once_waiting(handle)
    result = handle.result(timeout=120)
    assert handle.cancelled
    assert result.status == "canceled"
    assert result.error == {"message": "execution was stopped"}
    assert "After" not in result.run_data
    # the process (the Ray driver) lives on, and the next run is unaffected
    later = run_workflow(_hello(), backend=backend_name)
    assert later.status == "success"
    assert later.outputs("Set")[0][0]["x"] == 1


def test_cancel_an_inline_run_in_its_wait_node() -> None:
    _check_cancel("inline")


def test_cancel_a_ray_run_in_its_wait_node(ray_session: None) -> None:
    _check_cancel("ray")
    assert ray.is_initialized()


def test_cancel_before_the_run_starts_runs_no_node() -> None:
    plan = build_plan(parse_workflow(_hello()))
    handle = start_execution(plan, make_backend("inline"), RunOptions(execution_id="abc"))
    handle.cancel()
    result = handle.result()
    assert (result.execution_id, result.status) == ("abc", "canceled")
    assert result.run_data == {}


def test_a_handle_runs_once_and_reports_its_events() -> None:
    plan = build_plan(parse_workflow(_hello()))
    handle = start_execution(plan, make_backend("inline"), keep_events=True)
    first = handle.result()
    assert handle.result() is first
    kinds = [type(e).__name__ for e in handle.events(timeout=5)]
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionFinished"
    assert first.status == "success" and not handle.cancelled


def _to_csv_doc() -> dict[str, object]:
    rows = assign("Row", {"a": ("number", 1)})
    csv = node("ToCsv", "convertToFile", 1.1, parameters={"operation": "csv"})
    return workflow([start(), rows, csv], [("Start", 0, "Row", 0), ("Row", 0, "ToCsv", 0)])


def _blob_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _check_blob_service(backend_name: str, tmp_path: Path) -> None:
    """The blob store comes from RunOptions.services, not the process: a Ray worker opens
    it from the URL it was sent."""
    blobs = tmp_path / "blobs"
    plan = build_plan(parse_workflow(_to_csv_doc()))
    options = RunOptions(services=Services(blob_url=str(blobs)))
    result = start_execution(plan, make_backend(backend_name), options).result()
    assert result.status == "success", result.error
    assert result.backend is not None
    (batch,) = result.backend.outputs(result.run_data["ToCsv"][0].outputs)
    assert batch.binary is not None and batch.binary[0] is not None
    entry = batch.binary[0]["data"]
    (stored,) = _blob_files(blobs)
    assert stored.read_bytes().decode("utf-8-sig").splitlines()[0] == "a"
    assert entry["id"].endswith(stored.name)


def test_the_blob_store_is_the_runs_own_inline(tmp_path: Path) -> None:
    _check_blob_service("inline", tmp_path)


def test_the_blob_store_is_the_runs_own_on_ray(ray_session: None, tmp_path: Path) -> None:
    _check_blob_service("ray", tmp_path)


def test_services_send_workers_only_their_description() -> None:
    services = Services(blob_url="/x", credential_resolver=lambda kind, ref: {"k": 1})
    copied = pickle.loads(pickle.dumps(services))
    assert copied == Services(blob_url="/x")
