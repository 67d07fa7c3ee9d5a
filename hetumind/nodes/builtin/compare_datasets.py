"""Compare Datasets (v1-2.3): pair items of two inputs by key fields, then sort them into
In A only / Same / Different / In B only.

Pairing uses a hash index of input B keyed by lodash-`isEqual` canonical values (a hash
join, O(A+B)); with fuzzy compare every pair is tested, as n8n does.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.expressions.values import truthy
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import (
    MISSING,
    canonical_key,
    get_path,
    js_equal,
    set_path,
    split_fields,
    unset_path,
)
from hetumind.nodes.builtin.merge import (
    PortItem,
    check_field_pairs,
    fuzzy_equal,
    port_batch,
    port_items,
)

Equal = Callable[[Any, Any], bool]


class CompareDatasetsParams(NodeParams):
    mergeByFields: dict[str, Any] = {}
    options: dict[str, Any] = {}


@dataclass
class _Settings:
    version: float
    resolve: str
    fuzzy: bool
    disable_dot: bool
    first_only: bool
    skip: list[str]
    prefer_when_mix: str = "input1"
    except_when_mix: str | list[str] = ""
    equal: Equal = field(default=js_equal)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _same_js_type(a: Any, b: Any) -> bool:
    if _is_number(a):
        return _is_number(b)
    return type(a) is type(b) or (isinstance(a, dict | list) and isinstance(b, dict | list))


def entries_equal(fuzzy: bool, version: float) -> Equal:
    """n8n's fuzzyCompare(useFuzzy, version): from version 2, null also equals 0 and "0"."""
    if not fuzzy:
        return js_equal

    def zeroish(v: Any) -> bool:
        return v is None or v == "0" or (_is_number(v) and v == 0)

    def equal(a: Any, b: Any) -> bool:
        if a is not None and b is not None and a is not MISSING and _same_js_type(a, b):
            return js_equal(a, b)
        if version >= 2 and ((a is None and zeroish(b)) or (b is None and zeroish(a))):
            return True
        return fuzzy_equal(a, b)

    return equal


def _match_pairs(ctx: NodeContext) -> list[tuple[str, str]]:
    raw = ctx.param("mergeByFields.values", 0, None)
    if raw is None:
        raw = [{"field1": "", "field2": ""}]
    pairs = [(str(p.get("field1", "")), str(p.get("field2", ""))) for p in raw]
    check_field_pairs(pairs, ctx.node_name)
    return pairs


def _items(batch: ItemBatch, port: int) -> list[PortItem]:
    """Items with non-empty json only: n8n drops `{}` items before comparing."""
    return [it for it in port_items(batch, port) if it.json]


def _check_present(
    ctx: NodeContext, items: list[PortItem], fields: list[str], disable_dot: bool, label: str
) -> None:
    """Before version 2.2 a match field absent from every item of an input is an error."""
    if not items:
        return
    for name in fields:
        if not any(get_path(it.json, name, disable_dot) is not MISSING for it in items):
            raise NodeExecutionError(
                f"Field '{name}' is not present in any of items in '{label}'", node=ctx.node_name
            )


def _values(item: PortItem, names: Sequence[str], disable_dot: bool) -> list[Any]:
    return [get_path(item.json, n, disable_dot) for n in names]


def _fuzzy_match(expected: list[Any], item: PortItem, names: list[str], s: _Settings) -> bool:
    actual = _values(item, names, s.disable_dot)
    return all(s.equal(e, v) for e, v in zip(expected, actual, strict=True))


def _find_matches(
    input1: list[PortItem], input2: list[PortItem], pairs: list[tuple[str, str]], s: _Settings
) -> tuple[list[tuple[PortItem, list[PortItem]]], list[PortItem], list[PortItem]]:
    # As in n8n the lookup is keyed by input-B field name: a repeated one keeps the last.
    lookup_fields = list(dict.fromkeys(f2 for _, f2 in pairs))
    index: dict[tuple[str, ...], list[int]] = {}
    if not s.fuzzy:
        for j, it in enumerate(input2):
            vals = _values(it, lookup_fields, s.disable_dot)
            index.setdefault(tuple(canonical_key(v) for v in vals), []).append(j)
    matched: list[tuple[PortItem, list[PortItem]]] = []
    unmatched1: list[PortItem] = []
    used: set[int] = set()
    for entry in input1:
        lookup = {f2: get_path(entry.json, f1, s.disable_dot) for f1, f2 in pairs}
        expected = [lookup[f] for f in lookup_fields]
        if any(v is MISSING for v in expected):
            unmatched1.append(entry)
            continue
        if s.fuzzy:
            found = [
                j for j, it in enumerate(input2) if _fuzzy_match(expected, it, lookup_fields, s)
            ]
        else:
            found = index.get(tuple(canonical_key(v) for v in expected), [])
        if s.first_only:
            found = found[:1]
        used.update(found)
        if found:
            matched.append((entry, [input2[j] for j in found]))
        else:
            unmatched1.append(entry)
    unmatched2 = [it for j, it in enumerate(input2) if j not in used]
    return matched, unmatched1, unmatched2


def _without_skipped(json: dict[str, Any], s: _Settings) -> dict[str, Any]:
    if s.disable_dot or not any("." in f for f in s.skip):
        return {k: v for k, v in json.items() if k not in s.skip}
    out = copy.deepcopy(json)
    for name in s.skip:
        unset_path(out, name)
    return out


def _items_equal(a: dict[str, Any], b: dict[str, Any], s: _Settings) -> bool:
    if s.skip:
        a, b = _without_skipped(a, s), _without_skipped(b, s)
    if s.fuzzy:
        return all(s.equal(a[k], b.get(k, MISSING)) for k in a)
    return s.equal(a, b)


def _nullish(value: Any, version: float) -> Any:
    if version >= 2:
        return None if value is MISSING else value
    return value if value is not MISSING and truthy(value) else None


def _strip_missing(value: Any) -> Any:
    """JSON.stringify drops `undefined` members."""
    if isinstance(value, dict):
        return {k: _strip_missing(v) for k, v in value.items() if v is not MISSING}
    if isinstance(value, list):
        return [None if v is MISSING else _strip_missing(v) for v in value]
    return value


def _compare_items(
    item1: PortItem, item2: PortItem, pairs: list[tuple[str, str]], s: _Settings
) -> PortItem:
    a, b = item1.json, item2.json
    keys = {f1: a.get(f1, MISSING) for f1, _ in pairs}
    all_keys = list(dict.fromkeys([*a, *b]))
    to_compare = all_keys if s.fuzzy and s.version >= 2.1 else [k for k in a if k in b]
    same = {k: a[k] for k in to_compare if s.equal(a.get(k, MISSING), b.get(k, MISSING))}
    name_a, name_b = ("inputA", "inputB") if s.version >= 2 else ("input1", "input2")
    different: dict[str, Any] = {}
    skipped: dict[str, Any] = {}
    # n8n's message says "item {i}" but i counts the differing keys; kept for parity
    for index, key in enumerate(k for k in all_keys if k not in same):
        v1 = _nullish(a.get(key, MISSING), s.version)
        v2 = _nullish(b.get(key, MISSING), s.version)
        if s.version >= 2.1 and not s.disable_dot and key not in s.skip:
            nested = [f for f in s.skip if f.startswith(key) and "." in f]
            v1, v2 = copy.deepcopy(v1), copy.deepcopy(v2)
            objects = all(v is None or isinstance(v, dict | list) for v in (v1, v2))
            if nested and not objects:
                raise NodeExecutionError(
                    f"The field '{key}' in item {index} is not an object. "
                    "It is not possible to use dot notation."
                )
            if nested:
                skipped.setdefault(key, {name_a: {}, name_b: {}})
            for path in nested:
                inner = path.replace(f"{key}.", "", 1)
                for name, v in ((name_a, v1), (name_b, v2)):
                    set_path(skipped[key][name], inner, get_path(v, inner))
                    if isinstance(v, dict):
                        unset_path(v, inner)
            different[key] = {name_a: v1, name_b: v2}
        elif key in s.skip:
            skipped[key] = {name_a: v1, name_b: v2}
        else:
            different[key] = {name_a: v1, name_b: v2}
    out: dict[str, Any] = {"keys": keys, "same": same, "different": different}
    if skipped:
        out["skipped"] = skipped
    return PortItem(_strip_missing(out), None, item1.index, item1.port)


def _mix(item1: PortItem, item2: PortItem, s: _Settings) -> PortItem:
    entry, match = (item1, item2) if s.prefer_when_mix == "input1" else (item2, item1)
    json = copy.deepcopy(entry.json)
    for name in split_fields(s.except_when_mix):
        if s.disable_dot:
            json[name] = match.json.get(name, MISSING)
        else:
            value = get_path(match.json, name)
            # n8n writes `get(...) || null`, and to the literal key (set with an array path)
            json[name] = value if value is not MISSING and truthy(value) else None
    return PortItem(_strip_missing(json), entry.binary, entry.index, entry.port)


def compare(
    input1: list[PortItem], input2: list[PortItem], pairs: list[tuple[str, str]], s: _Settings
) -> list[list[PortItem]]:
    """n8n's findMatches: [in A only, same, different, in B only]."""
    matched, only1, only2 = _find_matches(input1, input2, pairs, s)
    same: list[PortItem] = []
    different: list[PortItem] = []
    for entry, matches in matched:
        kept: PortItem | None = None
        for match in matches:
            if _items_equal(entry.json, match.json, s):
                if kept is None:
                    kept = match if s.fuzzy and s.resolve == "preferInput2" else entry
            elif s.resolve == "preferInput1":
                different.append(entry)
            elif s.resolve == "preferInput2":
                different.append(match)
            elif s.resolve == "mix":
                different.append(_mix(entry, match, s))
            else:
                different.append(_compare_items(entry, match, pairs, s))
        if kept is not None:
            same.append(kept)
    return [only1, same, different, only2]


def _settings(ctx: NodeContext) -> _Settings:
    version = ctx.type_version
    options: Mapping[str, Any] = ctx.param("options", 0, {}) or {}
    fuzzy = ctx.param("fuzzyCompare", 0, False) if version >= 2 else options.get("fuzzyCompare")
    disable_dot = bool(options.get("disableDotNotation", False))
    skip = [f.strip() for f in str(options.get("skipFields") or "").split(",")]
    if disable_dot and any("." in f for f in skip):
        bad = next(f for f in skip if "." in f)
        raise NodeExecutionError(
            f"Dot notation is disabled, but field to skip comparing '{bad}' contains dot",
            node=ctx.node_name,
        )
    resolve = ctx.param("resolve", 0, "preferInput2" if version < 2.1 else "includeBoth")
    settings = _Settings(
        version=version,
        resolve=str(resolve),
        fuzzy=bool(fuzzy),
        disable_dot=disable_dot,
        first_only=options.get("multipleMatches", "first") != "all",
        skip=skip,
        equal=entries_equal(bool(fuzzy), version),
    )
    if settings.resolve == "mix":
        settings.prefer_when_mix = str(ctx.param("preferWhenMix", 0, "input1") or "input1")
        settings.except_when_mix = ctx.param("exceptWhenMix", 0, "") or ""
    return settings


@node(
    "compareDatasets",
    versions=[1, 2, 2.1, 2.2, 2.3],
    display_name="Compare Datasets",
    params=CompareDatasetsParams,
    inputs=2,
    outputs=4,
    pure=True,
)
class CompareDatasets(Node):
    """Compares two inputs for changes; runs once both have arrived (or one, at the end)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        pairs = _match_pairs(ctx)
        s = _settings(ctx)
        ports = [_items(inputs[p], p) if p < len(inputs) else [] for p in range(2)]
        if s.version < 2.2:
            _check_present(ctx, ports[0], [f1 for f1, _ in pairs], s.disable_dot, "Input A")
            _check_present(ctx, ports[1], [f2 for _, f2 in pairs], s.disable_dot, "Input B")
        try:
            outputs = compare(ports[0], ports[1], pairs, s)
        except NodeExecutionError as exc:
            raise NodeExecutionError(exc.reason, node=ctx.node_name) from None
        return [port_batch(items) for items in outputs]
