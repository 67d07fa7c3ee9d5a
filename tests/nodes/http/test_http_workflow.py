"""HTTP Request inside workflows, on both backends: auth, onError, the error output."""

from __future__ import annotations

import pytest
from helpers_http import credential, workflow
from http_server import LoopbackServer

from hetumind.engine import run_workflow
from hetumind.nodes.registry import default_registry


def test_registered_and_not_fusible() -> None:
    cls = default_registry().get("n8n-nodes-base.httpRequest")
    assert cls is not None and not cls.definition.fusible
    assert {4.0, 4.1, 4.2} <= set(cls.definition.versions)


def test_requests_per_item_with_auth(server: LoopbackServer, backend: str) -> None:
    params = {
        "url": "=" + server.url + "/auth?who={{ $json.who }}",
        "authentication": "genericCredentialType",
        "genericAuthType": "httpBearerAuth",
    }
    wf = workflow(
        params,
        [{"who": "a"}, {"who": "b"}],
        credentials=credential("httpBearerAuth", {"token": "t0k"}),
    )
    result = run_workflow(wf, backend=backend).to_json()
    assert result["status"] == "success", result
    out = result["runData"]["Node"][0]["outputs"][0]
    assert [r["query"]["who"] for r in out] == ["a", "b"]
    assert all(r["authorization"] == "Bearer t0k" for r in out)


def test_on_error_continue_keeps_going(server: LoopbackServer, backend: str) -> None:
    params = {"url": "=" + server.url + "{{ $json.path }}"}
    rows = [{"path": "/echo"}, {"path": "/status/404"}, {"path": "/echo"}]
    wf = workflow(params, rows, onError="continueRegularOutput")
    result = run_workflow(wf, backend=backend).to_json()
    out = result["runData"]["Node"][0]["outputs"][0]
    assert [("error" in r) for r in out] == [False, True, False]
    assert out[1]["error"].startswith("404 - ")


@pytest.mark.parametrize("mode", ["continueErrorOutput"])
def test_failed_items_go_to_the_error_output(server: LoopbackServer, mode: str) -> None:
    rows = [{"path": "/echo"}, {"path": "/status/500"}]
    wf = workflow({"url": "=" + server.url + "{{ $json.path }}"}, rows, onError=mode)
    outputs = run_workflow(wf, backend="inline").to_json()["runData"]["Node"][0]["outputs"]
    assert len(outputs[0]) == 1 and outputs[0][0]["path"] == "/echo"
    assert len(outputs[1]) == 1 and outputs[1][0]["error"].startswith("500 - ")


def test_unreachable_host_fails_the_run_naming_node_and_item(backend: str) -> None:
    wf = workflow({"url": "http://127.0.0.1:9/x"}, [{"a": 1}])
    result = run_workflow(wf, backend=backend).to_json()
    assert result["status"] == "error"
    assert result["error"]["node"] == "Node"
    assert "could not connect to GET http://127.0.0.1:9/x" in result["error"]["message"]
