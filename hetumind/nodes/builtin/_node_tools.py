"""Nodes as agent tools: n8n's `<type>Tool` variants (`n8n-nodes-base.gmailTool`, ...).

n8n offers many of its nodes to an AI agent as tools: the same node and parameters, with
the values the model chooses written as `{{ $fromAI(...) }}` (hetumind.ai.node_tools).
When the model calls the tool, the node runs once, on one empty item, with its own
credentials and under the calling execution's capabilities; its output items are the
tool's answer. The other expressions of the parameters (`$json`, `$('Node')`) are
evaluated in the agent's context first, as n8n evaluates a sub-node's parameters for its
root's item.

A node module makes its variant with `as_tool`: `GmailTool = as_tool(GmailNode)`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.ai.agent import Tool
from hetumind.ai.errors import ToolError
from hetumind.ai.node_tools import fill_from_ai, from_ai_schema
from hetumind.ai.subnodes import SubNodeView
from hetumind.ai.tools import tool_name
from hetumind.capabilities import capabilities_of
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin.core import ManualTrigger

__all__ = ["NodeAsTool", "as_tool"]

TOOL_PARAMETERS = ("descriptionType", "toolDescription")
"""Parameters of the tool variant itself, not of the node it runs."""


def _literal(value: Any) -> Any:
    """An evaluated parameter tree as literals: a string that starts with '=' would be
    read as an expression again, so it becomes one that yields it."""
    if isinstance(value, Mapping):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, str) and value.startswith("="):
        return "={{ " + json.dumps(value) + " }}"
    return value


def _answer(items: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(list(items), ensure_ascii=False, default=str)


class NodeAsTool(Node):
    """The tool variant of `wrapped`: a sub-node that supplies ai_tool."""

    wrapped: type[Node]

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        raise NodeExecutionError(
            "a tool runs only through the agent it is connected to", node=ctx.node_name
        )

    def supply(self, view: SubNodeView) -> Tool:
        from hetumind.engine import run_workflow

        sub = view.sub.node
        parameters = {k: v for k, v in view.raw_parameters.items() if k not in TOOL_PARAMETERS}
        schema = from_ai_schema(parameters, view.name)
        definition = self.wrapped.definition
        node_type = str(sub.type)[: -len("Tool")] if str(sub.type).endswith("Tool") else sub.type
        capabilities = capabilities_of(view.ctx)
        credentials = view.ctx.execution.credentials

        def run(args: dict[str, Any]) -> str:
            where = f"node {view.name!r}"
            chosen = {**args}
            evaluated = view.ctx.evaluate(
                fill_from_ai(parameters, chosen, where), view.item_index, view.name
            )
            doc = {
                "name": f"tool {view.name}",
                "nodes": [
                    {"name": "Tool call", "type": ManualTrigger.definition.type_names[0]},
                    {
                        "name": view.name,
                        "type": node_type,
                        "typeVersion": sub.type_version,
                        "parameters": _literal(evaluated),
                        "credentials": dict(sub.credentials or {}),
                    },
                ],
                "connections": {
                    "Tool call": {"main": [[{"node": view.name, "type": "main", "index": 0}]]}
                },
            }
            result = run_workflow(
                doc,
                backend="inline",
                input_items=[{}],
                capabilities=capabilities,
                credentials=credentials,
            )
            if not result.ok:
                message = (result.error or {}).get("message", "the node failed")
                raise ToolError(f"{definition.display_name} failed: {message}")
            outputs = result.outputs(view.name)
            return _answer([item for port in outputs for item in port])

        async def call(args: dict[str, Any]) -> str:
            return await asyncio.to_thread(run, args)

        mode = str(view.param("descriptionType", "auto"))
        description = str(view.param("toolDescription", "") or "") if mode == "manual" else ""
        if not description:
            action = " ".join(
                str(parameters.get(k)) for k in ("operation", "resource") if parameters.get(k)
            )
            description = f"{definition.display_name}{': ' + action if action else ''}"
            if definition.description:
                description += f". {definition.description}"
        return Tool(
            name=tool_name(None, view.name),
            description=description,
            parameters=schema,
            call=call,
        )


def as_tool(cls: type[Node]) -> type[Node]:
    """The `<name>Tool` variant of node class `cls`, in `cls`'s module (so the registry
    finds it there): same versions, no inputs, supplies ai_tool."""
    d = cls.definition
    variant = type(
        f"{cls.__name__}Tool",
        (NodeAsTool,),
        {"wrapped": cls, "__module__": cls.__module__, "__doc__": f"{d.display_name} as a tool."},
    )
    return node(
        f"{d.name}Tool",
        versions=list(d.versions),
        display_name=f"{d.display_name} Tool",
        description=f"{d.display_name} as a tool an AI agent calls ($fromAI values)",
        inputs=0,
        supplies="ai_tool",
        n8n=d.n8n,
        any_version=d.any_version,
    )(variant)
