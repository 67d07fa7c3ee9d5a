"""Tools an agent can call: a sub-workflow, an HTTP request, sandboxed code.

Each builder returns a `hetumind.ai.agent.Tool` whose `call` gets arguments that were
already validated against the tool's JSON schema.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hetumind.ai.agent import Tool
from hetumind.ai.errors import AIConfigError, ToolError
from hetumind.ai.structured import schema_from_example
from hetumind.capabilities import Capabilities, CapabilityDenied, NetworkPolicy
from hetumind.http.client import guarded_async_client

__all__ = [
    "QUERY_SCHEMA",
    "code_tool",
    "http_tool",
    "input_schema",
    "tool_name",
    "workflow_tool",
]

QUERY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"query": {"type": "string", "description": "the input for the tool"}},
    "required": ["query"],
}
"""n8n's default tool input when no schema is specified: one string, `query`."""

_NAME = re.compile(r"[^a-zA-Z0-9_-]+")
_PLACEHOLDER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


def tool_name(name: str | None, node_name: str) -> str:
    """A function name OpenAI accepts ([a-zA-Z0-9_-], 64 chars), from `name` or the node's."""
    cleaned = _NAME.sub("_", (name or node_name).strip()).strip("_")
    return (cleaned or "tool")[:64]


def input_schema(
    specify: bool, schema_type: str, example: Any, manual: Any, where: str
) -> dict[str, Any]:
    """The tool's argument schema from n8n's `specifyInputSchema` parameters."""
    if not specify:
        return QUERY_SCHEMA
    try:
        if schema_type == "manual":
            schema = json.loads(manual) if isinstance(manual, str) else manual
        else:
            schema = schema_from_example(
                json.loads(example) if isinstance(example, str) else example
            )
    except json.JSONDecodeError as exc:
        raise AIConfigError(f"{where}: the input schema is not valid JSON: {exc.msg}") from None
    if not isinstance(schema, dict):
        raise AIConfigError(f"{where}: the input schema must be a JSON object")
    return schema


def workflow_tool(
    name: str,
    description: str,
    schema: Mapping[str, Any],
    workflow: Mapping[str, Any] | str | Path,
    capabilities: Capabilities,
) -> Tool:
    """Run a sub-workflow (inline) with the arguments as its one input item, under the
    `capabilities` of the execution that calls the tool (a server's file root, network
    and credential rules bind the tool's nodes too).

    The result is the last node's output: a single item's `response` field when it has
    one (n8n's convention), else the items as JSON.
    """
    from hetumind.engine import run_workflow
    from hetumind.workflow import Workflow, load_workflow, parse_workflow

    loaded: Workflow
    if isinstance(workflow, str | Path) and not str(workflow).lstrip().startswith("{"):
        loaded = load_workflow(workflow)
    else:
        doc = json.loads(workflow) if isinstance(workflow, str) else dict(workflow)  # type: ignore[arg-type]
        loaded = parse_workflow(doc, source=f"tool {name!r}")

    def run(args: dict[str, Any]) -> str:
        result = run_workflow(
            loaded, backend="inline", input_items=[args], capabilities=capabilities
        )
        if not result.ok:
            message = (result.error or {}).get("message", "the sub-workflow failed")
            raise ToolError(f"sub-workflow failed: {message}")
        last = result.last_node_executed
        items = result.outputs(last)[0] if last else []
        if len(items) == 1 and "response" in items[0]:
            response = items[0]["response"]
            return response if isinstance(response, str) else json.dumps(response)
        return json.dumps(items, ensure_ascii=False, default=str)

    async def call(args: dict[str, Any]) -> str:
        return await asyncio.to_thread(run, args)

    return Tool(name=name, description=description, parameters=dict(schema), call=call)


def http_tool(
    name: str,
    description: str,
    *,
    method: str,
    url: str,
    placeholders: Sequence[Mapping[str, Any]] = (),
    query: Sequence[Mapping[str, Any]] = (),
    headers: Sequence[Mapping[str, Any]] = (),
    body: Sequence[Mapping[str, Any]] = (),
    timeout: float = 30.0,
    max_chars: int = 20_000,
    network: NetworkPolicy | None = None,
) -> Tool:
    """An HTTP request whose `{placeholders}` and model-provided fields the model fills.

    `placeholders` are n8n's placeholderDefinitions ({name, description, type});
    query/headers/body entries are {name, valueProvider, value}: valueProvider
    "fieldValue" is fixed, "modelRequired"/"modelOptional" come from the model.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    described = {str(p.get("name")): p for p in placeholders}
    for ph in dict.fromkeys([*_PLACEHOLDER.findall(url), *described]):
        spec = described.get(ph, {})
        properties[ph] = {
            "type": _json_type(spec.get("type")),
            "description": str(spec.get("description") or ph),
        }
        required.append(ph)
    for entry in (*query, *headers, *body):
        provider = entry.get("valueProvider", "modelRequired")
        if provider in ("modelRequired", "modelOptional"):
            key = str(entry.get("name"))
            properties[key] = {
                "type": "string",
                "description": str(entry.get("description") or key),
            }
            if provider == "modelRequired":
                required.append(key)
    schema = {"type": "object", "properties": properties, "required": required}

    def fill(entries: Sequence[Mapping[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for entry in entries:
            key = str(entry.get("name"))
            if entry.get("valueProvider", "modelRequired") == "fieldValue":
                out[key] = entry.get("value")
            elif key in args:
                out[key] = args[key]
        return out

    async def call(args: dict[str, Any]) -> str:
        import httpx

        target = _PLACEHOLDER.sub(lambda m: str(args.get(m.group(1), "")), url)
        payload = fill(body, args)
        try:
            # server mode: only where the execution's network policy allows, on the
            # address that was checked (hetumind.capabilities)
            guarded = guarded_async_client(network or NetworkPolicy(), library="httpx")
            async with guarded or httpx.AsyncClient(timeout=timeout) as client:
                response = await client.request(
                    method.upper(),
                    target,
                    params=fill(query, args) or None,
                    headers={k: str(v) for k, v in fill(headers, args).items()} or None,
                    json=payload if payload else None,
                )
        except httpx.HTTPError as exc:
            raise ToolError(f"request to {target} failed: {exc}") from None
        except CapabilityDenied as exc:
            raise ToolError(f"request to {target} refused: {exc.message}") from None
        text = response.text[:max_chars]
        if response.status_code >= 400:
            raise ToolError(f"{target} answered HTTP {response.status_code}: {text[:500]}")
        return text

    return Tool(name=name, description=description, parameters=schema, call=call)


def _json_type(kind: Any) -> str:
    return {"number": "number", "boolean": "boolean", "json": "object"}.get(str(kind), "string")


_QUERY_PRELUDE = {
    # n8n's toolCode gives the code its input as `query`; the Code sandbox reads items.
    "javaScript": "const query = $input.first().json.query;\n",
    "python": 'query = _input.first().json["query"]\n',
}


def code_tool(
    name: str,
    description: str,
    schema: Mapping[str, Any],
    language: str,
    code: str,
    settings: Mapping[str, Any] | None = None,
) -> Tool:
    """Run JavaScript or Python in the Code node's WebAssembly sandbox; `query` is the
    argument string (default schema) or the arguments object (specified schema)."""
    if language not in _QUERY_PRELUDE:
        raise AIConfigError(f"tool {name!r}: language must be 'javaScript' or 'python'")
    if not code.strip():
        raise AIConfigError(f"tool {name!r}: the code is empty")
    whole_args = schema is not QUERY_SCHEMA

    def run(args: dict[str, Any]) -> str:
        from hetumind.sandbox import SandboxError, SandboxLimits, run_code

        query = args if whole_args else args.get("query", "")
        payload = {
            "mode": "runOnceForAllItems",
            "items": [{"json": {"query": query}}],
            "nodes": {},
            "runIndex": 0,
            "continueOnFail": False,
            "params": {},
            "workflow": {},
            "execution": {},
            "vars": {},
        }
        try:
            outcome = run_code(
                language,
                _QUERY_PRELUDE[language] + code,
                payload,
                SandboxLimits.from_settings(settings),
            )
        except SandboxError as exc:
            raise ToolError(f"code failed: {exc}") from None
        value = outcome.value
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    async def call(args: dict[str, Any]) -> str:
        return await asyncio.to_thread(run, args)

    return Tool(name=name, description=description, parameters=dict(schema), call=call)
