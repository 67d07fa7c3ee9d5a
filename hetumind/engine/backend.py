"""Backends: where node runs execute. The coordinator only ever holds their handles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hetumind.engine.context import NodeOutputs
from hetumind.engine.node_run import NodeRunSpec, RunMeta, execute_node_run
from hetumind.items import ItemBatch

__all__ = ["Backend", "InlineBackend", "PortRef", "Submitted"]


@dataclass(frozen=True)
class PortRef:
    """One output port of a finished run: a handle to its outputs list, and the port."""

    outputs: Any
    port: int


@dataclass
class Submitted:
    """A node run in flight (or done): handles to its three results."""

    meta: Any
    outputs: Any
    state: Any


class Backend(Protocol):
    name: str

    def submit(
        self,
        spec: NodeRunSpec,
        inputs: Sequence[PortRef | None],
        state: Any,
        references: Mapping[str, tuple[Any, Mapping[str, Any]]],
    ) -> Submitted: ...

    def wait(self, runs: Sequence[Submitted], timeout: float | None) -> list[Submitted]:
        """Those of `runs` whose meta is ready (at least one unless timed out)."""
        ...

    def meta(self, run: Submitted) -> RunMeta: ...

    def outputs(self, handle: Any) -> list[ItemBatch]: ...

    def put(self, batch: ItemBatch) -> Any:
        """A handle to `[batch]`, usable as PortRef(handle, 0)."""
        ...

    def cancel(self, runs: Sequence[Submitted]) -> None: ...


def resolve_inputs(
    inputs: Sequence[PortRef | None], resolved: Sequence[list[ItemBatch] | None]
) -> list[ItemBatch]:
    return [
        ItemBatch.empty() if ref is None or outs is None else outs[ref.port]
        for ref, outs in zip(inputs, resolved, strict=True)
    ]


class InlineBackend:
    """Runs every node in this process, in submission order: tests, quick runs, handlers."""

    name = "inline"

    def submit(
        self,
        spec: NodeRunSpec,
        inputs: Sequence[PortRef | None],
        state: Any,
        references: Mapping[str, tuple[Any, Mapping[str, Any]]],
    ) -> Submitted:
        batches = resolve_inputs(inputs, [None if r is None else r.outputs for r in inputs])
        refs = {
            name: NodeOutputs(name, outputs, params)
            for name, (outputs, params) in references.items()
        }
        meta, outputs, new_state = execute_node_run(spec, batches, state, refs)
        return Submitted(meta, outputs, new_state)

    def wait(self, runs: Sequence[Submitted], timeout: float | None) -> list[Submitted]:
        return list(runs[:1])

    def meta(self, run: Submitted) -> RunMeta:
        meta: RunMeta = run.meta
        return meta

    def outputs(self, handle: Any) -> list[ItemBatch]:
        outputs: list[ItemBatch] = handle
        return outputs

    def put(self, batch: ItemBatch) -> Any:
        return [batch]

    def cancel(self, runs: Sequence[Submitted]) -> None:
        return None
