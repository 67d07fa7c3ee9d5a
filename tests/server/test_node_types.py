"""GET /api/v1/node-types: the palette and parameter schemas the web app builds on."""

from __future__ import annotations

import json

import httpx
import jsonschema

from hetumind.nodes.registry import NodeRegistry, default_registry
from serve_app.routes.node_types import node_type_json
from tests.server.helpers import Server


def test_every_registered_node_type_serializes() -> None:
    definitions = list(default_registry().definitions())
    assert len(definitions) > 20
    for definition in definitions:
        row = json.loads(json.dumps(node_type_json(definition)))  # plain JSON all through
        jsonschema.Draft202012Validator.check_schema(row["parameters"])
        assert row["type"] == f"hetumind.{definition.name}", definition.name
        assert row["defaultVersion"] == max(row["versions"])
        assert isinstance(row["inputs"], int) and isinstance(row["outputs"], int)


def test_node_types_list_is_sorted_complete_and_shaped(server: Server) -> None:
    r = server.client.get("/api/v1/node-types")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    rows = r.json()["data"]
    names = [row["displayName"].lower() for row in rows]
    assert names == sorted(names)
    # What the server's processes register: the built-ins and installed entry points (this
    # test process's default registry also holds nodes other tests registered in-process).
    installed = NodeRegistry()
    installed.load_builtins()
    installed.load_entry_points()
    assert {row["name"] for row in rows} == {d.name for d in installed.definitions()}
    by_type = {t: row for row in rows for t in row["types"]}

    manual = by_type["n8n-nodes-base.manualTrigger"]
    assert manual["type"] == "hetumind.manualTrigger"
    assert manual["trigger"] is True and manual["triggerKind"] == "manual"
    assert manual["inputs"] == 0 and manual["outputs"] == 1

    if_node = by_type["n8n-nodes-base.if"]
    assert if_node["outputs"] == 2 and if_node["dynamicOutputs"] is False
    assert if_node["trigger"] is False and if_node["triggerKind"] is None

    switch = by_type["n8n-nodes-base.switch"]
    assert switch["dynamicOutputs"] is True and switch["dynamicInputs"] is False
    merge = by_type["n8n-nodes-base.merge"]
    assert merge["dynamicInputs"] is True and merge["inputs"] == 2

    set_node = by_type["n8n-nodes-base.set"]
    assert set_node["defaultVersion"] == 3.4 and 3.4 in set_node["versions"]
    assert "properties" in set_node["parameters"]

    model = next(row for row in rows if row["supplies"] == "ai_languageModel")
    assert model["inputs"] == 0
    agents = [row for row in rows if "ai_languageModel" in row["accepts"]]
    assert agents, "some root node takes a chat model"


def test_node_types_need_a_principal_and_show_in_openapi(server: Server) -> None:
    r = httpx.get(f"{server.url}/api/v1/node-types", timeout=30)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    spec = server.client.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/node-types"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/NodeTypeList")
