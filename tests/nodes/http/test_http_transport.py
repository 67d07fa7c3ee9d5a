"""Our own transport retry (429/5xx, Retry-After), the pooled clients, query encoding."""

from __future__ import annotations

import uuid

import pytest
from helpers_http import run_http
from http_server import LoopbackServer

from hetumind.errors import NodeExecutionError
from hetumind.http import RequestSpec, RetryPolicy, TransportKey, pooled_client, send
from hetumind.http.request import encode_query, with_query
from hetumind.http.transport import RequestFailed


def _flaky(server: LoopbackServer, fail: int, status: int) -> str:
    return f"{server.url}/flaky/{uuid.uuid4().hex}?fail={fail}&status={status}"


def test_429_with_retry_after_then_success(server: LoopbackServer) -> None:
    params = {"url": _flaky(server, 2, 429), "options": {"retry": {"maxRetries": 3}}}
    assert run_http(params).to_json() == [{"ok": True, "tries": 3}]


def test_5xx_is_retried_with_backoff() -> None:
    waits: list[float] = []
    spec = RequestSpec(method="GET", url="http://127.0.0.1:9/never")
    policy = RetryPolicy(max_retries=2, wait_ms=100, max_wait_ms=150)
    with pytest.raises(RequestFailed, match="could not connect"):
        send(spec, policy, sleep=waits.append)
    assert len(waits) == 2 and all(0 < w <= 0.15 for w in waits)


def test_5xx_retry_in_the_node(server: LoopbackServer) -> None:
    params = {
        "url": _flaky(server, 1, 503),
        "options": {"retry": {"maxRetries": 1, "waitBetweenRetries": 10}},
    }
    assert run_http(params).to_json() == [{"ok": True, "tries": 2}]


def test_without_retry_429_fails_with_a_hint(server: LoopbackServer) -> None:
    with pytest.raises(NodeExecutionError, match=r"item 0: 429 - .*options.batching"):
        run_http({"url": _flaky(server, 1, 429)})


def test_retries_give_up_and_return_the_last_answer(server: LoopbackServer) -> None:
    params = {
        "url": _flaky(server, 5, 500),
        "options": {"retry": {"maxRetries": 1, "waitBetweenRetries": 0}},
    }
    with pytest.raises(NodeExecutionError, match=r"500 - .*\"try\": 2"):
        run_http(params)


def test_retry_after_header_wins_but_is_capped() -> None:
    policy = RetryPolicy(max_retries=1, wait_ms=5000, max_wait_ms=2000)
    assert policy.delay_s(0, "1") == 1.0
    assert policy.delay_s(0, "120") == 2.0
    assert policy.delay_s(0, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    assert 0 < policy.delay_s(3, None) <= 2.0


def test_bad_retry_options_are_clear(server: LoopbackServer) -> None:
    with pytest.raises(NodeExecutionError, match=r"options\.retry"):
        run_http({"url": server.url + "/echo", "options": {"retry": {"maxRetries": "lots"}}})


def test_one_pooled_client_per_transport_setting() -> None:
    a = pooled_client(TransportKey())
    assert pooled_client(TransportKey()) is a
    assert pooled_client(TransportKey(max_redirects=3)) is not a


def test_the_pool_outlives_a_node_run(server: LoopbackServer) -> None:
    run_http({"url": server.url + "/echo"})
    run_http({"url": server.url + "/echo"})
    first, second = server.state.log[-2:]
    assert first["client_port"] == second["client_port"]  # one kept-alive connection


def test_query_encoding_and_merging_with_the_url() -> None:
    pairs = encode_query({"a": [1, 2], "b": {"c": None, "d": True}, "e": None}, "indices")
    assert pairs == [("a[0]", "1"), ("a[1]", "2"), ("b[d]", "true")]
    assert with_query("http://h/p?x=1#f", [("y", "a b")]) == "http://h/p?x=1&y=a+b#f"
    assert with_query("http://h/p", []) == "http://h/p"
