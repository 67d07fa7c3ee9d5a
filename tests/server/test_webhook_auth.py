"""Webhook authentication as n8n's Webhook node does it (basic, header, bearer, JWT with
n8n's credential shapes) and options.ipWhitelist; test URLs need a principal."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.server.helpers import AUTH, webhook_workflow
from tests.server.security_app import local_app


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with local_app(tmp_path_factory.mktemp("webhook-auth")) as client:
        yield client


def _hook(
    api: TestClient, path: str, auth: str, cred: tuple[str, dict[str, Any]] | None, **options: Any
) -> None:
    doc = webhook_workflow(path, "lastNode", extra={"authentication": auth, "options": options})
    if cred is not None:
        made = api.post(
            "/api/v1/credentials",
            json={"name": f"{path} cred", "type": cred[0], "data": cred[1]},
            headers=AUTH,
        )
        assert made.status_code == 201, made.text
        doc["nodes"][0]["credentials"] = {cred[0]: {"id": made.json()["id"], "name": "x"}}
    r = api.post("/api/v1/workflows", json={**doc, "active": True}, headers=AUTH)
    assert r.status_code == 201, r.text


def _basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_auth(api: TestClient) -> None:
    _hook(api, "basic", "basicAuth", ("httpBasicAuth", {"user": "u", "password": "p"}))
    missing = api.post("/webhook/basic", json={"name": "A"})
    assert missing.status_code == 401 and missing.text == "Authorization is required!"
    assert missing.headers["www-authenticate"] == 'Basic realm="Webhook"'
    wrong = api.post("/webhook/basic", json={"name": "A"}, headers=_basic("u", "nope"))
    assert wrong.status_code == 403 and wrong.text == "Authorization data is wrong!"
    ok = api.post("/webhook/basic", json={"name": "A"}, headers=_basic("u", "p"))
    assert ok.status_code == 200 and ok.json()["greeting"] == "Hello A"


def test_header_auth(api: TestClient) -> None:
    _hook(api, "header", "headerAuth", ("httpHeaderAuth", {"name": "X-Token", "value": "t0k"}))
    assert api.post("/webhook/header", json={}).status_code == 403
    assert api.post("/webhook/header", json={}, headers={"x-token": "bad"}).status_code == 403
    ok = api.post("/webhook/header", json={"name": "H"}, headers={"X-Token": "t0k"})
    assert ok.status_code == 200 and ok.json()["greeting"] == "Hello H"


def test_jwt_auth_puts_the_payload_on_the_item(api: TestClient) -> None:
    secret = "a-passphrase-of-32-bytes-or-more!!"
    _hook(
        api,
        "jwt",
        "jwtAuth",
        ("jwtAuth", {"keyType": "passphrase", "secret": secret, "algorithm": "HS256"}),
    )
    none = api.post("/webhook/jwt", json={})
    assert none.status_code == 401 and none.text == "No token provided"
    forged = jwt.encode({"sub": "x"}, "another-secret-of-32-bytes-length!", algorithm="HS256")
    bad = api.post("/webhook/jwt", json={}, headers={"authorization": f"Bearer {forged}"})
    assert bad.status_code == 403 and bad.text == "Signature verification failed"
    unsigned = jwt.encode({"sub": "x"}, None, algorithm="none")
    assert (
        api.post(
            "/webhook/jwt", json={}, headers={"authorization": f"Bearer {unsigned}"}
        ).status_code
        == 403
    )
    token = jwt.encode({"sub": "ann"}, secret, algorithm="HS256")
    ok = api.post("/webhook/jwt", json={"name": "J"}, headers={"authorization": f"Bearer {token}"})
    assert ok.status_code == 200, ok.text
    run = api.get("/api/v1/executions", params={"limit": 1}, headers=AUTH).json()["data"][0]
    data = api.get(f"/api/v1/executions/{run['id']}", params={"includeData": "true"}, headers=AUTH)
    assert data.json()["runData"]["Webhook"][0]["outputs"][0][0]["jwtPayload"] == {"sub": "ann"}


def test_auth_without_a_usable_credential_refuses(api: TestClient) -> None:
    _hook(api, "nocred", "basicAuth", None)
    r = api.post("/webhook/nocred", json={}, headers=_basic("u", "p"))
    assert r.status_code == 403 and r.text == "No authentication data defined on node!"


def test_ip_whitelist(api: TestClient) -> None:
    _hook(api, "ips-no", "none", None, ipWhitelist="10.0.0.1, 192.168.0.0/16")
    r = api.post("/webhook/ips-no", json={})
    assert r.status_code == 403 and r.text == "IP is not whitelisted to access the webhook!"
    # TestClient's peer address is "testclient": only a wildcard-free list refuses it, so
    # allow-all is checked with the empty list n8n treats as "no restriction".
    _hook(api, "ips-empty", "none", None, ipWhitelist="")
    assert api.post("/webhook/ips-empty", json={"name": "I"}).status_code == 200


def test_test_webhooks_need_a_principal(api: TestClient) -> None:
    doc = webhook_workflow("test-only", "lastNode")
    assert api.post("/api/v1/workflows", json=doc, headers=AUTH).status_code == 201
    assert api.post("/webhook-test/test-only", json={"name": "T"}).status_code == 401
    ok = api.post("/webhook-test/test-only", json={"name": "T"}, headers=AUTH)
    assert ok.status_code == 200 and ok.json()["greeting"] == "Hello T"
