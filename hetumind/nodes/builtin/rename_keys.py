"""Rename Keys: move fields to new names (dot paths), optionally by regular expression."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.errors import HetumindError
from hetumind.expressions.regex import _expand, compile_js
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import MISSING, get_path, set_path, unset_path
from hetumind.nodes.item_wise import map_items


class RenameKeysParams(NodeParams):
    keys: dict[str, Any] = {}
    additionalOptions: dict[str, Any] = {}


def rename_by_key(source: dict[str, Any], target: dict[str, Any], current: str, new: str) -> None:
    """n8n reads the value from the untouched input, so renames never chain."""
    if current == "" or new == "" or current == new:
        return
    value = get_path(source, current)
    if value is MISSING:
        return
    set_path(target, new, value)
    unset_path(target, current)


def _regex_rename(obj: Any, pattern: re.Pattern[str], replacement: str, depth: int) -> None:
    """The `for (key in obj)` walk of n8n: depth -1 is unlimited, 0 the top level only.

    Keys added during the walk (the renamed ones) are not visited again, as in V8.
    """
    if isinstance(obj, list):
        if depth != 0:
            for entry in obj:
                _regex_rename(entry, pattern, replacement, depth - 1)
        return
    if not isinstance(obj, dict):
        return
    for key in list(obj):
        if key not in obj:
            continue  # removed by an earlier rename onto it
        if isinstance(obj[key], dict | list) and depth != 0:
            _regex_rename(obj[key], pattern, replacement, depth - 1)
        match = pattern.search(key)
        if match is None:
            continue
        new_key = key[: match.start()] + _expand(replacement, match) + key[match.end() :]
        if new_key != key:
            obj[new_key] = obj.pop(key)  # an existing new_key keeps its place, as in JS


def _compile(replacement: Mapping[str, Any]) -> re.Pattern[str]:
    options = replacement.get("options") or {}
    flags = "i" if options.get("caseInsensitive") else ""
    source = str(replacement.get("searchRegex", ""))
    try:
        return compile_js(source, flags)
    except (re.error, ValueError) as exc:
        raise HetumindError(f"Invalid regular expression '{source}': {exc}") from None


def rename_item(ctx: NodeContext, row: dict[str, Any], i: int) -> dict[str, Any]:
    """One item's json with every configured rename applied, in n8n's order."""
    out = copy.deepcopy(row)
    for key in ctx.param("keys.key", i, []) or []:
        if not isinstance(key, Mapping):
            raise HetumindError("each entry of 'Keys' must have a currentKey and a newKey")
        rename_by_key(row, out, str(key.get("currentKey", "")), str(key.get("newKey", "")))
    replacements = ctx.param("additionalOptions.regexReplacement.replacements", i, []) or []
    for replacement in replacements:
        depth = int((replacement.get("options") or {}).get("depth", -1))
        pattern = _compile(replacement)
        _regex_rename(out, pattern, str(replacement.get("replaceRegex", "")), depth)
    return out


@node(
    "renameKeys",
    versions=[1],
    display_name="Rename Keys",
    params=RenameKeysParams,
    pure=True,
    item_wise=True,
)
class RenameKeys(Node):
    """Updates item field names."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        binary = list(batch.binary or [None] * len(batch))

        def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
            return rename_item(ctx, row, i), binary[i]  # binary data stays with its item

        return [map_items(ctx, batch, step, failures=(HetumindError,))]
