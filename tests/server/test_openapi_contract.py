"""The OpenAPI document is a contract: every /api/v1 operation declares its success body
and its error statuses in the one error shape, and what routes answer fits it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from tests.server.helpers import manual_workflow
from tests.server.security_app import AUTH, local_app

ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with local_app(tmp_path_factory.mktemp("contract")) as client:
        yield client


@pytest.fixture(scope="module")
def doc(api: TestClient) -> dict[str, Any]:
    r = api.get("/openapi.json")
    assert r.status_code == 200
    return dict(r.json())


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in doc["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in operations.items():
                yield method.upper(), path, operation


def test_every_api_operation_declares_its_body_and_errors(doc: dict[str, Any]) -> None:
    operations = list(_operations(doc))
    assert len(operations) > 30
    for method, path, operation in operations:
        where = f"{method} {path}"
        responses = operation["responses"]
        success = [s for s in responses if s.startswith("2")]
        assert success, f"{where} declares no success response"
        for status in success:
            content = responses[status].get("content", {})
            schemas = [c.get("schema") for c in content.values()]
            assert schemas and all(schemas), f"{where} {status} declares no body schema"
            json_schema = content.get("application/json", {}).get("schema")
            if json_schema is not None:
                # a model, not FastAPI's free-form `{}` or `object`
                assert "$ref" in json_schema or "anyOf" in json_schema, (where, json_schema)
        assert "401" in responses, f"{where} does not declare 401"
        errors = [s for s in responses if s[0] in "45"]
        assert {"400", "503"} <= set(errors), where
        for status in errors:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, f"{where} {status}: {schema}"
    assert "HTTPValidationError" not in str(doc["paths"])  # never answered: 400s instead


def test_errors_are_declared_per_route(doc: dict[str, Any]) -> None:
    responses = {(m, p): op["responses"] for m, p, op in _operations(doc)}
    get_one = responses[("GET", "/api/v1/workflows/{workflow_id}")]
    assert {"404", "401", "403"} <= set(get_one) and "415" not in get_one
    assert "404" not in responses[("GET", "/api/v1/workflows")]
    assert {"413", "415", "422"} <= set(responses[("POST", "/api/v1/workflows")])
    assert "429" in responses[("POST", "/api/v1/auth/login")]
    assert "429" in responses[("POST", "/api/v1/workflows/{workflow_id}/run")]
    assert set(responses[("POST", "/api/v1/workflows/{workflow_id}/run")]) >= {"200", "202"}


def _check(doc: dict[str, Any], method: str, path: str, response: Any) -> None:
    """`response`'s body against the schema `doc` declares for its status."""
    declared = doc["paths"][path][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in declared, f"{method} {path} answered undeclared {status}: {response.text}"
    schema = declared[status]["content"]["application/json"]["schema"]
    # The document as the root, so `#/components/schemas/..` resolves.
    jsonschema.Draft202012Validator({**schema, "components": doc["components"]}).validate(
        response.json()
    )


def test_answers_fit_the_declared_models(api: TestClient, doc: dict[str, Any]) -> None:
    calls: list[tuple[str, str, Any]] = []

    def call(method: str, template: str, url: str, **kw: Any) -> Any:
        r = api.request(method, url, headers={**AUTH, **kw.pop("headers", {})}, **kw)
        calls.append((method, template, r))
        return r

    wf = call("POST", "/api/v1/workflows", "/api/v1/workflows", json=manual_workflow("c")).json()
    wid = wf["id"]
    call("GET", "/api/v1/workflows", "/api/v1/workflows")
    call("GET", "/api/v1/workflows/{workflow_id}", f"/api/v1/workflows/{wid}")
    call("GET", "/api/v1/workflows/{workflow_id}", "/api/v1/workflows/nope")  # 404
    call("GET", "/api/v1/workflows/{workflow_id}/versions", f"/api/v1/workflows/{wid}/versions")
    call("GET", "/api/v1/workflows", "/api/v1/workflows?cursor=x")  # 400
    call("POST", "/api/v1/workflows", "/api/v1/workflows", json={"nodes": [{"x": 1}]})  # 422
    run = call(
        "POST",
        "/api/v1/workflows/{workflow_id}/run",
        f"/api/v1/workflows/{wid}/run?wait=true",
        json={"n": 1},
    )
    assert run.status_code == 200, run.text
    execution = run.json()["executionId"]
    call("GET", "/api/v1/executions", "/api/v1/executions")
    call(
        "GET",
        "/api/v1/executions/{execution_id}",
        f"/api/v1/executions/{execution}?includeData=true",
    )
    call(
        "GET",
        "/api/v1/executions/{execution_id}/profile",
        f"/api/v1/executions/{execution}/profile",
    )
    call("POST", "/api/v1/executions/{execution_id}/stop", f"/api/v1/executions/{execution}/stop")
    cred = call(
        "POST",
        "/api/v1/credentials",
        "/api/v1/credentials",
        json={"name": "k", "type": "httpHeaderAuth", "data": {"name": "X", "value": "s"}},
    ).json()
    call("GET", "/api/v1/credentials", "/api/v1/credentials")
    call(
        "PATCH",
        "/api/v1/credentials/{credential_id}",
        f"/api/v1/credentials/{cred['id']}",
        json={"data": {"value": 0}},
    )  # 422
    call("GET", "/api/v1/auth/me", "/api/v1/auth/me")
    call("GET", "/api/v1/keys", "/api/v1/keys")
    call("POST", "/api/v1/keys", "/api/v1/keys", json={"name": "ci"})
    call("GET", "/api/v1/users", "/api/v1/users")
    call("GET", "/api/v1/projects", "/api/v1/projects")
    call("GET", "/api/v1/audit", "/api/v1/audit")
    call("DELETE", "/api/v1/credentials/{credential_id}", f"/api/v1/credentials/{cred['id']}")
    call("DELETE", "/api/v1/executions/{execution_id}", f"/api/v1/executions/{execution}")
    call("DELETE", "/api/v1/workflows/{workflow_id}", f"/api/v1/workflows/{wid}")
    anonymous = api.get("/api/v1/workflows")
    calls.append(("GET", "/api/v1/workflows", anonymous))
    assert anonymous.status_code == 401
    statuses = {r.status_code for _, _, r in calls}
    assert {200, 201, 400, 401, 404, 409, 422} <= statuses, statuses
    for method, template, response in calls:
        _check(doc, method, template, response)


def test_a_response_that_breaks_its_model_is_caught(doc: dict[str, Any]) -> None:
    """The check above can fail: a workflow without its versionId does not fit."""

    class Fake:
        status_code = 200
        text = ""

        @staticmethod
        def json() -> Any:
            return {"id": "w", "name": "n", "active": False, "nodes": [], "connections": {}}

    with pytest.raises(jsonschema.ValidationError):
        _check(doc, "GET", "/api/v1/workflows/{workflow_id}", Fake())
