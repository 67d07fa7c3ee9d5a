"""The OpenAPI pages work offline: /docs (Swagger UI) and /redoc load every script,
stylesheet and icon from the server itself, and those files are served (issue 19)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.server.helpers import Server

_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
_CDN = re.compile(r"https?://", re.I)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_pages_load_only_same_origin_assets(server: Server, page: str) -> None:
    r = httpx.get(server.url + page, timeout=30)  # public, as FastAPI's pages are
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assets = [a for a in _ASSET.findall(r.text) if not a.startswith("data:")]
    assert assets, f"{page} references no assets"
    # ReDoc's page links Google Fonts; fastapi-offline's page must not.
    assert not [a for a in assets if _CDN.match(a)], assets
    for asset in assets:
        got = httpx.get(server.url + asset, timeout=30)
        assert got.status_code == 200, (asset, got.status_code)
        assert len(got.content) > 1000, asset


def test_swagger_ui_is_a_version_that_renders_openapi_3_1(server: Server) -> None:
    spec = httpx.get(server.url + "/openapi.json", timeout=30).json()
    assert spec["openapi"].startswith("3.1")
    bundle = httpx.get(server.url + "/docs/assets/swagger-ui-bundle.js", timeout=30)
    assert "SwaggerUIBundle" in bundle.text
    # Swagger UI renders OpenAPI 3.1 documents from version 5 on.
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.\d+\.\d+"', bundle.text)
    assert version is not None and int(version.group(1)) >= 5
