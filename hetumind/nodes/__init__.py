"""Node API, registry and built-in nodes."""

from hetumind.nodes.api import (
    ENGINE_API_VERSION,
    Expr,
    Node,
    NodeContext,
    NodeDefinition,
    NodeParams,
    node,
)
from hetumind.nodes.registry import NodeRegistry, default_registry

__all__ = [
    "ENGINE_API_VERSION",
    "Expr",
    "Node",
    "NodeContext",
    "NodeDefinition",
    "NodeParams",
    "NodeRegistry",
    "default_registry",
    "node",
]
