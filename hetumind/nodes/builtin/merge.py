"""Merge (v3.x): append, combine by fields / position / all combinations, choose branch.

Merge 1 and 2.x live in merge_v1.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch, arange
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import MISSING, canonical_key, get_path, js_equal, js_string


class MergeParams(NodeParams):
    mode: str = "append"
    combineBy: str = "combineByFields"
    numberInputs: int = 2
    joinMode: str = "keepMatches"
    outputDataFrom: str = "both"
    fieldsToMatchString: str = ""
    advanced: bool = False
    chooseBranchMode: str = "waitForAll"
    output: str = "specifiedInput"
    useDataOfInput: int = 1


def input_count(parameters: Mapping[str, Any]) -> int:
    """Ports as n8n draws them: `numberInputs` where the mode shows it, else 2."""
    mode = parameters.get("mode", "append")
    combine_by = parameters.get("combineBy", "combineByFields")
    if mode in ("append", "chooseBranch") or (
        mode == "combine" and combine_by == "combineByPosition"
    ):
        try:
            return max(2, int(parameters.get("numberInputs") or 2))
        except (TypeError, ValueError):
            return 2
    return 2


@dataclass
class PortItem:
    """One item of one input port, with where it came from (for pairing)."""

    json: dict[str, Any]
    binary: dict[str, Any] | None
    index: int
    port: int


def port_items(batch: ItemBatch, port: int) -> list[PortItem]:
    """The items of input `port` as json + binary, numbered for pairing."""
    rows = batch.to_json()
    binary = batch.binary or [None] * len(rows)
    return [PortItem(r, b, i, port) for i, (r, b) in enumerate(zip(rows, binary, strict=True))]


def port_batch(items: Sequence[PortItem]) -> ItemBatch:
    """`items` as one output batch, each paired with the input item (and port) it came from."""
    return ItemBatch.from_json(
        [it.json for it in items],
        binary=[it.binary for it in items],
        paired=[it.index for it in items],
        paired_input=[it.port for it in items],
    )


# -- lodash merge / assign ----------------------------------------------------------------

Customizer = Callable[[Any, Any], Any] | None


def _is_empty(v: Any) -> bool:
    return v is MISSING or v is None or (v == "" and isinstance(v, str))


def _merge_into(target: Any, source: Any, custom: bool) -> None:
    """lodash `merge`/`mergeWith` of `source` into `target` (mutates target)."""
    pairs = source.items() if isinstance(source, dict) else enumerate(source)
    for key, src in pairs:
        if isinstance(target, list):
            while len(target) <= key:
                target.append(MISSING)
            obj = target[key]
        else:
            obj = target.get(key, MISSING)
        if custom and _is_empty(src) and obj is not MISSING:
            continue
        if isinstance(src, dict | list):
            if isinstance(src, list):
                new: Any = obj if isinstance(obj, list) else []
            else:
                new = obj if isinstance(obj, dict) else {}
            _merge_into(new, src, custom)
            value = new
        else:
            value = src
        target[key] = value
    if isinstance(target, list):
        for i, v in enumerate(target):
            if v is MISSING:
                target[i] = None


def _deep_merge(custom: bool) -> Callable[..., dict[str, Any]]:
    def merge(*objects: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for obj in objects:
            _merge_into(out, copy.deepcopy(obj) if obj else {}, custom)
        return out

    return merge


def _shallow_merge(custom: bool) -> Callable[..., dict[str, Any]]:
    def assign(*objects: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for obj in objects:
            for k, v in (obj or {}).items():
                if custom and _is_empty(v) and k in out:
                    continue
                out[k] = v
        return out

    return assign


def select_merge(clash: Mapping[str, Any]) -> Callable[..., dict[str, Any]]:
    """n8n's selectMergeMethod: deep (default) or shallow, optionally minimizing empties."""
    custom = bool(clash.get("overrideEmpty"))
    if clash.get("mergeMode") == "shallowMerge":
        return _shallow_merge(custom)
    return _deep_merge(custom and clash.get("mergeMode") == "deepMerge")


def merge_options(ctx: NodeContext) -> Mapping[str, Any]:
    """The node's `options` collection; anything but an object is a clear error."""
    options = ctx.param("options", 0, {}) or {}
    if not isinstance(options, Mapping):
        raise NodeExecutionError("parameter 'options' must be an object", node=ctx.node_name)
    return options


def clash_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """options.clashHandling.values, or {} when unset or not an object."""
    handling = options.get("clashHandling")
    values = handling.get("values") if isinstance(handling, Mapping) else None
    return values if isinstance(values, Mapping) else {}


def field_pairs(raw: Any) -> list[tuple[str, str]]:
    """`mergeByFields.values` as (field1, field2) pairs; entries that are not objects are
    skipped (a list of something else is what no editor writes)."""
    entries = raw if isinstance(raw, list) else []
    return [
        (js_string(p.get("field1", "")), js_string(p.get("field2", "")))
        for p in entries
        if isinstance(p, Mapping)
    ]


def check_field_pairs(pairs: Sequence[tuple[str, str]], node_name: str) -> None:
    """n8n's checks on "Fields to Match" (Merge, Compare Datasets): at least one pair,
    and both fields named in each."""
    if len(pairs) == 1 and pairs[0] == ("", ""):
        raise NodeExecutionError(
            'You need to define at least one pair of fields in "Fields to Match" to match on',
            node=node_name,
        )
    for n, (f1, f2) in enumerate(pairs):
        if f1 == "" or f2 == "":
            raise NodeExecutionError(
                f'You need to define both fields in "Fields to Match" for pair {n + 1}, '
                f"field 1 = '{f1}' field 2 = '{f2}'",
                node=node_name,
            )


def _suffixed(item: PortItem, suffix: str) -> PortItem:
    return PortItem(
        {f"{k}_{suffix}": v for k, v in item.json.items()}, item.binary, item.index, item.port
    )


# -- fuzzy compare (n8n's utilities.fuzzyCompare, version 1) ------------------------------


def _falsy(v: Any) -> bool:
    return v is None or (v == "" and isinstance(v, str)) or (v == [] and isinstance(v, list))


def _js_type(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    if v is MISSING:
        return "undefined"
    return "object"


def fuzzy_equal(a: Any, b: Any) -> bool:
    ta, tb = _js_type(a), _js_type(b)
    if a is not None and b is not None and ta == tb:
        return js_equal(a, b)
    if _falsy(a) and _falsy(b):
        return True
    if (_falsy(a) and b is MISSING) or (a is MISSING and _falsy(b)):
        return True
    if ta == "number" and tb == "string":
        return js_string(a) == b
    if ta == "string" and tb == "number":
        return a == js_string(b)
    for x, y in ((a, b), (b, a)):
        if x is not None and _js_type(x) == "object" and _js_type(y) == "string":
            try:
                return js_equal(json.loads(y), x)
            except ValueError:
                return False
    for x, y in ((a, b), (b, a)):
        tx, ty = _js_type(x), _js_type(y)
        if tx == "boolean" and ty == "string" and y.lower() == ("true" if x else "false"):
            return True
        if tx == "boolean" and ty == "number" and y == (1 if x else 0):
            return True
        if tx == "boolean" and ty == "string" and y == ("1" if x else "0"):
            return True
    return js_equal(a, b)


# -- combine by fields --------------------------------------------------------------------


@dataclass
class _Matches:
    matched: list[tuple[PortItem, list[PortItem]]]
    matched2: list[PortItem]
    unmatched1: list[PortItem]
    unmatched2: list[PortItem]


def _find_matches(
    input1: list[PortItem],
    input2: list[PortItem],
    pairs: list[tuple[str, str]],
    options: Mapping[str, Any],
    split_matches: bool,
) -> _Matches:
    disable_dot = bool(options.get("disableDotNotation", False))
    fuzzy = bool(options.get("fuzzyCompare", False))
    first_only = options.get("multipleMatches", "all") == "first"
    # Like n8n, the lookup is keyed by the input-2 field name (a repeated one overwrites).
    fields2 = list(dict.fromkeys(f2 for _, f2 in pairs))
    values2 = [[get_path(it.json, f, disable_dot) for f in fields2] for it in input2]
    index: dict[tuple[str, ...], list[int]] = {}
    if not fuzzy:
        for j, vals in enumerate(values2):
            if all(v is not MISSING for v in vals):
                index.setdefault(tuple(canonical_key(v) for v in vals), []).append(j)
    result = _Matches([], [], [], [])
    used: set[int] = set()
    for entry in input1:
        lookup = {f2: get_path(entry.json, f1, disable_dot) for f1, f2 in pairs}
        expected = [lookup[f] for f in fields2]
        if any(v is MISSING for v in expected):
            result.unmatched1.append(entry)
            continue
        if fuzzy:
            found = [
                j
                for j, vals in enumerate(values2)
                if all(fuzzy_equal(e, v) for e, v in zip(expected, vals, strict=True))
            ]
        else:
            found = index.get(tuple(canonical_key(v) for v in expected), [])
        if first_only:
            found = found[:1]
        used.update(found)
        if not found:
            result.unmatched1.append(entry)
        elif split_matches:
            result.matched.extend((entry, [input2[j]]) for j in found)
        else:
            result.matched.append((entry, [input2[j] for j in found]))
    for j, it in enumerate(input2):
        (result.matched2 if j in used else result.unmatched2).append(it)
    return result


def _merge_matched(
    matched: list[tuple[PortItem, list[PortItem]]], clash: Mapping[str, Any], join_mode: str = ""
) -> list[PortItem]:
    merge = select_merge(clash)
    resolve = clash.get("resolveClash")
    if resolve in (None, ""):
        resolve = "preferInput1" if join_mode == "enrichInput2" else "preferLast"
    out = []
    for entry, matches in matched:
        if resolve == "addSuffix":
            entry = _suffixed(entry, "1")
            matches = [_suffixed(m, "2") for m in matches]
            parts = [entry, *matches]
        elif resolve == "preferInput1":
            parts = [*matches, entry]
        else:  # preferLast / preferInput2: input 2 wins
            parts = [entry, *matches]
        json_out = merge(*(p.json for p in parts))
        binary = merge(*(p.binary or {} for p in parts)) or None
        out.append(PortItem(json_out, binary, entry.index, entry.port))
    return out


def _combine_by_fields(
    ctx: NodeContext, params: MergeParams, input1: list[PortItem], input2: list[PortItem]
) -> list[PortItem]:
    if params.advanced:
        pairs = field_pairs(ctx.param("mergeByFields.values", 0, []))
    else:
        names = [f.strip() for f in str(ctx.param("fieldsToMatchString", 0, "") or "").split(",")]
        pairs = [(f, f) for f in names]
    check_field_pairs(pairs, ctx.node_name)
    join = params.joinMode
    # outputDataFrom is only shown (so only kept by n8n) for these two join modes.
    source = params.outputDataFrom if join in ("keepMatches", "keepNonMatches") else "both"
    options = merge_options(ctx)
    clash = clash_options(options)
    if not input1 or not input2:
        if not input1 and join == "keepNonMatches" and source == "input1":
            return []
        if not input2 and join == "keepNonMatches" and source == "input2":
            return []
        if join == "keepMatches" or (join == "enrichInput1" and not input1):
            return []
        if join == "enrichInput2" and not input2:
            return []
        return [*input1, *input2]
    split = source == "both" or join in ("enrichInput1", "enrichInput2")
    m = _find_matches(input1, input2, pairs, options, split)
    suffix = clash.get("resolveClash") == "addSuffix"
    if join in ("keepMatches", "keepEverything"):
        if source == "input1":
            out = [entry for entry, _ in m.matched]
        elif source == "input2":
            out = m.matched2
        else:
            out = _merge_matched(m.matched, clash)
        if join == "keepEverything":
            u1 = [_suffixed(i, "1") for i in m.unmatched1] if suffix else m.unmatched1
            u2 = [_suffixed(i, "2") for i in m.unmatched2] if suffix else m.unmatched2
            out = [*out, *u1, *u2]
        return out
    if join == "keepNonMatches":
        if source == "input1":
            return m.unmatched1
        if source == "input2":
            return m.unmatched2
        return [
            PortItem({**i.json, "_source": f"input{i.port + 1}"}, i.binary, i.index, i.port)
            for i in (*m.unmatched1, *m.unmatched2)
        ]
    if join in ("enrichInput1", "enrichInput2"):
        merged = _merge_matched(m.matched, clash, join)
        rest, tag = (m.unmatched1, "1") if join == "enrichInput1" else (m.unmatched2, "2")
        return [*merged, *([_suffixed(i, tag) for i in rest] if suffix else rest)]
    raise NodeExecutionError(f"Unknown Output Type (joinMode) '{join}'", node=ctx.node_name)


# -- the other combine modes ----------------------------------------------------------------


def _combine_by_position(ctx: NodeContext, inputs: list[list[PortItem]]) -> list[PortItem]:
    options = merge_options(ctx)
    clash = clash_options(options)
    include_unpaired = bool(options.get("includeUnpaired", False))
    resolve = str(clash.get("resolveClash") or "")
    if resolve.startswith("preferInput") and resolve[len("preferInput") :].isdigit():
        preferred_index = int(resolve[len("preferInput") :]) - 1
    else:
        preferred_index = len(inputs) - 1
    preferred_index = min(max(preferred_index, 0), len(inputs) - 1)
    if resolve == "addSuffix":
        inputs = [[_suffixed(it, str(n + 1)) for it in port] for n, port in enumerate(inputs)]
    preferred = inputs[preferred_index]
    sizes = [len(port) for port in inputs]
    count = max(*sizes, len(preferred)) if include_unpaired else min(*sizes, len(preferred))
    merge = select_merge(clash)
    out = []
    for i in range(count):
        entries = [port[i] for port in inputs if i < len(port)]
        pref = preferred[i] if i < len(preferred) else None
        json_out = merge(*(e.json for e in entries), pref.json if pref else {})
        binary = _deep_merge(False)(
            *(e.binary or {} for e in entries), (pref and pref.binary) or {}
        )
        first = entries[0]
        out.append(PortItem(json_out, binary or None, first.index, first.port))
    return out


def _combine_all(
    ctx: NodeContext, input1: list[PortItem], input2: list[PortItem]
) -> list[PortItem]:
    options = merge_options(ctx)
    clash = clash_options(options)
    resolve = clash.get("resolveClash")
    if resolve == "preferInput1":
        input1, input2 = input2, input1
    if resolve == "addSuffix":
        input1 = [_suffixed(i, "1") for i in input1]
        input2 = [_suffixed(i, "2") for i in input2]
    merge = select_merge(clash)
    out = []
    for a in input1:
        for b in input2:
            json_out = merge(a.json, b.json)
            binary = _deep_merge(False)(a.binary or {}, b.binary or {})
            src = a if a.port == 0 else b
            out.append(PortItem(json_out, binary or None, src.index, src.port))
    return out


@node(
    "merge",
    versions=[1, 2, 2.1, 3, 3.1, 3.2],
    display_name="Merge",
    params=MergeParams,
    inputs=input_count,
    # as n8n: choose-branch needs data on both inputs, other modes on any one
    required_inputs=lambda p: [0, 1] if p.get("mode") == "chooseBranch" else 1,
    pure=True,
)
class Merge(Node):
    """Merges data of several inputs once data from them is available."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if ctx.type_version < 3:
            # merge_v1 builds on this module's functions, so it is imported late
            from hetumind.nodes.builtin import merge_v1

            run_old = merge_v1.run_merge_v1 if ctx.type_version < 2 else merge_v1.run_merge_v2
            return [run_old(ctx, inputs)]
        params = MergeParams.model_validate(ctx.raw_parameters)
        mode = params.mode
        if mode == "append":
            parts = [
                b.with_pairing(arange(len(b)), pa.array([port] * len(b), pa.int8()))
                for port, b in enumerate(inputs)
            ]
            out = ItemBatch.concat(parts)
            return [out]
        if mode == "chooseBranch":
            return [self._choose_branch(ctx, params, inputs)]
        if mode == "combineBySql" or (mode == "combine" and params.combineBy == "combineBySql"):
            raise NodeExecutionError("Merge mode 'SQL Query' is not supported", node=ctx.node_name)
        if mode != "combine":
            raise NodeExecutionError(f"Unknown Merge mode '{mode}'", node=ctx.node_name)
        ports = [port_items(b, port) for port, b in enumerate(inputs)]
        while len(ports) < 2:
            ports.append([])
        if params.combineBy == "combineByFields":
            items = _combine_by_fields(ctx, params, ports[0], ports[1])
        elif params.combineBy == "combineByPosition":
            items = _combine_by_position(ctx, ports)
        elif params.combineBy == "combineAll":
            items = _combine_all(ctx, ports[0], ports[1])
        else:
            raise NodeExecutionError(f"Unknown Combine By '{params.combineBy}'", node=ctx.node_name)
        return [port_batch(items)]

    @staticmethod
    def _choose_branch(
        ctx: NodeContext, params: MergeParams, inputs: Sequence[ItemBatch]
    ) -> ItemBatch:
        # n8n requires data on inputs 1 and 2 in this mode; without it the node yields nothing.
        if len(inputs) < 2 or not len(inputs[0]) or not len(inputs[1]):
            return ItemBatch.empty()
        if params.output == "empty":
            return ItemBatch.from_json([{}], paired=[None])
        which = int(ctx.param("useDataOfInput", 0, 1) or 1)
        if which > len(inputs) or which < 1:
            raise NodeExecutionError(
                f"Input {which} doesn't exist (the node has only {len(inputs)} inputs)",
                node=ctx.node_name,
            )
        batch = inputs[which - 1]
        return batch.with_pairing(arange(len(batch)), pa.array([which - 1] * len(batch), pa.int8()))
