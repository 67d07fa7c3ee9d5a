"""Merge 1 (append, mergeByIndex, mergeByKey, keep/removeKeyMatches, multiplex,
passThrough, wait) and Merge 2/2.1 (append, combine by fields / position / multiplex,
chooseBranch). Both always have two inputs.

Merge 2's combine modes are Merge 3's with other parameter names, so they reuse merge.py's
functions; what differs (2.0's check that every match field exists somewhere, merging by
position with an empty input) is handled here.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.expressions.values import js_typeof
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.builtin._fields import MISSING, get_path, js_string
from hetumind.nodes.builtin.merge import (
    MergeParams,
    PortItem,
    _combine_all,
    _combine_by_fields,
    _combine_by_position,
    check_field_pairs,
    field_pairs,
    merge_options,
    port_batch,
    port_items,
)

__all__ = ["run_merge_v1", "run_merge_v2"]


def _two(inputs: Sequence[ItemBatch]) -> list[Any]:
    ports = [port_items(b, port) for port, b in enumerate(inputs[:2])]
    while len(ports) < 2:
        ports.append([])
    return ports


def _batch(items: Sequence[Any]) -> ItemBatch:

    return port_batch(items) if items else ItemBatch.empty()


# -- Merge 1 ------------------------------------------------------------------------------


def _by_index(join: str, in1: list[Any], in2: list[Any]) -> list[Any]:

    if not in1:
        return [] if join in ("inner", "left") else in2
    if not in2:
        return in1 if join in ("left", "outer") else []
    count = len(in1)
    if join == "inner":
        count = min(len(in1), len(in2))
    elif join == "outer":
        count = max(len(in1), len(in2))
    out = []
    for i in range(count):
        if i >= len(in1):
            out.append(in2[i])
        elif i >= len(in2):
            out.append(in1[i])
        else:
            a, b = in1[i], in2[i]
            binary = {**(a.binary or {}), **(b.binary or {})} or None
            out.append(PortItem({**a.json, **b.json}, binary, a.index, a.port))
    return out


def _key(value: Any) -> str | None:
    """The property name `copyData[value]` uses, or None for a value n8n skips."""
    if value is MISSING:
        return None
    if isinstance(value, str) or js_typeof(value) == "number":
        return js_string(value)
    if value is None:
        return "null"
    return None  # booleans, objects and arrays are not comparable keys


def _by_key(ctx: NodeContext, mode: str, in1: list[Any], in2: list[Any]) -> list[Any]:

    name1 = ctx.param("propertyName1", 0, "") or ""
    name2 = ctx.param("propertyName2", 0, "") or ""
    overwrite = ctx.param("overwrite", 0, "always")
    if not in2 or not name1 or not name2:
        return [] if mode == "keepKeyMatches" else in1
    lookup: dict[str, Any] = {}
    for entry in in2:
        value = get_path(entry.json, str(name2))
        if value is MISSING or (value in (None, "", 0, False) and not isinstance(value, list)):
            continue  # n8n skips a falsy key
        lookup[js_string(value)] = entry
    out = []
    for entry in in1:
        key = _key(get_path(entry.json, str(name1)))
        match = lookup.get(key) if key is not None else None
        if match is None:
            if mode == "removeKeyMatches" or (mode == "mergeByKey" and key is not None):
                out.append(entry)
            continue
        if mode == "keepKeyMatches":
            out.append(entry)
        elif mode == "mergeByKey":
            merged = copy.deepcopy(entry.json)
            for k, v in match.json.items():
                if k == name2:
                    continue
                if (
                    overwrite == "always"
                    or (overwrite == "undefined" and k not in merged)
                    or (overwrite == "blank" and merged.get(k) in (None, ""))
                ):
                    merged[k] = copy.deepcopy(v)
            out.append(PortItem(merged, entry.binary, entry.index, entry.port))
    return out


def run_merge_v1(ctx: NodeContext, inputs: Sequence[ItemBatch]) -> ItemBatch:

    in1, in2 = _two(inputs)
    mode = ctx.param("mode", 0, "append")
    if mode == "append":
        return _batch([*in1, *in2])
    if mode == "mergeByIndex":
        return _batch(_by_index(str(ctx.param("join", 0, "left")), in1, in2))
    if mode == "multiplex":
        return _batch(
            [PortItem({**a.json, **b.json}, None, a.index, a.port) for a in in1 for b in in2]
        )
    if mode in ("keepKeyMatches", "mergeByKey", "removeKeyMatches"):
        return _batch(_by_key(ctx, str(mode), in1, in2))
    if mode == "passThrough":
        return _batch(in1 if ctx.param("output", 0, "input1") == "input1" else in2)
    if mode == "wait":
        return ItemBatch.from_json([{}], paired=[0 if in1 else None])
    return ItemBatch.empty()


# -- Merge 2 ------------------------------------------------------------------------------


def _check_fields_present(
    items: list[Any], fields: list[str], disable_dot: bool, label: str, node: str
) -> None:
    for field in fields:
        if not any(get_path(it.json, field, disable_dot) is not MISSING for it in items):
            raise NodeExecutionError(
                f"Field '{field}' is not present in any of items in '{label}'", node=node
            )


def _by_position_v2(ctx: NodeContext, in1: list[Any], in2: list[Any]) -> list[Any]:

    if not in1 or not in2:
        return [*in1, *in2]
    return _combine_by_position(ctx, [in1, in2])


def run_merge_v2(ctx: NodeContext, inputs: Sequence[ItemBatch]) -> ItemBatch:

    in1, in2 = _two(inputs)
    mode = ctx.param("mode", 0, "append")
    if mode == "append":
        return _batch([*in1, *in2])
    if mode == "chooseBranch":
        output = ctx.param("output", 0, "input1")
        if output == "input1":
            return _batch(in1)
        if output == "input2":
            return _batch(in2)
        return (
            ItemBatch.from_json([{}], paired=[0 if in1 else None])
            if output == "empty"
            else _batch([])
        )
    if mode != "combine":
        return ItemBatch.empty()
    combination = ctx.param("combinationMode", 0, "mergeByFields")
    if combination == "multiplex":
        return _batch(_combine_all(ctx, in1, in2))
    if combination == "mergeByPosition":
        return _batch(_by_position_v2(ctx, in1, in2))
    if combination != "mergeByFields":
        raise NodeExecutionError(f"Unknown Combination Mode '{combination}'", node=ctx.node_name)
    pairs = field_pairs(ctx.param("mergeByFields.values", 0, [{"field1": "", "field2": ""}]))
    check_field_pairs(pairs, ctx.node_name)
    join = str(ctx.param("joinMode", 0, "keepMatches"))
    if ctx.type_version < 2.1:
        disable_dot = bool(merge_options(ctx).get("disableDotNotation"))
        fields1, fields2 = [p[0] for p in pairs], [p[1] for p in pairs]
        _check_fields_present(in1, fields1, disable_dot, "Input 1", ctx.node_name)
        _check_fields_present(in2, fields2, disable_dot, "Input 2", ctx.node_name)
    # Merge 2 shows (so keeps) "Output Data From" only for Keep Matches.
    source = ctx.param("outputDataFrom", 0, "both") if join == "keepMatches" else "both"
    params = MergeParams(
        mode="combine",
        combineBy="combineByFields",
        advanced=True,
        joinMode=join,
        outputDataFrom=str(source),
    )
    return _batch(_combine_by_fields(ctx, params, in1, in2))
