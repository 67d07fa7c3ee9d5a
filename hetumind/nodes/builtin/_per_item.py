"""An alias of the shared item-wise runner, hetumind.nodes.item_wise (one runner, not two).

Only the Date & Time modules still import it, until their rewrite onto the Luxon package
imports hetumind.nodes.item_wise; tests/nodes/test_no_own_on_error.py keeps it that way.
"""

from hetumind.nodes.item_wise import ItemInputError, ItemStep, map_items

__all__ = ["ItemInputError", "ItemStep", "map_items"]
