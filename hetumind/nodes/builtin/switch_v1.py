"""Switch 1 and 2: one `value1` of a `dataType` compared with each rule's `value2`.

Switch 1 has four fixed outputs and each rule names its `output`; Switch 2 has one output
per rule (or `outputsAmount` in expression mode) and sends a match to the rule's own
position. An item goes to its first matching rule, else to `fallbackOutput` (-1: nowhere).
With continue-on-fail a failing item becomes `{"error": message}` on output 0, unpaired.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.expressions.values import to_number, to_string
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.builtin._legacy_compare import compare, to_epoch_ms
from hetumind.nodes.item_wise import item_error

__all__ = ["is_legacy_switch", "legacy_output_count", "run_switch_v1"]

_V1_OUTPUTS = 4
_SWITCH_OPS = frozenset(
    {
        "after",
        "before",
        "contains",
        "notContains",
        "endsWith",
        "notEndsWith",
        "equal",
        "notEqual",
        "larger",
        "largerEqual",
        "smaller",
        "smallerEqual",
        "startsWith",
        "notStartsWith",
        "regex",
        "notRegex",
    }
)
_DEFAULT_OPERATION = {"boolean": "equal", "dateTime": "after", "number": "smaller"}
_DEFAULT_VALUE = {"boolean": False, "dateTime": "", "number": 0, "string": ""}


def _rules(parameters: Mapping[str, Any]) -> list[Any] | None:
    rules = parameters.get("rules")
    if isinstance(rules, Mapping) and isinstance(rules.get("rules"), list):
        return list(rules["rules"])
    return None


def is_legacy_switch(parameters: Mapping[str, Any]) -> bool:
    """Whether the parameters have Switch 1/2's shape (`rules.rules`, `dataType`, ...)."""
    if _rules(parameters) is not None:
        return True
    return any(k in parameters for k in ("dataType", "value1", "outputsAmount")) or isinstance(
        parameters.get("fallbackOutput"), int
    )


def legacy_output_count(parameters: Mapping[str, Any]) -> int:
    """Outputs of a Switch 1/2 instance, told apart by shape: the port count is read from
    the parameters alone. Switch 2's rules carry `outputKey`, Switch 1's an `output`;
    without either, four outputs (Switch 1's) cover both."""
    rules = _rules(parameters) or []
    if parameters.get("mode") == "expression":
        amount = parameters.get("outputsAmount")
        return int(amount) if isinstance(amount, int) and amount > 0 else _V1_OUTPUTS
    if any(isinstance(r, Mapping) and "outputKey" in r for r in rules):
        return max(1, len(rules))
    return max(_V1_OUTPUTS, len(rules))


def _index(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    number = to_number(value)
    if number != number or number != int(number):
        return None
    return int(number)


def _check_range(value: Any, outputs: int) -> int:
    index = _index(value)
    if index is None or not 0 <= index < outputs:
        raise HetumindError(
            f"The ouput {to_string(value)} is not allowed. "
            f"It has to be between 0 and {outputs - 1}!"
        )
    return index


def _route(ctx: NodeContext, i: int, outputs: int, version: float) -> int | None:
    mode = ctx.param("mode", i, "rules")
    if mode == "expression":
        return _check_range(ctx.param("output", i, 0), outputs)
    if mode != "rules":
        return None
    data_type = str(ctx.param("dataType", 0, "number"))
    value1 = ctx.param("value1", i, _DEFAULT_VALUE.get(data_type, ""))
    if data_type == "dateTime":
        value1 = to_epoch_ms(value1)
    rules = ctx.param("rules.rules", i, []) or []
    for position, rule in enumerate(rules if isinstance(rules, list) else []):
        rule = rule if isinstance(rule, Mapping) else {}
        value2 = rule.get("value2", _DEFAULT_VALUE.get(data_type, ""))
        if data_type == "dateTime":
            value2 = to_epoch_ms(value2)
        operation = str(rule.get("operation", _DEFAULT_OPERATION.get(data_type, "equal")))
        if compare(operation, value1, value2, _SWITCH_OPS, entry="ruleData"):
            if version < 2:
                return _check_range(rule.get("output", 0), outputs)
            # Switch 2 checks `rule.output` (always absent) and routes by position.
            return position
    fallback = ctx.param("fallbackOutput", i, -1)
    if _index(fallback) == -1:
        return None
    return _check_range(fallback, outputs)


def run_switch_v1(ctx: NodeContext, batch: ItemBatch) -> list[ItemBatch]:
    version = ctx.type_version
    n = len(batch)
    if version < 2:
        outputs = _V1_OUTPUTS
    elif ctx.param("mode", 0, "rules") == "expression":
        outputs = max(0, _index(ctx.param("outputsAmount", 0, 4)) or 0)
    else:
        rules = ctx.param("rules.rules", 0, []) or []
        outputs = len(rules) if isinstance(rules, list) else 0
    # Output 0 may mix routed items and error items, in item order as n8n pushes them.
    buckets: list[list[int | str]] = [[] for _ in range(outputs)]
    for i in range(n):
        try:
            target = _route(ctx, i, outputs, version)
        except HetumindError as exc:
            if not buckets:  # no output to carry the error item: it stops the node
                raise NodeExecutionError(exc.message, node=ctx.node_name, item_index=i) from None
            buckets[0].append(item_error(ctx, i, exc.message)["error"])
            continue
        if target is not None:
            buckets[target].append(i)
    return [_emit(batch, entries) for entries in buckets] or [ItemBatch.empty()]


def _emit(batch: ItemBatch, entries: list[int | str]) -> ItemBatch:
    parts: list[ItemBatch] = []
    run: list[int] = []
    for entry in entries:
        if isinstance(entry, int):
            run.append(entry)
            continue
        if run:
            parts.append(batch.take(run).with_pairing(run))
            run = []
        parts.append(ItemBatch.from_json([{"error": entry}], paired=[None]))
    if run:
        parts.append(batch.take(run).with_pairing(run))
    return ItemBatch.concat(parts) if parts else ItemBatch.empty()
