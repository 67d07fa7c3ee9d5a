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
from hetumind.nodes.item_wise import ItemInputError, map_items
from hetumind.nodes.registry import NodeRegistry, default_registry

__all__ = [
    "ENGINE_API_VERSION",
    "Expr",
    "ItemInputError",
    "Node",
    "NodeContext",
    "NodeDefinition",
    "NodeParams",
    "NodeRegistry",
    "default_registry",
    "map_items",
    "node",
]
