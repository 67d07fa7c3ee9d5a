"""Convert Currency: a money field times a rate, rounded half-up to the currency's cents."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from hetumind.items import ItemBatch
from hetumind.nodes import ItemInputError, Node, NodeContext, NodeParams, map_items, node


class ConvertCurrencyParams(NodeParams):
    amountField: str = "amount"
    rate: float | str = 1.0
    """Units of the target currency per unit of the source; may be an expression."""
    targetField: str = "converted"
    decimals: int = 2


def _decimal(value: Any, what: str) -> Decimal:
    # bool is an int in Python; a money field holding true/false is an input error.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ItemInputError(f"{what} must be a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ItemInputError(f"{what} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise ItemInputError(f"{what} must be a finite number, got {value!r}")
    return number


@node(
    "exampleConvertCurrency",
    versions=[1],
    display_name="Convert Currency (example plugin)",
    description="Multiplies a money field by a rate and rounds to cents.",
    n8n=False,
    params=ConvertCurrencyParams,
    pure=True,
    item_wise=True,
    reads_named_fields=True,
)
class ConvertCurrency(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        field = str(ctx.param("amountField", 0, "amount"))
        target = str(ctx.param("targetField", 0, "converted"))
        decimals = int(ctx.param("decimals", 0, 2))
        if not 0 <= decimals <= 8:
            raise ItemInputError(f"parameter 'decimals' must be 0 to 8, got {decimals}")
        quantum = Decimal(1).scaleb(-decimals)

        def convert(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], None]:
            if field not in row:
                raise ItemInputError(f"the item has no field {field!r} (parameter 'amountField')")
            amount = _decimal(row[field], f"field {field!r}")
            rate = _decimal(ctx.param("rate", i, 1.0), "parameter 'rate'")
            converted = (amount * rate).quantize(quantum, rounding=ROUND_HALF_UP)
            return {**row, target: float(converted)}, None

        return [map_items(ctx, inputs[0], convert)]
