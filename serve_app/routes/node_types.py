"""/api/v1/node-types: every registered node type as the web app's palette and forms need it.

The list is built once per process from the registry (node types change only with the
installed packages) and kept as encoded JSON: the editor asks for it on every page load.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from hetumind.nodes.api import NodeDefinition, PortCount
from hetumind.nodes.registry import default_registry
from serve_app.schemas import AUTHED, errors_for
from serve_app.security import Auth

__all__ = ["NodeType", "NodeTypeList", "node_type_json", "node_types_body", "router"]

router = APIRouter(prefix="/api/v1/node-types", tags=["node-types"])


class NodeType(BaseModel):
    """One node type (the OpenAPI document's description of a list entry)."""

    type: str = Field(description="The first full type name (`hetumind.<name>`).")
    types: list[str] = Field(description="Every full type name it answers to.")
    name: str
    displayName: str
    description: str
    versions: list[float]
    defaultVersion: float = Field(description="The highest version: what new nodes get.")
    anyVersion: bool = Field(description="Runs whatever typeVersion a workflow names.")
    trigger: bool
    triggerKind: str | None
    inputs: int = Field(description="Main input ports (with default parameters).")
    outputs: int = Field(description="Main output ports (with default parameters).")
    dynamicInputs: bool = Field(description="The input count depends on the parameters.")
    dynamicOutputs: bool = Field(description="The output count depends on the parameters.")
    supplies: str | None = Field(description="The connection kind a sub-node supplies.")
    accepts: list[str] = Field(description="Connection kinds (besides main) it takes.")
    parameters: dict[str, Any] = Field(description="JSON schema of its parameters.")


class NodeTypeList(BaseModel):
    data: list[NodeType]


def _ports(count: PortCount) -> tuple[int, bool]:
    """(ports with default parameters, whether the parameters change that)."""
    if callable(count):
        return count({}), True
    return count, False


def node_type_json(definition: NodeDefinition) -> dict[str, Any]:
    inputs, dynamic_inputs = _ports(definition.inputs)
    outputs, dynamic_outputs = _ports(definition.outputs)
    types = list(definition.type_names)
    return {
        "type": types[0],
        "types": types,
        "name": definition.name,
        "displayName": definition.display_name,
        "description": definition.description,
        "versions": list(definition.versions),
        "defaultVersion": max(definition.versions),
        "anyVersion": definition.any_version,
        "trigger": definition.trigger,
        "triggerKind": definition.trigger_kind,
        "inputs": inputs,
        "outputs": outputs,
        "dynamicInputs": dynamic_inputs,
        "dynamicOutputs": dynamic_outputs,
        "supplies": definition.supplies,
        "accepts": list(definition.accepts),
        "parameters": definition.params.model_json_schema(),
    }


@lru_cache(maxsize=1)
def node_types_body() -> bytes:
    """The response body, computed once per process."""
    rows = sorted(
        (node_type_json(d) for d in default_registry().definitions()),
        key=lambda row: (row["displayName"].lower(), row["name"]),
    )
    return NodeTypeList.model_validate({"data": rows}).model_dump_json().encode()


@router.get(
    "", response_class=Response, responses={200: {"model": NodeTypeList}, **errors_for(*AUTHED)}
)
async def list_node_types(who: Auth) -> Response:
    """Every registered node type, sorted by display name."""
    who.require_scope("workflow:read")
    return Response(node_types_body(), media_type="application/json")
