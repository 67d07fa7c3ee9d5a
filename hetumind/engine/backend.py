"""Backends: where node runs execute. The coordinator only ever holds their handles.

A submission runs a *segment*: one node, or a fused chain of nodes (see fusion.py). Its
outputs handle resolves to one list of output batches per member node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hetumind.engine.context import NodeOutputs
from hetumind.engine.node_run import NodeRunSpec, RunMeta, execute_segment
from hetumind.items import ItemBatch

__all__ = ["Backend", "InlineBackend", "OutputRef", "PortRef", "Reference", "Submitted"]

SegmentOutputs = list[list[ItemBatch]]


@dataclass(frozen=True)
class OutputRef:
    """The outputs of one node run: a segment's outputs handle and the member index."""

    handle: Any
    member: int = 0


@dataclass(frozen=True)
class PortRef:
    """One output port of a finished node run."""

    run: OutputRef
    port: int


@dataclass(frozen=True)
class Reference:
    """A node that expressions read via $('Name'): its latest outputs and parameters, and
    the context its latest run recorded (`$node["Name"].context`, e.g. a loop's
    `noItemsLeft`)."""

    outputs: OutputRef
    parameters: Mapping[str, Any]
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Submitted:
    """A segment run in flight (or done): handles to its three results."""

    metas: Any
    outputs: Any
    states: Any


class Backend(Protocol):
    name: str

    def submit(
        self,
        specs: Sequence[NodeRunSpec],
        inputs: Sequence[PortRef | None],
        states: Sequence[OutputRef | None],
        references: Mapping[str, Reference],
    ) -> Submitted:
        """Run a segment; `states[i]` points at member i's state from its previous run
        (`OutputRef(run.states, member)`), None on a node's first run."""
        ...

    def wait(self, runs: Sequence[Submitted], timeout: float | None) -> list[Submitted]:
        """Those of `runs` whose metas are ready (at least one, unless timed out)."""
        ...

    def metas(self, run: Submitted) -> list[RunMeta]: ...

    def outputs(self, ref: OutputRef) -> list[ItemBatch]: ...

    def state(self, ref: OutputRef) -> dict[str, Any]:
        """A node's state after a run (`OutputRef(run.states, member)`)."""
        ...

    def put(self, batch: ItemBatch) -> Any:
        """A handle usable as OutputRef(handle) whose port 0 is `batch`."""
        ...

    def restore(
        self,
        metas: list[RunMeta],
        outputs: list[list[ItemBatch]],
        states: list[dict[str, Any]],
    ) -> Submitted:
        """A finished submission made of results known beforehand (a checkpoint's stored
        runs, a run that timed out): `wait` returns it at once."""
        ...

    def cancel(self, runs: Sequence[Submitted]) -> None: ...


def pick_inputs(
    inputs: Sequence[PortRef | None], resolved: Sequence[SegmentOutputs | None]
) -> list[ItemBatch]:
    """The batches a segment's first node gets, from its parents' resolved outputs."""
    return [
        ItemBatch.empty() if ref is None or outs is None else outs[ref.run.member][ref.port]
        for ref, outs in zip(inputs, resolved, strict=True)
    ]


def pick_references(
    names: Sequence[str],
    members: Sequence[int],
    facts: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    resolved: Sequence[SegmentOutputs],
) -> dict[str, NodeOutputs]:
    """`facts`: each reference's (parameters, context)."""
    return {
        name: NodeOutputs(name, outs[member], params, context)
        for name, member, (params, context), outs in zip(
            names, members, facts, resolved, strict=True
        )
    }


class InlineBackend:
    """Runs every segment in this process, in submission order: tests, quick runs."""

    name = "inline"

    def submit(
        self,
        specs: Sequence[NodeRunSpec],
        inputs: Sequence[PortRef | None],
        states: Sequence[OutputRef | None],
        references: Mapping[str, Reference],
    ) -> Submitted:
        previous = [None if s is None else s.handle[s.member] for s in states]
        batches = pick_inputs(inputs, [None if r is None else r.run.handle for r in inputs])
        names = list(references)
        refs = pick_references(
            names,
            [references[n].outputs.member for n in names],
            [(references[n].parameters, references[n].context) for n in names],
            [references[n].outputs.handle for n in names],
        )
        metas, outputs, new_states = execute_segment(specs, batches, previous, refs)
        return Submitted(metas, outputs, new_states)

    def wait(self, runs: Sequence[Submitted], timeout: float | None) -> list[Submitted]:
        return list(runs[:1])

    def metas(self, run: Submitted) -> list[RunMeta]:
        metas: list[RunMeta] = run.metas
        return metas

    def outputs(self, ref: OutputRef) -> list[ItemBatch]:
        outputs: list[ItemBatch] = ref.handle[ref.member]
        return outputs

    def state(self, ref: OutputRef) -> dict[str, Any]:
        state: dict[str, Any] = ref.handle[ref.member]
        return state

    def put(self, batch: ItemBatch) -> Any:
        return [[batch]]

    def restore(
        self,
        metas: list[RunMeta],
        outputs: list[list[ItemBatch]],
        states: list[dict[str, Any]],
    ) -> Submitted:
        return Submitted(metas, outputs, states)

    def cancel(self, runs: Sequence[Submitted]) -> None:
        return None
