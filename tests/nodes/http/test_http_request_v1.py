"""HTTP Request typeVersions 1, 2 and 3 against the loopback server: their parameter
shapes, auth names, answers and errors (workflow-level cases: test_http_legacy_cases)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from helpers_http import credential, run_http
from http_server import LoopbackServer

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.registry import default_registry


def _v1(server: LoopbackServer, path: str, **params: Any) -> dict[str, Any]:
    return {"url": server.url + path, "options": {}, **params}


def test_every_version_is_registered() -> None:
    versions = default_registry().get("n8n-nodes-base.httpRequest").definition.versions  # type: ignore[union-attr]
    assert {1.0, 2.0, 3.0, 4.0, 4.1, 4.2, 4.3, 4.4} <= set(versions)


@pytest.mark.parametrize(
    ("authentication", "kind", "data", "check"),
    [
        (
            "basicAuth",
            "httpBasicAuth",
            {"user": "u", "password": "p"},
            lambda r: r["authorization"] == "Basic " + base64.b64encode(b"u:p").decode(),
        ),
        (
            "headerAuth",
            "httpHeaderAuth",
            {"name": "X-Api-Key", "value": "k"},
            lambda r: r["x-api-key"] == "k",
        ),
        (
            "queryAuth",
            "httpQueryAuth",
            {"name": "token", "value": "t"},
            lambda r: r["query"] == {"token": "t"},
        ),
    ],
)
def test_version_1_auth_names(
    server: LoopbackServer, authentication: str, kind: str, data: dict[str, str], check: Any
) -> None:
    params = _v1(server, "/auth", authentication=authentication)
    row = run_http(params, credentials=credential(kind, data), version=1).to_json()[0]
    assert check(row), row


def test_version_2_uses_generic_credential_types(server: LoopbackServer) -> None:
    params = _v1(
        server, "/auth", authentication="genericCredentialType", genericAuthType="httpBearerAuth"
    )
    creds = credential("httpBearerAuth", {"token": "abc"})
    assert run_http(params, credentials=creds, version=2).to_json()[0]["authorization"] == (
        "Bearer abc"
    )


def test_unknown_or_unsupported_auth_is_a_clear_error(server: LoopbackServer) -> None:
    with pytest.raises(NodeExecutionError, match="'magic' is not one of none, basicAuth"):
        run_http(_v1(server, "/auth", authentication="magic"), version=1)
    with pytest.raises(NodeExecutionError, match="'httpDigestAuth' is not supported"):
        run_http(_v1(server, "/auth", authentication="digestAuth"), version=1)


def test_status_errors_use_n8n_words_and_keep_the_body(server: LoopbackServer) -> None:
    with pytest.raises(NodeExecutionError, match=r"could not be found \(404 - "):
        run_http(_v1(server, "/status/404"), version=1)
    out = run_http(_v1(server, "/status/503"), [{}, {}], continue_on_fail=True, version=2)
    assert [r["error"].split(" (503")[0] for r in out.to_json()] == [
        "Service unavailable - try again later or consider setting this node to retry "
        "automatically (in the node settings)"
    ] * 2
    assert out.paired is not None and out.paired.to_pylist() == [0, 1]
    ignored = _v1(server, "/status/500", options={"ignoreResponseCode": True})
    assert run_http(ignored, version=1).to_json() == [{"status": 500}]


def test_bad_url_and_bad_json_parameters_name_the_problem(server: LoopbackServer) -> None:
    with pytest.raises(
        NodeExecutionError, match=r'Invalid URL: ftp://x\. URL must start with "http"'
    ):
        run_http({"url": "ftp://x"}, version=1)
    bad = _v1(
        server, "/echo", requestMethod="POST", jsonParameters=True, bodyParametersJson="{nope"
    )
    with pytest.raises(NodeExecutionError, match='The data in "Body Parameters" is no valid JSON'):
        run_http(bad, version=1)
    out = run_http(bad, [{}], continue_on_fail=True, version=1).to_json()
    assert "no valid JSON" in out[0]["error"]


@pytest.mark.parametrize("version", [1, 2, 4.2])
def test_url_checks_as_n8n(server: LoopbackServer, version: float) -> None:
    """n8n's HttpRequestV1/V2 tests: a blank URL, a non-string URL, a URL with spaces."""
    key = "url"
    with pytest.raises(NodeExecutionError, match="URL parameter cannot be empty"):
        run_http({key: "   "}, version=version)
    for value, kind in ((None, "null"), (42, "number")):
        with pytest.raises(NodeExecutionError, match=f"URL parameter must be a string, got {kind}"):
            run_http({key: value}, version=version)
    assert run_http({key: f"  {server.url}/same  "}, version=version).to_json() == [
        {"always": "the same"}
    ]


def test_binary_body_raw_and_multipart(server: LoopbackServer) -> None:
    item = {
        "json": {},
        "binary": {
            "data": {
                "data": base64.b64encode(b"hi!").decode(),
                "mimeType": "text/plain",
                "fileName": "a.txt",
            }
        },
    }
    raw = _v1(
        server,
        "/echo",
        requestMethod="POST",
        jsonParameters=True,
        sendBinaryData=True,
        options={"bodyContentType": "raw", "bodyContentCustomMimeType": "text/plain"},
    )
    assert run_http(raw, ItemBatch.from_items([item]), version=1).to_json()[0]["body"] == "hi!"
    multi = {
        **raw,
        "binaryPropertyName": "up:data",
        "options": {"bodyContentType": "multipart-form-data"},
    }
    body = run_http(multi, ItemBatch.from_items([item]), version=1).to_json()[0]["body"]
    assert body["up"]["filename"] == "a.txt" and base64.b64decode(body["up"]["base64"]) == b"hi!"
    json_body = {**raw, "options": {"bodyContentType": "json"}}
    with pytest.raises(NodeExecutionError, match="only supported when option"):
        run_http(json_body, ItemBatch.from_items([item]), version=1)


def test_redirects_follow_get_only_unless_asked(server: LoopbackServer) -> None:
    get = run_http(_v1(server, "/redirect"), version=1).to_json()[0]
    assert get["query"] == [["redirected", "1"]]
    post = _v1(server, "/redirect", requestMethod="POST", options={"ignoreResponseCode": True})
    assert run_http(post, version=1).to_json() == [{}]  # the 302's empty body
    every = {**post, "options": {"followAllRedirects": True}}
    assert run_http(every, version=1).to_json()[0]["path"] == "/echo"
    off = _v1(server, "/redirect", options={"followRedirect": False})
    with pytest.raises(NodeExecutionError, match="302"):
        run_http(off, version=1)


def test_version_3_keeps_dotted_body_names_and_does_not_follow_redirects(
    server: LoopbackServer,
) -> None:
    body = {
        "method": "POST",
        "url": server.url + "/echo",
        "sendBody": True,
        "bodyParameters": {"parameters": [{"name": "a.b", "value": 1}]},
    }
    assert run_http(body, version=3).to_json()[0]["body"] == {"a.b": 1}
    assert run_http(body, version=4).to_json()[0]["body"] == {"a": {"b": 1}}
    redirect = {"url": server.url + "/redirect"}
    with pytest.raises(NodeExecutionError, match="302"):
        run_http(redirect, version=3)
    assert run_http(redirect, version=4.4).to_json()[0]["query"] == [["redirected", "1"]]
