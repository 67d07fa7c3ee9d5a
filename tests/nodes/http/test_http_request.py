"""HTTP Request: what is sent (query, headers, bodies, auth) and how answers become items."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from helpers_http import credential, run_http
from http_server import PNG, LoopbackServer

from hetumind.binary import put_binary, read_binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch


def _get(server: LoopbackServer, path: str, **extra: Any) -> dict[str, Any]:
    return {"method": "GET", "url": server.url + path, **extra}


def _send(server: LoopbackServer, method: str = "POST", **extra: Any) -> dict[str, Any]:
    """Parameters that send a body to /echo, which answers with what it received."""
    return {"method": method, "url": server.url + "/echo", "sendBody": True, **extra}


def test_get_json_object_is_one_item_paired_with_its_input(server: LoopbackServer) -> None:
    out = run_http(_get(server, "/echo"), [{"a": 1}, {"a": 2}])
    rows = out.to_json()
    assert [r["method"] for r in rows] == ["GET", "GET"]
    assert out.paired is not None and out.paired.to_pylist() == [0, 1]


def test_json_array_answer_gives_one_item_per_element(server: LoopbackServer) -> None:
    out = run_http(_get(server, "/list"), [{}, {}])
    assert out.to_json() == [{"n": 1}, {"n": 2}, {"n": 1}, {"n": 2}]
    assert out.paired is not None and out.paired.to_pylist() == [0, 0, 1, 1]


def test_empty_input_sends_nothing(server: LoopbackServer) -> None:
    before = len(server.state.log)
    out = run_http(_get(server, "/echo"), [])
    assert len(out) == 0 and len(server.state.log) == before


def test_query_keypair_and_expressions_per_item(server: LoopbackServer) -> None:
    params = _get(
        server,
        "/echo",
        sendQuery=True,
        queryParameters={
            "parameters": [
                {"name": "q", "value": "={{ $json.term }}"},
                {"name": "", "value": "ignored"},
                {"name": "n", "value": 5},
            ]
        },
    )
    rows = run_http(params, [{"term": "a b"}, {"term": "ü"}]).to_json()
    assert rows[0]["query"] == [["q", "a b"], ["n", "5"]]
    assert rows[1]["query"] == [["q", "ü"], ["n", "5"]]


def test_query_json_with_arrays_per_array_format(server: LoopbackServer) -> None:
    base = _get(
        server,
        "/echo",
        sendQuery=True,
        specifyQuery="json",
        jsonQuery='{"ids": [1, 2], "f": {"x": "y"}}',
    )
    # unset, n8n leaves qs at its default, indices (recorded: legacy_http_v3_v4)
    assert run_http(base).to_json()[0]["query"] == [["ids[0]", "1"], ["ids[1]", "2"], ["f[x]", "y"]]
    brackets = {**base, "options": {"queryParameterArrays": "brackets"}}
    assert run_http(brackets).to_json()[0]["query"][:2] == [["ids[]", "1"], ["ids[]", "2"]]
    repeat = {**base, "options": {"queryParameterArrays": "repeat"}}
    assert run_http(repeat).to_json()[0]["query"][:2] == [["ids", "1"], ["ids", "2"]]


def test_repeated_query_names_become_arrays_from_4_3(server: LoopbackServer) -> None:
    params = _get(
        server,
        "/echo",
        sendQuery=True,
        queryParameters={"parameters": [{"name": "t", "value": "a"}, {"name": "t", "value": "b"}]},
    )
    assert run_http(params, version=4.3).to_json()[0]["query"] == [["t[0]", "a"], ["t[1]", "b"]]
    assert run_http(params, version=4.2).to_json()[0]["query"] == [["t", "b"]]


def test_headers_keypair_lowercased_and_json(server: LoopbackServer) -> None:
    params = _get(
        server,
        "/echo",
        sendHeaders=True,
        headerParameters={"parameters": [{"name": "X-Trace", "value": "={{ $json.id }}"}]},
    )
    headers = run_http(params, [{"id": "t-1"}]).to_json()[0]["headers"]
    assert headers["x-trace"] == "t-1"
    assert headers["accept"].startswith("application/json")
    as_json = _get(
        server,
        "/echo",
        sendHeaders=True,
        specifyHeaders="json",
        jsonHeaders='{"X-A": "1", "Accept": "text/plain"}',
    )
    headers = run_http(as_json).to_json()[0]["headers"]
    assert headers["x-a"] == "1" and headers["accept"] == "text/plain"


def test_json_body_keypair_nests_dotted_names(server: LoopbackServer) -> None:
    params = _send(
        server,
        bodyParameters={
            "parameters": [
                {"name": "user.name", "value": "={{ $json.name }}"},
                {"name": "count", "value": 3},
            ]
        },
    )
    row = run_http(params, [{"name": "Ada"}]).to_json()[0]
    assert row["headers"]["content-type"] == "application/json"
    assert row["body"] == {"user": {"name": "Ada"}, "count": 3}


def test_json_body_from_json_text_and_invalid_json_error(server: LoopbackServer) -> None:
    body = "={{ JSON.stringify({v: $json.v}) }}"
    params = _send(server, "PUT", specifyBody="json", jsonBody=body)
    assert run_http(params, [{"v": [1, 2]}]).to_json()[0]["body"] == {"v": [1, 2]}
    bad = {**params, "jsonBody": "{nope"}
    with pytest.raises(NodeExecutionError, match=r"node 'HTTP', item 0: JSON parameter needs"):
        run_http(bad)


def test_form_urlencoded_keypair_and_string(server: LoopbackServer) -> None:
    params = _send(
        server,
        contentType="form-urlencoded",
        bodyParameters={
            "parameters": [{"name": "a", "value": "1 2"}, {"name": "b", "value": True}]
        },
    )
    assert run_http(params).to_json()[0]["body"] == {"a": "1 2", "b": "true"}
    string = {**params, "specifyBody": "string", "body": "x=1&y=%C3%BC"}
    assert run_http(string).to_json()[0]["body"] == {"x": "1", "y": "ü"}


def test_multipart_with_a_binary_field(server: LoopbackServer) -> None:
    entry = put_binary(PNG, mime_type="image/png", file_name="logo.png")
    params = _send(
        server,
        contentType="multipart-form-data",
        bodyParameters={
            "parameters": [
                {"parameterType": "formData", "name": "title", "value": "={{ $json.t }}"},
                {"parameterType": "formBinaryData", "name": "file", "inputDataFieldName": "data"},
            ]
        },
    )
    body = run_http(params, [{"json": {"t": "Logo"}, "binary": {"data": entry}}]).to_json()[0][
        "body"
    ]
    assert body["title"] == "Logo"
    assert body["file"]["filename"] == "logo.png"
    assert body["file"]["contentType"] == "image/png"
    assert base64.b64decode(body["file"]["base64"]) == PNG


def test_multipart_missing_binary_names_item_and_field(server: LoopbackServer) -> None:
    params = _send(
        server,
        contentType="multipart-form-data",
        bodyParameters={
            "parameters": [
                {"parameterType": "formBinaryData", "name": "f", "inputDataFieldName": "doc"}
            ]
        },
    )
    with pytest.raises(NodeExecutionError, match=r"item 1: .*binary file 'doc'"):
        run_http(params, [{"json": {}, "binary": {"doc": put_binary(b"x")}}, {"json": {}}])


def test_raw_body_and_binary_data_body(server: LoopbackServer) -> None:
    raw = _send(server, contentType="raw", rawContentType="text/csv", body="a,b\n1,2")
    row = run_http(raw).to_json()[0]
    assert row["headers"]["content-type"] == "text/csv" and row["body"] == "a,b\n1,2"
    entry = put_binary(b"\x00\x01payload", mime_type="application/x-thing")
    upload = {**raw, "contentType": "binaryData", "inputDataFieldName": "data"}
    row = run_http(upload, [{"json": {}, "binary": {"data": entry}}]).to_json()[0]
    assert row["headers"]["content-type"] == "application/x-thing"
    assert row["body"] == "\x00\x01payload"


@pytest.mark.parametrize(
    ("kind", "data", "check"),
    [
        (
            "httpBasicAuth",
            {"user": "u", "password": "p"},
            lambda r: r["authorization"] == "Basic " + base64.b64encode(b"u:p").decode(),
        ),
        ("httpBearerAuth", {"token": "tok"}, lambda r: r["authorization"] == "Bearer tok"),
        ("httpHeaderAuth", {"name": "X-API-Key", "value": "k1"}, lambda r: r["x-api-key"] == "k1"),
        ("httpQueryAuth", {"name": "key", "value": "k2"}, lambda r: r["query"] == {"key": "k2"}),
    ],
)
def test_generic_credential_auth(
    server: LoopbackServer, kind: str, data: dict[str, str], check: Any
) -> None:
    params = _get(server, "/auth", authentication="genericCredentialType", genericAuthType=kind)
    row = run_http(params, credentials=credential(kind, data)).to_json()[0]
    assert check(row), row


def test_auth_without_credential_or_unsupported_kind_is_clear(server: LoopbackServer) -> None:
    params = _get(
        server, "/auth", authentication="genericCredentialType", genericAuthType="httpBasicAuth"
    )
    with pytest.raises(NodeExecutionError, match="no 'httpBasicAuth' credential"):
        run_http(params)
    digest = {**params, "genericAuthType": "httpDigestAuth"}
    with pytest.raises(NodeExecutionError, match="'httpDigestAuth' is not supported"):
        run_http(digest)
    out = run_http(digest, [{}, {}], continue_on_fail=True).to_json()
    assert len(out) == 2 and all("not supported" in r["error"] for r in out)


def test_text_format_and_full_response(server: LoopbackServer) -> None:
    assert run_http(_get(server, "/text")).to_json() == [{"data": "héllo"}]
    opts = {"response": {"response": {"fullResponse": True, "outputPropertyName": "page"}}}
    row = run_http(_get(server, "/text", options=opts)).to_json()[0]
    assert row["page"] == "héllo" and row["statusCode"] == 200 and row["statusMessage"] == "OK"
    assert row["headers"]["content-type"].startswith("text/plain")
    full = {"response": {"response": {"fullResponse": True}}}
    row = run_http(_get(server, "/list", options=full)).to_json()[0]
    assert row["body"] == [{"n": 1}, {"n": 2}] and row["statusCode"] == 200


def test_forced_json_format_on_invalid_json(server: LoopbackServer) -> None:
    opts = {"response": {"response": {"responseFormat": "json"}}}
    with pytest.raises(NodeExecutionError, match="Response body is not valid JSON"):
        run_http(_get(server, "/text", options=opts))
    never = {"response": {"response": {"neverError": True}}}
    assert run_http(_get(server, "/badjson", options=never)).to_json() == [{}]


def test_file_response_is_stored_as_binary(server: LoopbackServer) -> None:
    out = run_http(_get(server, "/file/logo.png"), [{"keep": 1}])
    item = out.to_items()[0]
    assert item["json"] == {"keep": 1}
    entry = item["binary"]["data"]
    assert entry["mimeType"] == "image/png" and entry["fileName"] == "logo.png"
    assert read_binary(entry) == PNG
    opts = {
        "response": {
            "response": {
                "responseFormat": "file",
                "fullResponse": True,
                "outputPropertyName": "doc",
            }
        }
    }
    item = run_http(_get(server, "/download", options=opts)).to_items()[0]
    assert item["json"]["statusCode"] == 200
    assert item["binary"]["doc"]["fileName"] == "report.bin"
    assert read_binary(item["binary"]["doc"]) == PNG


def test_file_response_keeps_input_binary(server: LoopbackServer) -> None:
    old = put_binary(b"old", mime_type="text/plain")
    batch = ItemBatch.from_items([{"json": {}, "binary": {"prev": old}}])
    item = run_http(_get(server, "/file/logo.png"), batch).to_items()[0]
    assert set(item["binary"]) == {"prev", "data"}


def test_error_status_fails_or_is_kept_with_never_error(server: LoopbackServer) -> None:
    with pytest.raises(NodeExecutionError, match=r"item 0: 404 - .*no route"):
        run_http(_get(server, "/nowhere"))
    never = _get(
        server,
        "/status/500",
        options={"response": {"response": {"neverError": True, "fullResponse": True}}},
    )
    row = run_http(never).to_json()[0]
    assert row["statusCode"] == 500 and row["body"] == {"status": 500}


def test_continue_on_fail_puts_the_message_in_json_error(server: LoopbackServer) -> None:
    params = {"method": "GET", "url": "={{ $json.url }}"}
    rows = [{"url": server.url + "/echo"}, {"url": server.url + "/status/503"}, {"url": "ftp://x"}]
    out = run_http(params, rows, continue_on_fail=True)
    got = out.to_json()
    assert got[0]["method"] == "GET"
    assert got[1]["error"].startswith("503 - ")
    assert "must start with" in got[2]["error"]
    assert out.paired is not None and out.paired.to_pylist() == [0, 1, 2]


def test_bad_url_type_names_node_and_item(server: LoopbackServer) -> None:
    with pytest.raises(NodeExecutionError, match=r"node 'HTTP', item 1: URL parameter must be"):
        run_http({"url": "={{ $json.u }}"}, [{"u": server.url + "/echo"}, {"u": 5}])


def test_unreachable_host_names_node_item_and_url() -> None:
    with pytest.raises(NodeExecutionError) as info:
        run_http({"url": "http://127.0.0.1:9/down?secret=1"})
    message = str(info.value)
    assert "node 'HTTP', item 0: could not connect to GET http://127.0.0.1:9/down" in message
    assert "secret" not in message


def test_slow_answer_times_out(server: LoopbackServer) -> None:
    with pytest.raises(NodeExecutionError, match=r"timed out after 200 ms"):
        run_http(_get(server, "/slow?s=2", options={"timeout": 200}))


def test_redirects_followed_by_default_or_refused(server: LoopbackServer) -> None:
    row = run_http(_get(server, "/redirect")).to_json()[0]
    assert row["path"] == "/echo" and row["query"] == [["redirected", "1"]]
    off = {"redirect": {"redirect": {"followRedirects": False}}}
    with pytest.raises(NodeExecutionError, match=r"302 .*not followed"):
        run_http(_get(server, "/redirect", options=off))
    kept = {**off, "response": {"response": {"neverError": True, "fullResponse": True}}}
    row = run_http(_get(server, "/redirect", options=kept)).to_json()[0]
    assert row["statusCode"] == 302 and row["headers"]["location"] == "/echo?redirected=1"
    few = {"redirect": {"redirect": {"followRedirects": True, "maxRedirects": 3}}}
    with pytest.raises(NodeExecutionError, match=r"more redirects than allowed \(3"):
        run_http(_get(server, "/loop", options=few))


def test_idempotency_key_is_stable_per_execution_and_item(server: LoopbackServer) -> None:
    params = {"method": "POST", "url": server.url + "/echo", "options": {"idempotencyKey": True}}

    def keys(execution_id: str) -> list[str]:
        out = run_http(params, [{}, {}], execution_id=execution_id).to_json()
        return [r["headers"]["idempotency-key"] for r in out]

    first = keys("exec-1")
    assert first == keys("exec-1") and first[0] != first[1]
    assert set(first).isdisjoint(keys("exec-2"))
    get = run_http({**params, "method": "GET"}).to_json()[0]
    assert "idempotency-key" not in get["headers"]
