"""Identity, authorization, hardening and bad input on the real API app (in-process,
real SQLite store, real argon2/JWT): issue 14."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.server.helpers import AUTH, OWNER_EMAIL, OWNER_PASSWORD, manual_workflow
from tests.server.security_app import local_app

PUBLIC = {
    "/healthz",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
}
PUBLIC_PREFIXES = ("/webhook", "/webhook-test", "/form/", "/form-waiting/")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with local_app(tmp_path_factory.mktemp("security")) as client:
        yield client


def _key(api: TestClient, headers: dict[str, str], **body: Any) -> str:
    r = api.post("/api/v1/keys", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["key"])


def _member(api: TestClient, email: str) -> dict[str, str]:
    """A new member user and an API key of theirs."""
    r = api.post(
        "/api/v1/users", json={"email": email, "password": "a-long-password-1"}, headers=AUTH
    )
    assert r.status_code == 201, r.text
    r = api.post("/api/v1/auth/login", json={"email": email, "password": "a-long-password-1"})
    token = r.json()["accessToken"]
    return {"X-HETUMIND-API-KEY": _key(api, {"Authorization": f"Bearer {token}"})}


def _routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, also those of included routers (FastAPI keeps them nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _routes(nested.routes)
        else:
            yield route


def test_every_non_public_route_answers_401_to_anonymous_callers(api: TestClient) -> None:
    checked = 0
    for route in _routes(api.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, APIRoute):
            # Webhooks and hosted forms are public by design, as in n8n: their own node
            # options (header/basic auth, a secret path) decide who may call them.
            if route.path in PUBLIC or route.path.startswith(PUBLIC_PREFIXES):
                continue
            path = route.path.replace("{path:path}", "x")
            for name in route.param_convertors:
                path = path.replace("{" + name + "}", "x")
            for method in route.methods:
                r = api.request(
                    method, path, json={} if method in ("POST", "PUT", "PATCH") else None
                )
                assert r.status_code == 401, (method, path, r.status_code, r.text)
                assert r.json()["error"]["code"] == "unauthorized"
                checked += 1
        elif isinstance(route, APIWebSocketRoute):
            with pytest.raises(WebSocketDisconnect), api.websocket_connect(route.path) as ws:
                ws.receive_json()
            checked += 1
    assert checked >= 30
    # A wrong key or a forged token is no better than none.
    assert (
        api.get("/api/v1/workflows", headers={"X-HETUMIND-API-KEY": "hmk_x_y"}).status_code == 401
    )
    forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
    assert (
        api.get("/api/v1/workflows", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


def test_login_tokens_refresh_and_logout(api: TestClient) -> None:
    r = api.post("/api/v1/auth/login", json={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["role"] == "owner" and body["tokenType"] == "Bearer"
    bearer = {"Authorization": f"Bearer {body['accessToken']}"}
    assert api.get("/api/v1/auth/me", headers=bearer).json()["email"] == OWNER_EMAIL
    # A refresh token is not an access token, and the other way round.
    assert (
        api.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['refreshToken']}"}
        ).status_code
        == 401
    )
    assert (
        api.post("/api/v1/auth/refresh", json={"refreshToken": body["accessToken"]}).status_code
        == 401
    )
    fresh = api.post("/api/v1/auth/refresh", json={"refreshToken": body["refreshToken"]})
    assert fresh.status_code == 200
    again = {"Authorization": f"Bearer {fresh.json()['accessToken']}"}
    assert api.post("/api/v1/auth/logout", headers=again).status_code == 200
    for headers in (bearer, again):  # every session of the user ended
        assert api.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert (
        api.post("/api/v1/auth/refresh", json={"refreshToken": body["refreshToken"]}).status_code
        == 401
    )
    api.cookies.clear()


def test_browser_session_cookie_needs_the_csrf_header(tmp_path: Path) -> None:
    with local_app(tmp_path) as api:
        r = api.post("/api/v1/auth/login", json={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
        cookie = r.headers["set-cookie"]
        assert "hetumind_session=" in cookie and "HttpOnly" in cookie
        assert "samesite=strict" in cookie.lower()
        assert api.get("/api/v1/workflows").status_code == 200  # the cookie alone reads
        refused = api.post("/api/v1/workflows", json=manual_workflow("csrf"))
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["error"]["message"]
        ok = api.post(
            "/api/v1/workflows",
            json=manual_workflow("csrf"),
            headers={"X-CSRF-Token": r.json()["csrfToken"]},
        )
        assert ok.status_code == 201, ok.text


def test_failed_logins_lock_the_account(tmp_path: Path) -> None:
    with local_app(tmp_path) as api:
        for _ in range(5):
            r = api.post(
                "/api/v1/auth/login", json={"email": OWNER_EMAIL, "password": "wrong-password!"}
            )
            assert r.status_code == 401
        r = api.post("/api/v1/auth/login", json={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        audit = api.get("/api/v1/audit", params={"action": "login.failed"}, headers=AUTH).json()
        assert len(audit["data"]) == 5


def test_api_keys_are_shown_once_scoped_and_revocable(api: TestClient) -> None:
    key = _key(api, AUTH, name="reader", scopes=["workflow:read"], expiresInDays=1)
    reader = {"X-HETUMIND-API-KEY": key}
    listed = api.get("/api/v1/keys", headers=AUTH).json()["data"]
    assert key not in json.dumps(listed)
    mine = next(k for k in listed if k["name"] == "reader")
    assert key.startswith(mine["prefix"]) and mine["expiresAt"]
    assert api.get("/api/v1/workflows", headers=reader).status_code == 200
    r = api.post("/api/v1/workflows", json=manual_workflow("nope"), headers=reader)
    assert r.status_code == 403 and "workflow:write" in r.json()["error"]["message"]
    assert api.get("/api/v1/credentials", headers=reader).status_code == 403
    # A narrow key cannot mint a wider one.
    assert api.post("/api/v1/keys", json={"scopes": ["*"]}, headers=reader).status_code == 403
    assert api.delete(f"/api/v1/keys/{mine['id']}", headers=AUTH).status_code == 200
    assert api.get("/api/v1/workflows", headers=reader).status_code == 401
    bad = api.post("/api/v1/keys", json={"scopes": ["root"]}, headers=AUTH)
    assert bad.status_code == 422


def test_projects_isolate_objects_and_roles_limit_actions(api: TestClient) -> None:
    owner_wf = api.post("/api/v1/workflows", json=manual_workflow("owner's"), headers=AUTH).json()
    cred = api.post(
        "/api/v1/credentials",
        json={
            "name": "owner cred",
            "type": "httpHeaderAuth",
            "data": {"name": "X-K", "value": "s3cret"},
        },
        headers=AUTH,
    )
    assert cred.status_code == 201, cred.text
    bob = _member(api, "bob@example.com")
    # Another project's objects do not exist for Bob.
    assert api.get(f"/api/v1/workflows/{owner_wf['id']}", headers=bob).status_code == 404
    assert api.get(f"/api/v1/credentials/{cred.json()['id']}", headers=bob).status_code == 404
    assert owner_wf["id"] not in {
        w["id"] for w in api.get("/api/v1/workflows", headers=bob).json()["data"]
    }
    assert api.get("/api/v1/credentials", headers=bob).json()["data"] == []
    ran = api.post(f"/api/v1/workflows/{owner_wf['id']}/run", json=[{"n": 1}], headers=bob)
    assert ran.status_code == 404
    # Bob's own workflow lands in his personal project; the owner sees it too.
    bobs = api.post("/api/v1/workflows", json=manual_workflow("bob's"), headers=bob)
    assert bobs.status_code == 201
    assert bobs.json()["id"] in {
        w["id"] for w in api.get("/api/v1/workflows", headers=AUTH).json()["data"]
    }
    run = api.post(
        f"/api/v1/workflows/{bobs.json()['id']}/run?wait=true", json=[{"n": 2}], headers=bob
    )
    assert run.status_code == 200, run.text
    execution = run.json()["executionId"]
    assert api.get(f"/api/v1/executions/{execution}", headers=bob).status_code == 200
    assert {e["workflowId"] for e in api.get("/api/v1/executions", headers=bob).json()["data"]} == {
        bobs.json()["id"]
    }
    # As a viewer of the default project Bob reads but cannot change or run.
    me = api.get("/api/v1/auth/me", headers=bob).json()
    r = api.put(
        f"/api/v1/projects/default/members/{me['id']}", json={"role": "viewer"}, headers=AUTH
    )
    assert r.status_code == 200, r.text
    assert api.get(f"/api/v1/workflows/{owner_wf['id']}", headers=bob).status_code == 200
    assert api.post(f"/api/v1/workflows/{owner_wf['id']}/activate", headers=bob).status_code == 403
    assert api.delete(f"/api/v1/workflows/{owner_wf['id']}", headers=bob).status_code == 403
    assert (
        api.put(
            f"/api/v1/projects/default/members/{me['id']}", json={"role": "owner"}, headers=bob
        ).status_code
        == 403
    )
    # Members do not manage users; the audit log recorded the role change and the key.
    assert api.get("/api/v1/users", headers=bob).status_code == 403
    actions = {
        e["action"]
        for e in api.get("/api/v1/audit", params={"limit": 250}, headers=AUTH).json()["data"]
    }
    assert {
        "login",
        "apikey.created",
        "credential.created",
        "project.role_changed",
        "user.created",
    } <= actions


def test_a_credential_is_usable_only_by_its_projects_workflows(api: TestClient) -> None:
    from hetumind.errors import NotFound
    from serve_app.services import opened

    svc = opened()
    assert svc is not None
    cred = api.post(
        "/api/v1/credentials",
        json={"name": "scoped", "type": "httpHeaderAuth", "data": {"name": "X-K", "value": "v"}},
        headers=AUTH,
    ).json()
    portal = api.portal  # type: ignore[attr-defined]
    found = portal.call(svc.store.credentials.resolve, "httpHeaderAuth", {"id": cred["id"]})
    assert found.data["value"] == "v"
    with pytest.raises(NotFound):
        portal.call(
            lambda: svc.store.credentials.resolve(
                "httpHeaderAuth", {"id": cred["id"]}, project_id="someone-else"
            )
        )


def test_sub_workflows_reach_only_their_own_projects_workflows_and_credentials(
    api: TestClient,
) -> None:
    """A member's workflow cannot run another project's workflow by id, nor lend another
    project's credential to a sub-workflow it defines itself (issue 14, authorization)."""
    from tests.subworkflows.helpers import by_id, callee, caller, node

    owners = api.post("/api/v1/workflows", json=callee(), headers=AUTH)
    assert owners.status_code == 201, owners.text
    cred = api.post(
        "/api/v1/credentials",
        json={"name": "owner only", "type": "httpHeaderAuth", "data": {"name": "X", "value": "s"}},
        headers=AUTH,
    ).json()
    carol = _member(api, "carol@example.com")

    def run(doc: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        wf = api.post("/api/v1/workflows", json=doc, headers=headers)
        assert wf.status_code == 201, wf.text
        r = api.post(f"/api/v1/workflows/{wf.json()['id']}/run?wait=true", headers=headers)
        assert r.status_code == 200, r.text
        got = api.get(
            f"/api/v1/executions/{r.json()['executionId']}?includeData=true", headers=headers
        )
        assert got.status_code == 200, got.text
        return dict(got.json())

    # the owner's own workflow may call it (so the refusal below is about the project)
    assert run(caller(by_id(owners.json()["id"])), AUTH)["status"] == "success"
    refused = run(caller(by_id(owners.json()["id"])), carol)
    assert refused["status"] == "error"
    assert f"workflow {owners.json()['id']!r} not found" in json.dumps(refused)

    uses_cred = node(
        "Call API",
        "httpRequest",
        4.2,
        url="http://127.0.0.1:9/never",
        authentication="genericCredentialType",
        genericAuthType="httpHeaderAuth",
    )
    uses_cred["credentials"] = {"httpHeaderAuth": {"id": cred["id"], "name": "owner only"}}
    missing = "the node has no 'httpHeaderAuth' credential"

    def call_own_callee_using_the_credential(headers: dict[str, str]) -> dict[str, Any]:
        stored = api.post("/api/v1/workflows", json=callee(uses_cred), headers=headers)
        assert stored.status_code == 201, stored.text
        return run(caller(by_id(stored.json()["id"])), headers)

    # in its own project the credential resolves (the call then fails on the network)
    assert missing not in json.dumps(call_own_callee_using_the_credential(AUTH))
    lent = call_own_callee_using_the_credential(carol)
    assert lent["status"] == "error"
    assert lent["error"]["message"] == missing, lent["error"]


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"content-type": "text/plain"}, b'{"name": "x", "nodes": []}'),
        ({"content-type": "application/x-www-form-urlencoded"}, b"name=x"),
        ({}, b'{"name": "x"}'),
    ],
)
def test_json_routes_refuse_other_content_types(
    api: TestClient, headers: dict[str, str], body: bytes
) -> None:
    r = api.post("/api/v1/workflows", content=body, headers={**AUTH, **headers})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"


def test_unknown_hosts_and_foreign_websocket_origins_are_refused(api: TestClient) -> None:
    r = api.get("/healthz", headers={"host": "evil.example:8000"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_host"
    assert api.get("/healthz", headers={"host": "127.0.0.1:8000"}).status_code == 200
    with (
        pytest.raises(WebSocketDisconnect),
        api.websocket_connect(
            "/api/v1/ws", headers={**AUTH, "origin": "https://evil.example"}
        ) as ws,
    ):
        ws.receive_json()
    assert (
        "access-control-allow-origin"
        not in api.get("/healthz", headers={"origin": "https://evil.example"}).headers
    )


def test_cors_is_on_only_for_configured_origins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HETUMIND_CORS_ORIGINS", "https://app.example")
    with local_app(tmp_path) as api:
        asked = {"access-control-request-method": "GET"}
        r = api.options("/api/v1/workflows", headers={"origin": "https://app.example", **asked})
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        r = api.options("/api/v1/workflows", headers={"origin": "https://evil.example", **asked})
        assert "access-control-allow-origin" not in r.headers


HOSTILE = [
    ("deep", b"[" * 100_000 + b"]" * 100_000),
    ("surrogate value", b'{"name": "\\ud800", "nodes": [], "connections": {}}'),
    ("surrogate key", b'{"name": "x", "nodes": [], "connections": {}, "\\udfff": 1}'),
    ("huge number", b'{"name": "x", "nodes": [], "connections": {}, "n": ' + b"9" * 5000 + b"}"),
    ("beyond 64 bits", b'{"name": "x", "nodes": [], "connections": {}, "n": ' + b"9" * 30 + b"}"),
    ("infinity", b'{"name": "x", "nodes": [], "connections": {}, "n": Infinity}'),
]


@pytest.mark.parametrize(("name", "body"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_bodies_answer_4xx_and_store_nothing(
    api: TestClient, name: str, body: bytes
) -> None:
    before = api.get("/api/v1/workflows", params={"limit": 250}, headers=AUTH).json()["data"]
    r = api.post(
        "/api/v1/workflows", content=body, headers={**AUTH, "content-type": "application/json"}
    )
    assert r.status_code == 400, r.text
    assert set(r.json()["error"]) == {"code", "message", "details"}
    after = api.get("/api/v1/workflows", params={"limit": 250}, headers=AUTH).json()["data"]
    assert after == before
    wf = api.post("/api/v1/workflows", json=manual_workflow("victim"), headers=AUTH).json()
    run = api.post(
        f"/api/v1/workflows/{wf['id']}/run",
        content=body,
        headers={**AUTH, "content-type": "application/json"},
    )
    assert run.status_code == 400


def test_a_forged_2_pow_70_cursor_is_a_400(api: TestClient) -> None:
    import base64

    cursor = base64.urlsafe_b64encode(json.dumps({"offset": 2**70}).encode()).decode()
    for path in ("/api/v1/workflows", "/api/v1/executions", "/api/v1/credentials", "/api/v1/audit"):
        r = api.get(path, params={"cursor": cursor}, headers=AUTH)
        assert r.status_code == 400, (path, r.text)


def test_expired_keys_and_disabled_users_are_refused(api: TestClient) -> None:
    from datetime import timedelta

    from hetumind.store.models import ApiKeyRecord, utcnow
    from serve_app.services import opened

    svc = opened()
    assert svc is not None
    carol = _member(api, "carol@example.com")
    assert api.get("/api/v1/auth/me", headers=carol).status_code == 200
    me = api.get("/api/v1/auth/me", headers=carol).json()

    async def expire() -> None:
        async with svc.store.transaction() as session:
            for key in await svc.store.api_keys.list(me["id"]):
                row = await session.get(ApiKeyRecord, key.id)
                assert row is not None
                row.expires_at = utcnow() - timedelta(seconds=1)

    api.portal.call(expire)  # type: ignore[attr-defined]
    assert api.get("/api/v1/auth/me", headers=carol).status_code == 401
    fresh = {"X-HETUMIND-API-KEY": _key(api, AUTH)}  # the owner's, to disable Carol
    assert (
        api.patch(f"/api/v1/users/{me['id']}", json={"disabled": True}, headers=fresh).status_code
        == 200
    )
    login = api.post(
        "/api/v1/auth/login", json={"email": "carol@example.com", "password": "a-long-password-1"}
    )
    assert login.status_code == 401
