"""What a sub-workflow needs to know about the node run that calls it."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hetumind.nodes.api import NodeContext

__all__ = ["Caller", "caller_of", "execution_mode", "inherited"]

# A sub-execution's own $env is its process's (a Ray worker's), not the environment of the
# execution at the top, whose store settings nested calls must keep using.
_top_env: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "subworkflow_env", default=None
)


@dataclass(frozen=True)
class Caller:
    """The calling node, its execution and workflow, and what the callee inherits: the
    execution's environment (which store) and its pre-resolved credentials."""

    node: str
    execution_id: str | None = None
    workflow_id: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    credentials: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _info(ctx: NodeContext) -> Any:
    # The engine's context exposes its ExecutionInfo; the NodeContext protocol does not
    # (yet), so other contexts (tests' fakes) simply give no execution facts.
    return getattr(ctx, "info", None)


def caller_of(ctx: NodeContext) -> Caller:
    info = _info(ctx)
    if info is None:
        return Caller(ctx.node_name)
    env = _top_env.get()
    return Caller(
        ctx.node_name,
        info.execution_id,
        info.workflow_id,
        info.env if env is None else env,
        getattr(info, "credentials", {}),
    )


@contextmanager
def inherited(caller: Caller) -> Iterator[None]:
    """While a sub-execution runs (in this thread), calls it makes see `caller`'s env."""
    token = _top_env.set(caller.env)
    try:
        yield
    finally:
        _top_env.reset(token)


def execution_mode(ctx: NodeContext) -> str:
    """The execution's mode (manual, webhook, integrated, error, ...); manual if unknown."""
    info = _info(ctx)
    return str(getattr(info, "mode", "manual"))
