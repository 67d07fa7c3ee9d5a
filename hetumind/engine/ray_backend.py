"""The Ray backend: each node run is a Ray task; item data stays in the object store.

The task returns three objects: a small RunMeta (the only thing the coordinator fetches),
the output batches, and the node's state. Downstream tasks receive the outputs as object
references, so Arrow buffers go from worker to worker without passing the coordinator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import ray

from hetumind.engine.backend import PortRef, Submitted, resolve_inputs
from hetumind.engine.context import NodeOutputs
from hetumind.engine.node_run import NodeRunSpec, RunMeta, execute_node_run
from hetumind.items import ItemBatch

__all__ = ["RayBackend", "ensure_ray"]


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to RAY_ADDRESS (or `address`), or start a small local Ray once."""
    if ray.is_initialized():
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {
        "include_dashboard": False,
        "logging_level": "WARNING",
        "log_to_driver": True,
        "configure_logging": True,
    }
    if address:
        ray.init(address=address, **kwargs)
    else:
        cpus = num_cpus or int(os.environ.get("HETUMIND_NUM_CPUS", "0")) or os.cpu_count() or 1
        ray.init(num_cpus=cpus, **kwargs)


@ray.remote(num_returns=3, max_retries=0)
def _run_node_task(
    spec: NodeRunSpec,
    layout: list[int | None],
    state: Any,
    ref_names: list[str],
    ref_params: list[Mapping[str, Any]],
    *resolved: list[ItemBatch],
) -> tuple[RunMeta, list[ItemBatch], dict[str, Any]]:
    # `resolved` holds the outputs lists of the parent runs (inputs first, then the nodes
    # referenced by expressions); Ray has already fetched them, zero-copy for Arrow.
    n_inputs = len(layout)
    inputs = resolve_inputs(
        [None if p is None else PortRef(None, p) for p in layout],
        [None if p is None else resolved[i] for i, p in enumerate(layout)],
    )
    references = {
        name: NodeOutputs(name, outs, params)
        for name, params, outs in zip(ref_names, ref_params, resolved[n_inputs:], strict=True)
    }
    return execute_node_run(spec, inputs, state, references)


class RayBackend:
    name = "ray"

    def __init__(self) -> None:
        ensure_ray()
        self._empty = ray.put([ItemBatch.empty()])

    def submit(
        self,
        spec: NodeRunSpec,
        inputs: Sequence[PortRef | None],
        state: Any,
        references: Mapping[str, tuple[Any, Mapping[str, Any]]],
    ) -> Submitted:
        layout = [None if r is None else r.port for r in inputs]
        input_refs = [self._empty if r is None else r.outputs for r in inputs]
        names = list(references)
        meta, outputs, new_state = _run_node_task.remote(
            spec,
            layout,
            state,
            names,
            [references[n][1] for n in names],
            *input_refs,
            *[references[n][0] for n in names],
        )
        return Submitted(meta, outputs, new_state)

    def wait(self, runs: Sequence[Submitted], timeout: float | None) -> list[Submitted]:
        by_ref = {r.meta: r for r in runs}
        ready, _ = ray.wait(list(by_ref), num_returns=1, timeout=timeout)
        return [by_ref[ref] for ref in ready]

    def meta(self, run: Submitted) -> RunMeta:
        meta: RunMeta = ray.get(run.meta)
        return meta

    def outputs(self, handle: Any) -> list[ItemBatch]:
        outputs: list[ItemBatch] = ray.get(handle)
        return outputs

    def put(self, batch: ItemBatch) -> Any:
        return ray.put([batch])

    def cancel(self, runs: Sequence[Submitted]) -> None:
        for run in runs:
            ray.cancel(run.meta, force=True)
