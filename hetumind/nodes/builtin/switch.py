"""Switch 3.x: route items to outputs by rules (filter conditions) or by an output index.

Switch 1 and 2 live in switch_v1.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.errors import HetumindError
from hetumind.expressions.values import to_number, to_string
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.conditions import constant_mask, evaluate_filter, filter_options
from hetumind.nodes.builtin.switch_v1 import is_legacy_switch, legacy_output_count, run_switch_v1
from hetumind.nodes.item_wise import item_error

__all__ = ["Switch", "switch_output_count"]


def _rules(parameters: Mapping[str, Any]) -> list[Any]:
    rules = parameters.get("rules")
    values = rules.get("values") if isinstance(rules, Mapping) else None
    return list(values) if isinstance(values, list) else []


def switch_output_count(parameters: Mapping[str, Any]) -> int:
    """n8n's configuredOutputs: one per rule (+ fallback "extra"), or numberOutputs."""
    if is_legacy_switch(parameters):
        return legacy_output_count(parameters)
    if parameters.get("mode") == "expression":
        count = parameters.get("numberOutputs", 4)
        return int(count) if isinstance(count, int | float) and not isinstance(count, bool) else 4
    options = parameters.get("options")
    extra = isinstance(options, Mapping) and options.get("fallbackOutput") == "extra"
    return max(1, len(_rules(parameters)) + (1 if extra else 0))


class SwitchParams(NodeParams):
    mode: str = "rules"
    numberOutputs: int | str = 4
    output: Any = None
    rules: dict[str, Any] = {}
    looseTypeValidation: bool | str = False
    options: dict[str, Any] = {}


@node(
    "switch",
    versions=[1, 2, 3, 3.1, 3.2, 3.3, 3.4],
    display_name="Switch",
    outputs=switch_output_count,
    params=SwitchParams,
    pure=True,
    item_wise=True,
)
class Switch(Node):
    """Routes each item to the output of the first matching rule (or of every match)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if ctx.type_version < 3:
            return run_switch_v1(ctx, batch)
        if ctx.param("mode", 0, "rules") == "expression":
            return self._by_expression(ctx, batch)
        return self._by_rules(ctx, batch)

    # mode: expression ------------------------------------------------------------------
    def _by_expression(self, ctx: NodeContext, batch: ItemBatch) -> list[ItemBatch]:
        n = len(batch)
        if not n:
            return [ItemBatch.empty()]
        count = to_number(ctx.param("numberOutputs", 0, 4))
        outputs = int(count) if count == count else 0
        raw = ctx.raw_parameters.get("output")
        values = ctx.evaluate_column(raw, "output", batch)
        targets = values.to_pylist() if isinstance(values, pa.Array | pa.ChunkedArray) else values
        buckets: list[list[int]] = [[] for _ in range(outputs)]
        errors: list[tuple[int, str]] = []
        for i, value in enumerate(targets):
            try:
                buckets[_output_index(value, outputs, i)].append(i)
            except HetumindError as exc:
                errors.append((i, item_error(ctx, i, exc.message)["error"]))
        return _emit(batch, buckets, errors)

    # mode: rules -----------------------------------------------------------------------
    def _by_rules(self, ctx: NodeContext, batch: ItemBatch) -> list[ItemBatch]:
        rules = _rules(ctx.raw_parameters)
        n = len(batch)
        if not rules or not n:
            return [ItemBatch.empty()]
        options = ctx.param("options", 0, {}) or {}
        options = options if isinstance(options, Mapping) else {}
        fallback = options.get("fallbackOutput", "none")
        all_matching = bool(options.get("allMatchingOutputs", False))
        outputs = len(rules) + (1 if fallback == "extra" else 0)
        buckets_mask: list[pa.BooleanArray] = []
        unmatched = constant_mask(True, n)
        errors: dict[int, str] = {}
        for r, rule in enumerate(rules):
            raw_filter = rule.get("conditions") if isinstance(rule, Mapping) else None
            # As in If: the options saved inside each rule's conditions decide.
            fopts = filter_options(raw_filter or {})
            outcome = evaluate_filter(
                ctx, batch, raw_filter or {}, f"rules.values.{r}.conditions", fopts
            )
            # An item stops at its first matching rule unless all matches are wanted; a
            # rule it never reaches cannot fail it.
            reached = unmatched if not all_matching else constant_mask(True, n)
            for i, msg in outcome.errors.items():
                if reached[i].as_py() and i not in errors:
                    errors[i] = msg
            hit = pc.and_(outcome.passed, reached)
            buckets_mask.append(hit)
            unmatched = pc.and_(unmatched, pc.invert(outcome.passed))
        if errors:
            index = min(errors)  # onError stopWorkflow stops at the first failed item
            item_error(ctx, index, errors[index])
        if errors:
            failed = pa.array([i in errors for i in range(n)], pa.bool_())
            buckets_mask = [pc.and_(m, pc.invert(failed)) for m in buckets_mask]
            unmatched = pc.and_(unmatched, pc.invert(failed))
        if fallback not in (None, "none", "extra") and pc.any(unmatched).as_py():
            target = _fallback_index(fallback, outputs)
            if target is None:
                msg = f"The ouput {fallback} is not allowed"
                extra = pc.indices_nonzero(unmatched).to_pylist()
                item_error(ctx, extra[0], msg)
                errors.update({i: msg for i in extra})
            else:
                buckets_mask[target] = pc.or_(buckets_mask[target], unmatched)
        buckets: list[Any] = [pc.indices_nonzero(m) for m in buckets_mask]
        if fallback == "extra":
            buckets.append(pc.indices_nonzero(unmatched))
        return _emit(batch, buckets, sorted(errors.items()))


def _fallback_index(value: Any, outputs: int) -> int | None:
    num = to_number(value)
    if num != num or num != int(num) or not 0 <= int(num) < outputs:
        return None
    return int(num)


def _output_index(value: Any, outputs: int, item_index: int) -> int:
    num = to_number(value) if value is not None else float("nan")
    if isinstance(value, dict | list) or num != num:
        raise HetumindError(f"Invalid input for 'Output Index' [item {item_index}]")
    if num == outputs:
        raise HetumindError(f"The ouput {to_string(num)} is not allowed. ")
    if num < 0 or num > outputs or num != int(num):
        raise HetumindError(f"The ouput {to_string(num)} is not allowed")
    return int(num)


def _emit(batch: ItemBatch, buckets: list[Any], errors: list[tuple[int, str]]) -> list[ItemBatch]:
    out = [batch.take(idx).with_pairing(idx) if len(idx) else ItemBatch.empty() for idx in buckets]
    if errors and out:
        # n8n (continue on fail) puts {"error": message} on output 0 for a failing item.
        failed = ItemBatch.from_json(
            [{"error": msg} for _, msg in errors], paired=[i for i, _ in errors]
        )
        out[0] = ItemBatch.concat([out[0], failed]) if len(out[0]) else failed
    return out or [ItemBatch.empty()]
