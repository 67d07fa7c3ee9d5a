"""What a sub-workflow needs to know about the node run that calls it."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hetumind.capabilities import Capabilities, capabilities_of
from hetumind.execution_services import Services
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
    capabilities: Capabilities = field(default_factory=Capabilities.local)
    """What the caller's execution may reach: the callee may reach no more."""
    services: Services = field(default_factory=Services)
    """The caller's execution's services (blob store, credentials): the callee's too."""


def caller_of(ctx: NodeContext) -> Caller:
    facts = ctx.execution
    env = _top_env.get()
    capabilities = capabilities_of(ctx)
    if env is None and not getattr(facts, "env", None):  # $env blocked: the store only
        env = dict(capabilities.store_env)
    # env and credentials are the engine's ExecutionInfo extras beyond the public
    # ExecutionFacts; another context (a test's fake) simply passes none on.
    return Caller(
        ctx.node_name,
        facts.execution_id,
        facts.workflow_id,
        getattr(facts, "env", {}) if env is None else env,
        getattr(facts, "credentials", {}),
        capabilities,
        getattr(facts, "services", None) or Services(),
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
    return str(ctx.execution.mode or "manual")
