"""Code 1.x-2.x: the user's JavaScript or Python over the items, in a WebAssembly sandbox.

The code runs in QuickJS or CPython compiled to WASI, under wasmtime (hetumind.sandbox):
no filesystem, network or environment, with fuel, wall-clock and memory limits from the
workflow's `settings.sandbox`. The whole batch goes through one guest instantiation in
both modes; runOnceForEachItem loops inside the guest. Results are normalised as n8n
does (`code_output.py`), console.log / print lines go to the run's `logs`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.code_output import (
    EACH_ITEM,
    CodeOutputError,
    batch_columns,
    columns_batch,
    normalize_all,
    normalize_each,
)
from hetumind.nodes.item_wise import batch_error

__all__ = ["Code"]

_LANGUAGES = {"javaScript": "javaScript", "python": "python", "pythonNative": "python"}
# $('Name') / $("Name") / $(`Name`) in JavaScript, _('Name') in Python, $node["Name"] /
# _node["Name"], and $items('Name') / _items('Name').
_REFERENCE = re.compile(
    r"""(?:\$|(?<![\w$])_)(?:items)?\(\s*(['"`])((?:(?!\1).)+)\1\s*[,)]"""
    r"""|(?:\$|(?<![\w$])_)node\[\s*(['"])((?:(?!\3).)+)\3"""
)


class CodeParams(NodeParams):
    mode: str = "runOnceForAllItems"
    language: str = "javaScript"
    jsCode: str = ""
    pythonCode: str = ""


@node(
    "code",
    versions=[1, 2],
    display_name="Code",
    params=CodeParams,
    fusible=False,  # user code can run for seconds: give it a Ray task of its own
    pure=True,
)
class Code(Node):
    """Runs custom JavaScript or Python code on the items."""

    @staticmethod
    def referenced_nodes(parameters: Mapping[str, Any]) -> set[str]:
        """Nodes the code reads with $('Name'), so the engine hands it their items."""
        names: set[str] = set()
        for key in ("jsCode", "pythonCode", "functionCode"):
            text = parameters.get(key)
            if isinstance(text, str):
                for m in _REFERENCE.finditer(text):
                    names.add(m.group(2) or m.group(4))
        return names

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        from hetumind.sandbox import SandboxError, SandboxLimits, run_code

        batch = inputs[0] if inputs else ItemBatch.empty()
        raw = ctx.raw_parameters
        # n8n's Code 1 has no language choice: its code is JavaScript whatever is stored
        language = (
            str(raw.get("language") or "javaScript") if ctx.type_version >= 2 else "javaScript"
        )
        if language not in _LANGUAGES:
            raise NodeExecutionError(
                f"unknown language {language!r}: use javaScript, python or pythonNative"
            )
        lang = _LANGUAGES[language]
        code = str(raw.get("jsCode" if lang == "javaScript" else "pythonCode") or "")
        mode = str(raw.get("mode") or "runOnceForAllItems")
        if mode not in ("runOnceForAllItems", EACH_ITEM):
            raise NodeExecutionError(
                f"unknown mode {mode!r}: use runOnceForAllItems or runOnceForEachItem"
            )
        limits = SandboxLimits.from_settings(ctx.execution.settings)
        payload = _payload(ctx, batch, mode)
        if mode == EACH_ITEM and not len(batch):
            return [ItemBatch.empty()]
        if _STATIC_DATA in code:
            payload["staticData"] = {_static_key(ctx, k): ctx.static_data(k) for k in _KINDS}
            payload["nodeName"] = ctx.node_name
        try:
            outcome = run_code(lang, code, payload, limits)
        except SandboxError as exc:
            return [self._whole_failure(ctx, exc.message)]
        if outcome.logs:
            ctx.record("logs", outcome.logs)
        if outcome.custom_data:
            ctx.record("customData", outcome.custom_data)
        for kind in _KINDS:
            changed = (outcome.static_data or {}).get(_static_key(ctx, kind))
            if isinstance(changed, dict):
                kept = ctx.static_data(kind)
                kept.clear()
                kept.update(changed)
        try:
            if outcome.columns is not None:
                return [columns_batch(outcome.columns, mode == EACH_ITEM, len(batch))]
            if mode == EACH_ITEM:
                return [normalize_each(outcome.results, batch, ctx.continue_on_fail)]
            return [normalize_all(outcome.value)]
        except CodeOutputError as exc:
            return [self._whole_failure(ctx, exc.message)]

    @staticmethod
    def _whole_failure(ctx: NodeContext, message: str) -> ItemBatch:
        # n8n's Code node answers continue-on-fail with one error item, not the input.
        return batch_error(ctx, message, paired=False)


_STATIC_DATA = "getWorkflowStaticData"


def workflow_zone_name(settings: Mapping[str, Any] | None) -> str:
    """n8n's zone for $now in code: settings.timezone, else GENERIC_TIMEZONE, else
    America/New_York."""
    import os

    name = (settings or {}).get("timezone")
    if not name or name == "DEFAULT":
        name = os.environ.get("GENERIC_TIMEZONE") or "America/New_York"
    return str(name)


_KINDS = ("global", "node")


def _static_key(ctx: NodeContext, kind: str) -> str:
    """n8n's keys of workflow static data: "global", or "node:<node name>"."""
    return "global" if kind == "global" else f"node:{ctx.node_name}"


def _payload(ctx: NodeContext, batch: ItemBatch, mode: str) -> dict[str, Any]:
    facts = ctx.execution
    references = getattr(ctx, "references", {}) or {}
    nodes: dict[str, Any] = {}
    for name, data in references.items():
        lineage = batch.lineage.get(name)
        nodes[name] = {
            "outputs": [b.to_items() for b in data.outputs],
            "lineage": None if lineage is None else lineage.to_pylist(),
        }
    columns = batch_columns(batch)
    return {
        "mode": mode,
        **({"cols": columns} if columns is not None else {"items": batch.to_items()}),
        "zone": workflow_zone_name(facts.settings),
        "nodes": nodes,
        "runIndex": ctx.run_index,
        "continueOnFail": ctx.continue_on_fail,
        "params": dict(ctx.raw_parameters),
        "workflow": {"id": facts.workflow_id, "name": facts.workflow_name, "active": False},
        "execution": {
            "id": facts.execution_id,
            "mode": "test" if facts.mode == "manual" else "production",
            # $execution.resumeUrl and $vars are the engine's ExecutionInfo extras beyond
            # the public ExecutionFacts; another context has none.
            "resumeUrl": getattr(facts, "resume_url", ""),
        },
        "vars": dict(getattr(facts, "vars", {}) or {}),
        # what earlier node runs put into $execution.customData (engine/custom_data.py)
        "customData": dict(getattr(facts, "custom_data", {}) or {}),
    }
