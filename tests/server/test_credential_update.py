"""PATCH /api/v1/credentials/{id} checks the merged data as create checks new data: JSON
types as JSON has them (`0` is not `false`, "6380" is not a port), a 422 naming the field,
and nothing stored when it is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.security_app import AUTH, local_app


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with local_app(tmp_path_factory.mktemp("credential-update")) as client:
        yield client


def _redis(api: TestClient) -> dict[str, Any]:
    r = api.post(
        "/api/v1/credentials",
        json={"name": "cache", "type": "redis", "data": {"host": "h", "password": "pw"}},
        headers=AUTH,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"ssl": 0}, "ssl"),
        ({"ssl": "true"}, "ssl"),
        ({"port": "6380"}, "port"),
        ({"port": 1.5}, "port"),
        ({"database": -1}, "database"),
        ({"nope": 1}, "nope"),
    ],
)
def test_patch_refuses_loosely_typed_data_naming_the_field(
    api: TestClient, data: dict[str, Any], field: str
) -> None:
    cred = _redis(api)
    # Create refuses the same value with the same answer.
    created = api.post(
        "/api/v1/credentials",
        json={"name": "c2", "type": "redis", "data": {"host": "h", **data}},
        headers=AUTH,
    )
    assert created.status_code == 422, created.text
    r = api.patch(f"/api/v1/credentials/{cred['id']}", json={"data": data}, headers=AUTH)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "credential_invalid"
    assert field in str(error["details"]) and field in error["message"]
    assert error["details"] == created.json()["error"]["details"]
    # Nothing changed.
    stored = api.get(f"/api/v1/credentials/{cred['id']}", headers=AUTH).json()
    assert stored["data"] == cred["data"]


def test_patch_with_json_typed_data_keeps_redacted_secrets(api: TestClient) -> None:
    cred = _redis(api)
    sent = {**cred["data"], "ssl": True, "port": 6380}  # the password comes back redacted
    r = api.patch(f"/api/v1/credentials/{cred['id']}", json={"data": sent}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["ssl"] is True and r.json()["data"]["port"] == 6380
    assert r.json()["data"]["password"] == cred["data"]["password"]  # still redacted, kept
    renamed = api.patch(f"/api/v1/credentials/{cred['id']}", json={"name": "c3"}, headers=AUTH)
    assert renamed.status_code == 200 and renamed.json()["name"] == "c3"


def test_patch_refuses_a_bad_name_as_create_does(api: TestClient) -> None:
    cred = _redis(api)
    r = api.patch(f"/api/v1/credentials/{cred['id']}", json={"name": 5, "data": {}}, headers=AUTH)
    assert r.status_code == 422, r.text
    assert "name" in r.json()["error"]["message"]
