"""Tool sub-nodes for the agent: toolWorkflow (a sub-workflow), toolHttpRequest and
toolCode (the Code node's WebAssembly sandbox)."""

from __future__ import annotations

from typing import Any

from hetumind.ai.agent import Tool
from hetumind.ai.errors import AIConfigError
from hetumind.ai.subnodes import SubNodeView
from hetumind.ai.tools import code_tool, http_tool, input_schema, tool_name, workflow_tool
from hetumind.capabilities import capabilities_of
from hetumind.nodes.api import node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase

__all__ = ["ToolCode", "ToolHttpRequest", "ToolWorkflow"]


def _schema(view: SubNodeView) -> dict[str, Any]:
    return input_schema(
        bool(view.param("specifyInputSchema", False)),
        str(view.param("schemaType", "fromJson")),
        view.param("jsonSchemaExample", "{}"),
        view.param("inputSchema", "{}"),
        f"sub-node {view.name!r}",
    )


@node(
    "toolWorkflow",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Call Workflow Tool",
    inputs=0,
    supplies="ai_tool",
    n8n=False,
    aliases=(f"{LANGCHAIN}.toolWorkflow",),
)
class ToolWorkflow(SubNodeBase):
    """Runs a workflow with the tool's arguments as its input item.

    `source`: "parameter" (`workflowJson`, inline) or "file" (`workflowPath`, a hetumind
    extension); "database" needs the server's store and is not available stand-alone.
    """

    def supply(self, view: SubNodeView) -> Tool:
        source = view.param("source", "database")
        capabilities = capabilities_of(view.ctx)
        workflow: Any
        if source == "parameter":
            workflow = view.param("workflowJson")
        elif source in ("file", "localFile"):
            # the execution's file policy decides which files a tool may load
            workflow = capabilities.check_file(str(view.param("workflowPath", "")))
        else:
            raise AIConfigError(
                f"sub-node {view.name!r}: source {source!r} is not available here; "
                "use 'parameter' (workflowJson) or 'file' (workflowPath)"
            )
        if not workflow:
            raise AIConfigError(f"sub-node {view.name!r}: no workflow given")
        return workflow_tool(
            tool_name(view.param("name"), view.name),
            str(view.param("description", "")) or f"runs the workflow of {view.name}",
            _schema(view),
            workflow,
            capabilities,
        )


@node(
    "toolHttpRequest",
    versions=[1, 1.1],
    display_name="HTTP Request Tool",
    inputs=0,
    supplies="ai_tool",
    n8n=False,
    aliases=(f"{LANGCHAIN}.toolHttpRequest",),
)
class ToolHttpRequest(SubNodeBase):
    """An HTTP request whose {placeholders} and model-provided fields the model fills."""

    def supply(self, view: SubNodeView) -> Tool:
        url = view.param("url")
        if not url:
            raise AIConfigError(f"sub-node {view.name!r}: parameter 'url' is required")

        def values(path: str, enabled: str) -> list[dict[str, Any]]:
            if not view.param(enabled, False):
                return []
            return list(view.param(path, {}).get("values", []) or [])

        return http_tool(
            tool_name(view.param("name"), view.name),
            str(view.param("toolDescription", "")) or f"HTTP request to {url}",
            method=str(view.param("method", "GET")),
            url=str(url),
            placeholders=list(view.param("placeholderDefinitions", {}).get("values", []) or []),
            query=values("parametersQuery", "sendQuery"),
            headers=values("parametersHeaders", "sendHeaders"),
            body=values("parametersBody", "sendBody"),
            timeout=float(view.param("options.timeout", 30_000)) / 1000,
            network=capabilities_of(view.ctx).network,
        )


@node(
    "toolCode",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Code Tool",
    inputs=0,
    supplies="ai_tool",
    n8n=False,
    aliases=(f"{LANGCHAIN}.toolCode",),
)
class ToolCode(SubNodeBase):
    """JavaScript (`jsCode`) or Python (`pythonCode`) run in the sandbox; the code reads
    its input as `query` and returns the tool's result."""

    def supply(self, view: SubNodeView) -> Tool:
        language = str(view.param("language", "javaScript"))
        # The code is a program, not a template: take it raw, as the Code node does.
        key = "pythonCode" if language == "python" else "jsCode"
        code = str(view.raw_parameters.get(key, "") or "")
        return code_tool(
            tool_name(view.param("name"), view.name),
            str(view.param("description", "")) or f"runs the code of {view.name}",
            _schema(view),
            language,
            code,
        )
