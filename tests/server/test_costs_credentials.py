"""The per-replica credential cache: a run after a credential changed uses the new value,
whichever replica changed it, and unchanged credentials are not decrypted again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.helpers import AUTH
from tests.server.security_app import local_app

SENT: list[str | None] = []
"""The X-Token of every request the echo server received: what a run really sent (the
run's own reply masks credential secrets)."""


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        SENT.append(self.headers.get("X-Token"))
        body = json.dumps({"token": self.headers.get("X-Token")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("credential-cache")
    with local_app(home, HETUMIND_ALLOWED_HOSTS="127.0.0.1") as client:
        yield client


def _workflow(url: str, credential: dict[str, str]) -> dict[str, Any]:
    return {
        "name": "credential cache",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            {
                "name": "HTTP",
                "type": "n8n-nodes-base.httpRequest",
                "typeVersion": 4.2,
                "parameters": {
                    "method": "GET",
                    "url": url,
                    "authentication": "genericCredentialType",
                    "genericAuthType": "httpHeaderAuth",
                },
                "credentials": {"httpHeaderAuth": credential},
            },
        ],
        "connections": {"Start": {"main": [[{"node": "HTTP", "type": "main", "index": 0}]]}},
    }


def _sent_token(api: TestClient, workflow_id: str) -> Any:
    r = api.post(f"/api/v1/workflows/{workflow_id}/run?wait=true", json=[{}], headers=AUTH)
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["status"] == "success", run
    # the reply masks the secret the server echoed; the echo server saw the real one
    assert run["runData"]["HTTP"][0]["outputs"][0][0]["token"] == "***"
    return SENT[-1]


def _credential(api: TestClient, name: str, value: str) -> str:
    made = api.post(
        "/api/v1/credentials",
        json={"name": name, "type": "httpHeaderAuth", "data": {"name": "X-Token", "value": value}},
        headers=AUTH,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _cache(api: TestClient) -> Any:
    from serve_app.services import opened

    services = opened()
    assert services is not None
    return services.executor.credential_cache


@pytest.mark.parametrize("by", ["id", "name"])
def test_next_run_uses_the_updated_credential(api: TestClient, echo: str, by: str) -> None:
    cid = _credential(api, f"token by {by}", "first")
    ref = {"id": cid, "name": "stale name"} if by == "id" else {"name": f"token by {by}"}
    r = api.post("/api/v1/workflows", json=_workflow(echo, ref), headers=AUTH)
    assert r.status_code == 201, r.text
    wf = r.json()["id"]
    assert _sent_token(api, wf) == "first"
    decrypted = _cache(api).decrypted
    assert _sent_token(api, wf) == "first"
    assert _cache(api).decrypted == decrypted  # unchanged: served from the cache

    patched = api.patch(
        f"/api/v1/credentials/{cid}", json={"data": {"value": "second"}}, headers=AUTH
    )
    assert patched.status_code == 200, patched.text
    assert _sent_token(api, wf) == "second"

    assert api.delete(f"/api/v1/credentials/{cid}", headers=AUTH).status_code in (200, 204)
    r = api.post(f"/api/v1/workflows/{wf}/run?wait=true", json=[{}], headers=AUTH)
    assert r.json()["status"] == "error"  # the node says the credential is missing
    assert "second" not in r.text


def test_a_change_made_through_another_replica_is_seen(tmp_path: Path) -> None:
    """Two replicas are two stores (and caches) on one database: no signal passes
    between them, the version check alone makes the second see the first's update."""
    from hetumind.store import Store
    from hetumind.store.settings import StoreSettings, sqlite_url
    from serve_app.credential_cache import CredentialCache

    url = sqlite_url(tmp_path / "db.sqlite")
    settings = StoreSettings(tmp_path, url, str(tmp_path / "blobs"), encryption_key="k")
    one = Store.open_sync(url, settings=settings)
    two = Store.open_sync(url, settings=settings, migrate=False)
    try:
        made = one.run_sync(
            one.credentials.create(
                name="t", type="httpHeaderAuth", data={"name": "X-Token", "value": "v1"}
            )
        )
        cache = CredentialCache(two)
        refs = [("httpHeaderAuth", {"id": made.id})]
        key = "httpHeaderAuth:" + made.id + ":"
        assert two.run_sync(cache.resolve(refs, None))[key]["value"] == "v1"
        assert two.run_sync(cache.resolve(refs, None))[key]["value"] == "v1"
        assert cache.decrypted == 1
        one.run_sync(one.credentials.update(made.id, data={"value": "v2"}))
        assert two.run_sync(cache.resolve(refs, None))[key]["value"] == "v2"
        # another project's workflow does not reach it, cached or not
        assert two.run_sync(cache.resolve(refs, "some-other-project")) == {}
        one.run_sync(one.credentials.delete(made.id))
        assert two.run_sync(cache.resolve(refs, None)) == {}
    finally:
        two.close_sync()
        one.close_sync()
