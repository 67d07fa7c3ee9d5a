"""HTTP Request pagination: both modes, every stop condition, page limits, loop guard."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_http import credential, run_http
from http_server import LoopbackServer

from hetumind.errors import NodeExecutionError


def _paged(server: LoopbackServer, path: str, pagination: dict[str, Any]) -> dict[str, Any]:
    return {"url": server.url + path, "options": {"pagination": {"pagination": pagination}}}


PAGE_PARAM = {"parameters": [{"type": "qs", "name": "page", "value": "={{ $pageCount + 1 }}"}]}


def test_update_parameter_until_response_is_empty(server: LoopbackServer) -> None:
    params = _paged(server, "/pages", {"parameters": PAGE_PARAM})
    out = run_http(params, [{"i": 0}, {"i": 1}])
    assert out.to_json() == [{"data": n} for n in [1, 2, 3, 4, 5, 6, 7]] * 2
    assert out.paired is not None and out.paired.to_pylist() == [0] * 7 + [1] * 7


def test_status_code_completion_drops_the_end_marker(server: LoopbackServer) -> None:
    params = _paged(
        server,
        "/pages404",
        {
            "parameters": PAGE_PARAM,
            "paginationCompleteWhen": "receiveSpecificStatusCodes",
            "statusCodesWhenComplete": "404",
        },
    )
    assert [r["data"] for r in run_http(params).to_json()] == [1, 2, 3, 4, 5, 6, 7]


def test_next_url_mode_with_complete_expression(server: LoopbackServer) -> None:
    params = _paged(
        server,
        "/cursor",
        {
            "paginationMode": "responseContainsNextURL",
            "nextURL": "={{ $response.body.next }}",
            "paginationCompleteWhen": "other",
            "completeExpression": "={{ $response.body.last }}",
        },
    )
    rows = run_http(params).to_json()
    assert [r["items"] for r in rows] == [[1], [2], [3]]


def test_max_pages_limits_the_requests(server: LoopbackServer) -> None:
    before = len(server.state.log)
    params = _paged(
        server, "/pages", {"parameters": PAGE_PARAM, "limitPagesFetched": True, "maxRequests": 2}
    )
    assert [r["data"] for r in run_http(params).to_json()] == [1, 2, 3, 4, 5, 6]
    assert len(server.state.log) - before == 2


def test_identical_pages_stop_with_an_error(server: LoopbackServer) -> None:
    params = _paged(server, "/same", {"parameters": PAGE_PARAM})
    with pytest.raises(NodeExecutionError, match=r"item 0: The returned response was identical"):
        run_http(params)


def test_invalid_next_url_and_settings_are_clear(server: LoopbackServer) -> None:
    bad_url = _paged(
        server,
        "/cursor",
        {
            "paginationMode": "responseContainsNextURL",
            "nextURL": "={{ $response.body.nope }}",
            "paginationCompleteWhen": "other",
            "completeExpression": "={{ false }}",
        },
    )
    with pytest.raises(NodeExecutionError, match=r"is not a valid URL"):
        run_http(bad_url)
    empty = _paged(server, "/pages", {"parameters": {"parameters": [{"name": "", "value": ""}]}})
    with pytest.raises(NodeExecutionError, match="At least one entry"):
        run_http(empty)
    no_expr = _paged(
        server, "/pages", {"parameters": PAGE_PARAM, "paginationCompleteWhen": "other"}
    )
    out = run_http(no_expr, [{}], continue_on_fail=True).to_json()
    assert out == [{"error": "Invalid or empty Complete Expression"}]


def test_page_variables_only_exist_in_pagination(server: LoopbackServer) -> None:
    with pytest.raises(NodeExecutionError, match=r"\$pageCount is only available"):
        run_http({"url": "=" + server.url + "/echo?p={{ $pageCount }}"})


def test_error_page_while_continuing_fails(server: LoopbackServer) -> None:
    params = _paged(server, "/status/500", {"parameters": PAGE_PARAM})
    with pytest.raises(NodeExecutionError, match=r'item 0: 500 - "'):
        run_http(params)


def test_request_variable_hides_credentials(server: LoopbackServer) -> None:
    params = _paged(
        server,
        "/auth",
        {
            "parameters": {
                "parameters": [
                    {"type": "headers", "name": "x-seen", "value": "={{ $request.qs.key }}"}
                ]
            },
            "limitPagesFetched": True,
            "maxRequests": 1,
        },
    )
    params |= {"authentication": "genericCredentialType", "genericAuthType": "httpQueryAuth"}
    run_http(params, credentials=credential("httpQueryAuth", {"name": "key", "value": "s3cret"}))
    assert server.state.log[-1]["headers"]["x-seen"] == "**hidden**"
    assert server.state.log[-1]["query"] == {"key": "s3cret"}
