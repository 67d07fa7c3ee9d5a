"""Which node runs may be run again after a worker dies, and how often.

A Ray task that loses its worker (process killed, machine lost) is re-run by Ray only
when running it twice cannot be observed outside: its nodes are *pure* (their outputs
depend only on their inputs and parameters, and they touch nothing else). Nodes that
call other systems (HTTP, AI models, databases, webhook responses, unknown plugins) are
at-most-once unless the workflow opts in with `settings.retryOnWorkerFailure: true`.
See docs/reliability.md for the guarantee per node kind.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.engine.node_run import NodeRunSpec
from hetumind.nodes.registry import default_registry

__all__ = [
    "RETRY_SETTING",
    "WORKER_RETRIES",
    "is_pure",
    "not_rerunnable",
    "segment_retries",
    "worker_lost_message",
]

WORKER_RETRIES = int(os.environ.get("HETUMIND_WORKER_RETRIES", "3"))
"""How many times Ray re-runs a pure segment whose worker died (HETUMIND_WORKER_RETRIES)."""

RETRY_SETTING = "retryOnWorkerFailure"
"""Workflow setting: true lets every node be re-run after a worker failure (at-least-once)."""


def is_pure(node_type: str, supplied: Mapping[str, Sequence[Any]] | None = None) -> bool:
    """True when running a node of `node_type` twice has no effect outside its outputs.

    A node with sub-nodes attached (an agent with a model and tools) is never pure: the
    sub-nodes call out.
    """
    if supplied and any(supplied.values()):
        return False
    definition = default_registry().definition(node_type)
    return definition is not None and definition.pure  # the node says so; else at most once


def not_rerunnable(specs: Sequence[NodeRunSpec]) -> list[str]:
    """The segment's nodes that must not run twice (none when the workflow opts in)."""
    if specs and opted_in(specs[0].info.settings):
        return []
    return [s.node.name for s in specs if not is_pure(s.node.type, s.supplied)]


def segment_retries(specs: Sequence[NodeRunSpec]) -> int:
    """Ray `max_retries` for a segment: WORKER_RETRIES when every node may run again."""
    return 0 if not specs or not_rerunnable(specs) else WORKER_RETRIES


def opted_in(settings: Mapping[str, Any]) -> bool:
    """The workflow lets every node run again after a failure (at-least-once)."""
    return settings.get(RETRY_SETTING) is True


def interrupted_message(node: str) -> str:
    """The error of a side-effecting node that was running when its server stopped."""
    return (
        f"node {node!r} was running when its server stopped; it may have side effects, so "
        f"it is not run again automatically (at-most-once). Set the workflow setting "
        f"{RETRY_SETTING} to true to allow re-running it"
    )


def worker_lost_message(nodes: Sequence[str], blocking: Sequence[str], cause: str) -> str:
    """The error an execution reports when a segment's worker died for good.

    `blocking`: the nodes that kept Ray from re-running the segment (none: retries ran out).
    """
    names = ", ".join(repr(n) for n in nodes)
    label = "node" if len(nodes) == 1 else "nodes"
    if not blocking:
        return f"the Ray worker running {label} {names} died {WORKER_RETRIES + 1} times ({cause})"
    culprits = ", ".join(repr(n) for n in blocking)
    return (
        f"the Ray worker running {label} {names} died ({cause}); node {culprits} may have "
        f"side effects, so it is not run again automatically (at-most-once). Set the "
        f"workflow setting {RETRY_SETTING} to true to allow re-running it"
    )
