"""Credentials stay with their origin when a redirect leaves it (n8n's HTTP Request 4.4
default; we do it in every version): header, query and basic credentials alike."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pytest
from helpers_http import credential, run_http
from http_server import LoopbackServer

from hetumind.errors import NodeExecutionError

HEADER = ("httpHeaderAuth", {"name": "X-Api-Key", "value": "k"})
QUERY = ("httpQueryAuth", {"name": "token", "value": "t"})
BASIC = ("httpBasicAuth", {"user": "u", "password": "p"})


def _via_redirect(server: LoopbackServer, target: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "url": f"{server.url}/goto?to={quote(target, safe='')}",
        "authentication": "genericCredentialType",
        "genericAuthType": kind,
        **extra,
    }


@pytest.mark.parametrize("version", [1, 2, 4.2, 4.4])
def test_cross_origin_redirect_drops_every_credential(
    server: LoopbackServer, version: float
) -> None:
    other = server.url.replace("127.0.0.1", "localhost") + "/auth"
    for kind, data in (HEADER, QUERY, BASIC):
        params = _via_redirect(server, other, kind, options={})
        if version < 2:
            params["authentication"] = {
                "httpHeaderAuth": "headerAuth",
                "httpQueryAuth": "queryAuth",
                "httpBasicAuth": "basicAuth",
            }[kind]
        row = run_http(params, credentials=credential(kind, data), version=version).to_json()[0]
        assert row["authorization"] is None and row["x-api-key"] is None, row
        assert "token" not in row["query"], row


def test_same_origin_redirect_keeps_credentials(server: LoopbackServer) -> None:
    for kind, data in (HEADER, BASIC):
        row = run_http(
            _via_redirect(server, "/auth", kind), credentials=credential(kind, data), version=4.4
        ).to_json()[0]
        assert (
            row["x-api-key"] == "k"
            or row["authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
        )


def test_redirect_rules_and_limits(server: LoopbackServer) -> None:
    kind, data = HEADER
    post = _via_redirect(
        server,
        "/echo",
        kind,
        method="POST",
        sendBody=True,
        bodyParameters={"parameters": [{"name": "a", "value": "1"}]},
    )
    echoed = run_http(post, credentials=credential(kind, data), version=4.4).to_json()[0]
    assert (echoed["method"], echoed["body"]) == ("GET", "")  # 302 after POST becomes a GET
    keep = {**post, "url": post["url"] + "&status=307"}
    echoed = run_http(keep, credentials=credential(kind, data), version=4.4).to_json()[0]
    assert (echoed["method"], echoed["body"]) == ("POST", {"a": "1"})
    loop = {
        **_via_redirect(server, "/loop", kind),
        "options": {"redirect": {"redirect": {"followRedirects": True, "maxRedirects": 3}}},
    }
    with pytest.raises(NodeExecutionError, match=r"more redirects than allowed \(3"):
        run_http(loop, credentials=credential(kind, data), version=4.4)
