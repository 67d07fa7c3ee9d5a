"""Workflow builders for the capability tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hetumind.capabilities import Capabilities
from hetumind.engine import ExecutionResult, run_workflow
from tests.engine.workflows import chain, node, start, workflow


def server_caps(home: Path, **env: str) -> Capabilities:
    """The server's policy for a server whose HETUMIND_HOME is `home`."""
    return Capabilities.server_mode({"HETUMIND_HOME": str(home), **env})


def run_one(
    step: dict[str, Any], caps: Capabilities | None = None, **options: Any
) -> ExecutionResult:
    """Start -> `step`, on the inline backend."""
    doc = workflow([start(), step], chain("Start", step["name"]))
    return run_workflow(doc, capabilities=caps, **options)


def error_of(result: ExecutionResult) -> str:
    """The failed run's message, with the node it names."""
    assert result.status == "error", result.to_json()
    assert result.error is not None
    return f"{result.error.get('node')}: {result.error.get('message')}"


def outputs(result: ExecutionResult, name: str) -> list[dict[str, Any]]:
    assert result.status == "success", result.error
    return result.outputs(name)[0]


__all__ = ["chain", "error_of", "node", "outputs", "run_one", "server_caps", "start", "workflow"]
