"""An execution's outcome, in the shape of DESIGN.md's `run --json` contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hetumind.engine.node_run import RunMeta

if TYPE_CHECKING:
    from hetumind.engine.backend import Backend, OutputRef

__all__ = ["PUBLIC_EXTRAS", "ExecutionResult", "NodeRun"]

PUBLIC_EXTRAS = ("logs", "ai", "wait")
"""Keys of RunMeta.extra that appear in runData (Code logs, AI steps, a parked Wait's
wake-up); the rest is for the server only."""


@dataclass
class NodeRun:
    meta: RunMeta
    outputs: OutputRef
    saved: bool = True
    """False when the run's items were not kept (Coordinator.save_outputs=False)."""
    state: OutputRef | None = None
    """The node's state after the run (Loop Over Items keeps its place there)."""


@dataclass
class ExecutionResult:
    execution_id: str
    backend: Backend | None = None
    status: str = "running"
    error: dict[str, Any] | None = None
    last_node_executed: str | None = None
    run_data: dict[str, list[NodeRun]] = field(default_factory=dict)
    static_data: dict[str, Any] | None = None
    """The workflow's static data after the run, when a node read or changed it."""
    wait_till: str | None = None
    """For status "waiting": when a parked Wait resumes by itself (ISO time; None: only
    its resume webhook wakes it)."""

    def add(self, node: str, run: NodeRun) -> None:
        self.run_data.setdefault(node, []).append(run)
        self.last_node_executed = node

    def finish(self, status: str, error: dict[str, Any] | None) -> None:
        self.status = status
        self.error = error

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def outputs(self, node: str, run: int = -1) -> list[list[dict[str, Any]]]:
        """Item json per output port of one run of `node` (fetched from the backend)."""
        assert self.backend is not None
        batches = self.backend.outputs(self.run_data[node][run].outputs)
        return [b.to_json() for b in batches]

    def to_json(self) -> dict[str, Any]:
        return {
            "executionId": self.execution_id,
            "status": self.status,
            "error": self.error,
            "lastNodeExecuted": self.last_node_executed,
            **({"waitTill": self.wait_till} if self.status == "waiting" else {}),
            "runData": {
                node: [
                    {
                        "status": r.meta.status,
                        "startedAt": r.meta.started_at,
                        "executionTimeMs": r.meta.execution_time_ms,
                        "outputs": self.outputs(node, i) if r.saved else None,
                        "error": r.meta.error,
                        # what the node recorded for readers: Code logs, AI steps
                        **{k: r.meta.extra[k] for k in PUBLIC_EXTRAS if r.meta.extra.get(k)},
                    }
                    for i, r in enumerate(runs)
                ]
                for node, runs in self.run_data.items()
            },
        }
