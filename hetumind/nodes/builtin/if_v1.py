"""If 1 and Filter 1: conditions grouped by data type, combined with all/any (AND/OR).

Their parameters look like `{"conditions": {"number": [{"value1", "operation", "value2"}],
"string": [...], "boolean": [...], "dateTime": [...]}, "combineOperation": "all"}` (Filter 1
names the switch `combineConditions` with `AND` / `OR`). Conditions are checked type by type
in n8n's order (boolean, dateTime, number, string) and stop at the first that decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.builtin._legacy_compare import LegacyCompareError, compare, to_epoch_ms

__all__ = ["split_v1"]

_DATA_TYPES = ("boolean", "dateTime", "number", "string")
_DEFAULTS: dict[str, tuple[Any, str, Any]] = {
    # value1, operation, value2 as n8n's node description defaults them
    "boolean": (False, "equal", False),
    "dateTime": ("", "after", ""),
    "number": (0, "smaller", 0),
    "string": ("", "equal", ""),
}


def _matches(ctx: NodeContext, i: int, need_all: bool) -> bool:
    for data_type in _DATA_TYPES:
        entries = ctx.param(f"conditions.{data_type}", i, []) or []
        v1_default, op_default, v2_default = _DEFAULTS[data_type]
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, Mapping):
                continue
            value1 = entry.get("value1", v1_default)
            value2 = entry.get("value2", v2_default)
            operation = str(entry.get("operation", op_default))
            if data_type == "dateTime":
                value1, value2 = to_epoch_ms(value1), to_epoch_ms(value2)
            # n8n looks every operation up in one table, whatever the data type offers
            result = compare(operation, value1, value2)
            if result and not need_all:
                return True
            if not result and need_all:
                return False
    return need_all


def split_v1(
    ctx: NodeContext, batch: ItemBatch, combine_param: str, all_value: str
) -> tuple[list[int], list[int]]:
    """Item indexes that pass and that fail; an uncomparable value fails the node."""
    passed: list[int] = []
    failed: list[int] = []
    for i in range(len(batch)):
        need_all = ctx.param(combine_param, i, all_value) == all_value
        try:
            (passed if _matches(ctx, i, need_all) else failed).append(i)
        except LegacyCompareError as exc:
            raise NodeExecutionError(exc.message, node=ctx.node_name, item_index=i) from None
    return passed, failed
