"""Planning and running workflows on a backend (Ray by default, or inline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.capabilities import Capabilities
from hetumind.engine.backend import Backend, InlineBackend
from hetumind.engine.checkpoint import Checkpoint, StoredRun
from hetumind.engine.events import Listener
from hetumind.engine.plan import Plan, build_plan
from hetumind.engine.result import ExecutionResult
from hetumind.engine.start import ExecutionHandle, RunOptions, start_execution
from hetumind.items import ItemBatch
from hetumind.workflow import Workflow, parse_workflow

__all__ = [
    "Backend",
    "Checkpoint",
    "ExecutionHandle",
    "ExecutionResult",
    "InlineBackend",
    "Listener",
    "Plan",
    "RunOptions",
    "StoredRun",
    "build_plan",
    "make_backend",
    "run_workflow",
    "start_execution",
]


def make_backend(name: str) -> Backend:
    """`ray` (default: every node run is a Ray task) or `inline` (this process)."""
    if name == "inline":
        return InlineBackend()
    if name == "ray":
        from hetumind.engine.ray_backend import RayBackend

        return RayBackend()
    raise ValueError(f"unknown backend {name!r}; choose 'ray' or 'inline'")


def run_workflow(
    workflow: Workflow | dict[str, Any],
    *,
    backend: str | Backend = "inline",
    input_items: list[dict[str, Any]] | None = None,
    input_batch: ItemBatch | None = None,
    mode: str = "manual",
    fuse: bool = True,
    save_outputs: bool = True,
    listeners: Sequence[Listener] = (),
    execution_id: str | None = None,
    checkpoint: Checkpoint | None = None,
    park_waits: bool = False,
    credentials: Mapping[str, Mapping[str, Any]] | None = None,
    static_data: Mapping[str, Any] | None = None,
    capabilities: Capabilities | None = None,
) -> ExecutionResult:
    """Validate, plan and run `workflow`; node failures are in the result, not raised.

    Raises WorkflowInvalid when the workflow cannot run at all. `fuse=False` gives every
    node run a task of its own (fused chains are the default; see engine/fusion.py).
    `save_outputs=False` keeps items only where later nodes need them (batch runs).
    `checkpoint` holds node runs finished earlier: they are restored, not run again
    (engine/checkpoint.py). `park_waits` ends the run as "waiting" at a Wait node instead
    of sleeping there. `credentials` is credential data resolved beforehand; `static_data`
    the workflow's static data (default: the document's `staticData`); `capabilities` what
    the workflow may reach (default: `Capabilities.local()`, hetumind.capabilities); the result's
    `static_data` is what the run left there when a node used it.

    Example:
        >>> result = run_workflow(load_workflow("examples/hello-world.json"))
        >>> result.status
        'success'
    """
    wf = workflow if isinstance(workflow, Workflow) else parse_workflow(workflow)
    plan = build_plan(wf)
    engine = make_backend(backend) if isinstance(backend, str) else backend
    options = RunOptions(
        input_items=input_items,
        input_batch=input_batch,
        mode=mode,
        fuse=fuse,
        save_outputs=save_outputs,
        listeners=tuple(listeners),
        checkpoint=checkpoint,
        park_waits=park_waits,
        credentials=credentials or {},
        execution_id=execution_id,
        static_data=static_data,
        capabilities=capabilities,
    )
    return start_execution(plan, engine, options).result()
