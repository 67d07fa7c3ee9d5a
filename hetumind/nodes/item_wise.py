"""The shared runner of item-wise nodes: their loop over items and their onError.

`map_items` is their loop: it pairs each output to its input and applies onError
(stop, continueRegularOutput, continueErrorOutput), so that a node, built-in or from a
plugin package, only says how one item becomes another.

`flat_map_items` is the loop of nodes where an item becomes a list of items (json only,
possibly none); `for_each_item` the loop of nodes whose items carry binary data: the step
adds what it makes to an `Output`, which keeps each item's pairing.

Nodes whose loop is none of these (several outputs, requests sent together) still take
their onError decision here: `item_error` for one failed item, `batch_error` when the
whole batch fails at once. Both answer n8n's continue-on-fail shape, `{"error": message}`;
the engine then routes such items to the error output (continueErrorOutput) or keeps
them (continueRegularOutput), and for onError stopWorkflow they raise an error naming
node and item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext

__all__ = [
    "ItemInputError",
    "ItemStep",
    "Output",
    "batch_error",
    "failure_message",
    "flat_map_items",
    "for_each_item",
    "item_error",
    "map_items",
]


class ItemInputError(ValueError):
    """One item cannot be processed; the message names the parameter and why."""


ItemStep = Callable[[int, dict[str, Any]], tuple[dict[str, Any], dict[str, Any] | None]]
"""(item index, item json) -> the output item's json and binary."""


def map_items(
    ctx: NodeContext,
    batch: ItemBatch,
    step: ItemStep,
    *,
    failures: tuple[type[BaseException], ...] = (ItemInputError, HetumindError),
    describe: Callable[[BaseException], str] | None = None,
) -> ItemBatch:
    """`step` applied to every item of `batch`, each output paired to its input.

    An item whose step raises one of `failures` (ItemInputError, HetumindError) stops the
    node with an error naming node, item and cause (`describe(exc)`, a library error's own
    message by default), or (onError continue*) becomes `{"error": message}`.
    """
    told = describe or failure_message
    rows: list[dict[str, Any]] = []
    binary: list[dict[str, Any] | None] = []
    for i, row in enumerate(batch.to_json()):
        try:
            out, out_binary = step(i, row)
        except failures as exc:
            out, out_binary = item_error(ctx, i, told(exc)), None
        rows.append(out)
        binary.append(out_binary)
    return ItemBatch.from_json(rows, binary=binary).with_identity_pairing()


def item_error(
    ctx: NodeContext, index: int | None, message: str, *, stop: BaseException | None = None
) -> dict[str, Any]:
    """The onError decision for item `index` that failed with `message`.

    onError stopWorkflow: raises `stop` when given (a node that keeps n8n's own error, an
    API error with its HTTP details), else a NodeExecutionError naming node and item.
    Otherwise the failed item's json, `{"error": message}`, which the caller pairs to
    item `index`.
    """
    if not ctx.continue_on_fail:
        if stop is not None:
            raise stop
        raise NodeExecutionError(message, node=ctx.node_name, item_index=index) from None
    return {"error": message}


def batch_error(
    ctx: NodeContext,
    message: str,
    *,
    items: int = 1,
    paired: bool = True,
    stop: BaseException | None = None,
) -> ItemBatch:
    """The onError decision for a node whose whole batch fails at once (a connection that
    cannot open, a script over all items).

    onError stopWorkflow: raises `stop` when given, else a NodeExecutionError naming the
    node. Otherwise `items` error items, each paired to the input item of its index
    (`paired=False`: unpaired, as n8n's Code node answers).
    """
    if not ctx.continue_on_fail:
        if stop is not None:
            raise stop
        raise NodeExecutionError(message, node=ctx.node_name) from None
    rows = [{"error": message} for _ in range(items)]
    return ItemBatch.from_json(rows, paired=list(range(items)) if paired else None)


def failure_message(exc: BaseException) -> str:
    """How an item's failure is told: a library error's own message, else its text."""
    return exc.message if isinstance(exc, HetumindError) else str(exc)


class Output:
    """Output items collected item by item: json rows, binaries, and the input they pair to.

    Whole Arrow batches (a parquet file's rows) join as they are, without a trip through
    Python dicts.
    """

    def __init__(self) -> None:
        self._parts: list[ItemBatch] = []
        self._rows: list[dict[str, Any]] = []
        self._binary: list[dict[str, Any] | None] = []
        self._paired: list[int] = []

    def add(self, row: dict[str, Any], binary: dict[str, Any] | None, paired: int) -> None:
        self._rows.append(row)
        self._binary.append(binary or None)
        self._paired.append(paired)

    def add_batch(self, batch: ItemBatch, paired: int) -> None:
        self._flush()
        pairing = pa.array([paired] * len(batch), pa.int64())
        self._parts.append(batch.with_pairing(pairing))

    def fail(self, message: str, paired: int) -> None:
        self.add({"error": message}, None, paired)

    def _flush(self) -> None:
        if self._rows:
            self._parts.append(
                ItemBatch.from_json(self._rows, binary=self._binary, paired=self._paired)
            )
            self._rows, self._binary, self._paired = [], [], []

    def batch(self) -> ItemBatch:
        self._flush()
        return ItemBatch.concat(self._parts)


def for_each_item(
    ctx: NodeContext,
    count: int,
    out: Output,
    step: Callable[[int], None],
    *,
    failures: tuple[type[BaseException], ...] = (ItemInputError, HetumindError),
    describe: Callable[[BaseException], str] = failure_message,
) -> None:
    """Run `step(i)` for every input item; the step adds its items to `out`. An item whose
    step raises one of `failures` stops the node with an error naming node, item and cause
    (`describe(exc)`), or (onError continue*) becomes an `{"error": ...}` item paired to it."""
    for i in range(count):
        try:
            step(i)
        except failures as exc:
            out.add(item_error(ctx, i, describe(exc)), None, i)


RowsStep = Callable[[int], list[dict[str, Any]]]
"""(item index) -> the json of the items it becomes (none, one or several)."""


def flat_map_items(
    ctx: NodeContext,
    count: int,
    step: RowsStep,
    *,
    failures: tuple[type[BaseException], ...] = (ItemInputError, HetumindError),
    describe: Callable[[BaseException], str] = failure_message,
) -> ItemBatch:
    """`step(i)` for every input item, its items paired to item i. An item whose step
    raises one of `failures` stops the node naming node, item and `describe(exc)`, or
    (onError continue*) becomes one `{"error": ...}` item."""
    rows: list[dict[str, Any]] = []
    paired: list[int] = []
    for i in range(count):
        try:
            produced = step(i)
        except failures as exc:
            produced = [item_error(ctx, i, describe(exc))]
        rows.extend(produced)
        paired.extend([i] * len(produced))
    return ItemBatch.from_json(rows, paired=paired)
