"""The built-ins' name for the shared item-wise runner (hetumind.nodes.item_wise)."""

from hetumind.nodes.item_wise import ItemInputError, ItemStep, map_items

__all__ = ["ItemInputError", "ItemStep", "map_items"]
