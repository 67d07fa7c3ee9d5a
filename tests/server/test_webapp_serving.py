"""The web app on the API's origin: index.html for app pages, cached assets, CSP, and the
API's own 404s and 405s left as they were."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hetumind.webapp import STATIC_DIR
from serve_app.errors import install_error_handlers
from serve_app.webapp import install_webapp
from tests.server.helpers import Server


def test_index_and_spa_fallback_need_no_login_and_carry_a_strict_csp(server: Server) -> None:
    index = (STATIC_DIR / "index.html").read_bytes()
    for path in ("/", "/workflows/abc", "/executions/x/y", "/login"):
        r = httpx.get(server.url + path, timeout=30)  # no credentials
        assert r.status_code == 200, (path, r.status_code)
        assert r.content == index
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-cache"
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp


def test_server_paths_never_fall_back_to_the_app(server: Server) -> None:
    r = httpx.get(f"{server.url}/api/v1/nope", timeout=30)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = server.client.get("/api/v1/workflows/none/at/all")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    for path in ("/webhook/none", "/assets/missing-1234.js", "/missing.js", "/docsx"):
        r = httpx.get(server.url + path, timeout=30)
        assert r.status_code == 404, (path, r.status_code)
        assert "html" not in r.headers.get("content-type", ""), path
    # A method the path does not take is still a 405, not the app's page.
    r = server.client.put("/api/v1/auth/me", json={})
    assert r.status_code == 405
    r = httpx.post(f"{server.url}/workflows/abc", json={}, timeout=30)
    assert r.status_code in (404, 405) and "html" not in r.headers["content-type"]
    # The API stays protected.
    assert httpx.get(f"{server.url}/api/v1/workflows", timeout=30).status_code == 401


def test_hashed_assets_are_immutable_and_top_level_files_revalidate(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "index-3f9a.js").write_text("console.log(1)\n")
    (tmp_path / "index.html").write_text("<!doctype html><title>Hetumind</title>")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    api = FastAPI()
    install_error_handlers(api)
    install_webapp(api, tmp_path)
    with TestClient(api) as client:
        r = client.get("/assets/index-3f9a.js")
        assert r.status_code == 200 and r.text == "console.log(1)\n"
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "javascript" in r.headers["content-type"]
        assert "content-security-policy" not in r.headers
        r = client.get("/favicon.svg")
        assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
        assert client.get("/../index.html").status_code == 404  # nothing above the build
        r = client.get("/assets/../../etc/passwd")
        assert "root:" not in r.text  # at most the app's page, never a file above the build
        r = client.get("/workflows/1")
        assert r.text.startswith("<!doctype") and "content-security-policy" in r.headers
