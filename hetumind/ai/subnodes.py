"""How a root AI node gets working objects (model, tools, memory, parser) from its
sub-nodes: each sub-node type implements `supply(view)`, and its root calls `supplied`.

A sub-node's parameters are evaluated in its root's context (the root's input items),
as n8n does, through `SubNodeView.param`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hetumind.ai.errors import AIConfigError
from hetumind.credentials import resolve_credential
from hetumind.nodes.api import NodeContext, SubNode

__all__ = ["SubNodeView", "Supplier", "require_one", "supplied"]

_MISSING = object()


@dataclass(frozen=True)
class SubNodeView:
    """A sub-node seen from the root that runs it."""

    ctx: NodeContext
    sub: SubNode
    item_index: int = 0

    @property
    def name(self) -> str:
        return str(self.sub.node.name)

    def credential(self, credential_type: str) -> dict[str, Any]:
        """The data of the sub-node's `credential_type` credential (hetumind.credentials):
        in a Ray worker, what the server looked up for this execution beforehand."""
        return resolve_credential(
            self.sub.node.credentials,
            credential_type,
            self.ctx.execution.credentials,
            capabilities=getattr(self.ctx.execution, "capabilities", None),
            node=self.name,
        )

    @property
    def raw_parameters(self) -> dict[str, Any]:
        return dict(self.sub.node.parameters)

    def param(self, path: str, default: Any = None) -> Any:
        """Parameter at dotted `path`, expressions evaluated for the root's item."""
        value: Any = self.sub.node.parameters
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return self.ctx.evaluate(value, self.item_index, f"{self.name}.{path}")

    def supplied(self, kind: str) -> list[Any]:
        return _build(self.ctx, self.sub.supplied.get(kind, ()), kind, self.item_index)


class Supplier(Protocol):
    """A sub-node class: builds what it supplies (a ChatModel, a Tool, ...)."""

    def supply(self, view: SubNodeView) -> Any: ...


def _build(ctx: NodeContext, subs: Sequence[SubNode], kind: str, item_index: int) -> list[Any]:
    from hetumind.nodes.registry import default_registry

    objects = []
    for sub in subs:
        if sub.node.disabled:
            continue
        cls = default_registry().get(sub.node.type)
        supply = getattr(cls, "supply", None) if cls is not None else None
        if cls is None or supply is None:
            raise AIConfigError(f"sub-node {sub.node.name!r} cannot supply {kind!r}")
        made = cls().supply(SubNodeView(ctx, sub, item_index))  # type: ignore[attr-defined]
        # a toolkit (MCP Client Tool) supplies several tools: a list, flattened here
        if isinstance(made, list):
            objects.extend(made)
        else:
            objects.append(made)
    return objects


def supplied(ctx: NodeContext, kind: str, item_index: int = 0) -> list[Any]:
    """What the sub-nodes connected on `kind` supply, in connection order."""
    return _build(ctx, ctx.supplied(kind), kind, item_index)


def require_one(ctx: NodeContext, kind: str, what: str, item_index: int = 0) -> Any:
    """The one object supplied on `kind`; a clear error when none is connected."""
    objects = supplied(ctx, kind, item_index)
    if not objects:
        raise AIConfigError(f"node {ctx.node_name!r} needs a {what} connected on {kind!r}")
    return objects[0]
