"""Redis node against the shared Redis on 127.0.0.1:6379: every key under a unique prefix,
deleted after each test."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import redis

from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.redis_node import Redis, parse_info
from hetumind.store.credential_types import validate_credential
from tests.engine.workflows import chain, node, start, workflow
from tests.nodes.context import node_context

CREDENTIALS = {"redis": {"id": "r", "name": "local", "data": {"host": "127.0.0.1", "port": 6379}}}


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are removed afterwards."""
    client = redis.Redis(host="127.0.0.1", port=6379, decode_responses=True)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable on 127.0.0.1:6379 ({exc})")
    name = f"hm_test_{uuid.uuid4().hex[:10]}:"
    yield name
    for key in client.scan_iter(match=f"{name}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def r() -> Iterator[redis.Redis]:
    client = redis.Redis(host="127.0.0.1", port=6379, decode_responses=True)
    yield client
    client.close()


def run_redis(
    parameters: Mapping[str, Any],
    rows: list[dict[str, Any]],
    *,
    continue_on_fail: bool = False,
    credentials: Mapping[str, Any] | None = None,
    binary: list[dict[str, Any] | None] | None = None,
) -> ItemBatch:
    batch = ItemBatch.from_json(rows, binary=binary)
    ctx = node_context(
        parameters,
        [batch],
        continue_on_fail=continue_on_fail,
        node_name="Redis",
        node_type="n8n-nodes-base.redis",
        credentials=CREDENTIALS if credentials is None else credentials,
    )
    (out,) = Redis().run(ctx, [batch])
    return out


def test_set_and_get_each_key_type(prefix: str, r: redis.Redis) -> None:
    sets = [
        ({"key": f"{prefix}s", "value": "={{ $json.v }}"}, {"v": "hello"}),
        ({"key": f"{prefix}h", "value": '{"a": 1, "b": "x"}', "keyType": "hash"}, {}),
        ({"key": f"{prefix}l", "value": "={{ [1, 'two'] }}"}, {}),
        ({"key": f"{prefix}set", "value": "={{ ['b', 'a'] }}", "keyType": "sets"}, {}),
    ]
    for params, row in sets:
        out = run_redis({"operation": "set", **params}, [row])
        assert out.to_json() == [row]  # set passes its item through
    assert r.hgetall(f"{prefix}h") == {"a": "1", "b": "x"}
    got = {}
    for suffix in ("s", "h", "l", "set", "missing"):
        params = {"operation": "get", "key": f"{prefix}{suffix}", "propertyName": "v"}
        got[suffix] = run_redis(params, [{"other": 1}]).to_json()[0]
    assert got == {
        "s": {"v": "hello"},
        "h": {"v": {"a": "1", "b": "x"}},
        "l": {"v": ["1", "two"]},
        "set": {"v": ["a", "b"]},
        "missing": {"v": None},
    }
    typed = {"operation": "get", "key": f"{prefix}l", "keyType": "list", "propertyName": "a.b"}
    assert run_redis(typed, [{}]).to_json() == [{"a": {"b": ["1", "two"]}}]
    flat = {**typed, "options": {"dotNotation": False}}
    assert run_redis(flat, [{}]).to_json() == [{"a.b": ["1", "two"]}]


def test_set_with_expire_and_hash_pairs(prefix: str, r: redis.Redis) -> None:
    params = {"operation": "set", "key": f"{prefix}t", "value": "v", "expire": True, "ttl": 100}
    run_redis(params, [{}])
    assert 0 < r.ttl(f"{prefix}t") <= 100
    pairs = {
        "operation": "set",
        "key": f"{prefix}p",
        "value": "f1 v1 f2 v2",
        "keyType": "hash",
        "valueIsJSON": False,
    }
    run_redis(pairs, [{}])
    assert r.hgetall(f"{prefix}p") == {"f1": "v1", "f2": "v2"}


def test_set_automatic_type_refuses_numbers(prefix: str) -> None:
    params = {"operation": "set", "key": f"{prefix}n", "value": "={{ 5 }}"}
    with pytest.raises(NodeExecutionError, match="item 0: Could not identify the type"):
        run_redis(params, [{}])
    out = run_redis(params, [{}], continue_on_fail=True).to_json()
    assert out == [{"error": "Could not identify the type to set. Please set it manually!"}]


def test_incr_with_ttl(prefix: str, r: redis.Redis) -> None:
    params = {"operation": "incr", "key": f"{prefix}c", "expire": True, "ttl": 50}
    out = run_redis(params, [{}, {}]).to_json()
    assert out == [{f"{prefix}c": 1}, {f"{prefix}c": 2}]
    assert 0 < r.ttl(f"{prefix}c") <= 50


def test_delete_passes_item_and_binary_through(prefix: str, r: redis.Redis) -> None:
    r.set(f"{prefix}d", "x")
    entry = {"data": {"data": "aGk=", "mimeType": "text/plain"}}
    out = run_redis({"operation": "delete", "key": f"{prefix}d"}, [{"keep": True}], binary=[entry])
    assert out.to_json() == [{"keep": True}] and out.binary == [entry]
    assert r.exists(f"{prefix}d") == 0


def test_keys_with_and_without_values(prefix: str, r: redis.Redis) -> None:
    r.set(f"{prefix}k1", "a")
    r.rpush(f"{prefix}k2", "x", "y")
    params = {"operation": "keys", "keyPattern": f"{prefix}k*"}
    assert run_redis(params, [{}]).to_json() == [{f"{prefix}k1": "a", f"{prefix}k2": ["x", "y"]}]
    names = run_redis({**params, "getValues": False}, [{}]).to_json()
    assert names == [{"keys": [f"{prefix}k1", f"{prefix}k2"]}]


def test_push_pop_llen(prefix: str, r: redis.Redis) -> None:
    lst = f"{prefix}q"
    run_redis({"operation": "push", "list": lst, "messageData": "={{ $json.m }}"}, [{"m": "a"}])
    run_redis({"operation": "push", "list": lst, "messageData": '{"n": 1}', "tail": True}, [{}])
    assert r.lrange(lst, 0, -1) == ["a", '{"n": 1}']
    assert run_redis({"operation": "llen", "list": lst}, [{}]).to_json() == [{lst: 2}]
    tail = {"operation": "pop", "list": lst, "tail": True, "propertyName": "got"}
    assert run_redis(tail, [{}]).to_json() == [{"got": {"n": 1}}]  # JSON is parsed
    head = {"operation": "pop", "list": lst, "propertyName": "got"}
    assert run_redis(head, [{}]).to_json() == [{"got": "a"}]
    assert run_redis(head, [{}]).to_json() == [{"got": None}]


def test_publish_reaches_a_subscriber(prefix: str, r: redis.Redis) -> None:
    pubsub = r.pubsub()
    pubsub.subscribe(f"{prefix}ch")
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"
    out = run_redis(
        {"operation": "publish", "channel": f"{prefix}ch", "messageData": "={{ $json.msg }}"},
        [{"msg": "hi"}],
    )
    assert out.to_json() == [{"msg": "hi"}]
    message = pubsub.get_message(timeout=5)
    assert message is not None and message["data"] == "hi"
    pubsub.close()


def test_info_is_one_parsed_item() -> None:
    out = run_redis({"operation": "info"}, [{}, {}]).to_json()
    assert len(out) == 1
    assert isinstance(out[0]["redis_version"], str) and isinstance(out[0]["tcp_port"], int)


def test_parse_info_like_n8n() -> None:
    text = "# Server\r\nredis_version:7.2.4\r\nuptime:12\r\ndb0:keys=3,expires=0\r\n\r\nx\r\n"
    assert parse_info(text) == {
        "redis_version": "7.2.4",
        "uptime": 12,
        "db0": {"keys": 3, "expires": 0},
    }


def test_empty_key_is_an_item_error() -> None:
    with pytest.raises(NodeExecutionError, match="item 0: parameter 'key' is empty"):
        run_redis({"operation": "get", "key": ""}, [{}])


def test_missing_credential() -> None:
    with pytest.raises(NodeExecutionError, match='credentials set for "redis"'):
        run_redis({"operation": "info"}, [{}], credentials={})


def test_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    creds = {"redis": {"id": "x", "name": "x", "data": {"host": "127.0.0.1", "port": port}}}
    with pytest.raises(NodeExecutionError, match=f"Could not connect to Redis at 127.0.0.1:{port}"):
        run_redis({"operation": "info"}, [{}], credentials=creds)
    out = run_redis(
        {"operation": "get", "key": "k"}, [{}], credentials=creds, continue_on_fail=True
    )
    assert out.to_json()[0]["error"].startswith("Could not connect to Redis")


def test_empty_input_gives_empty_output() -> None:
    assert len(run_redis({"operation": "get", "key": "k"}, [])) == 0


def test_redis_credential_kind() -> None:
    data = validate_credential("redis", {"host": "h", "password": "p"})
    assert data["port"] == 6379 and data["database"] == 0 and data["ssl"] is False


def test_set_then_get_workflow(prefix: str, backend: str) -> None:
    def redis_node(name: str, params: dict[str, Any]) -> dict[str, Any]:
        return node(name, "redis", parameters=params, credentials=CREDENTIALS)

    nodes = [
        start(),
        redis_node("Set", {"operation": "set", "key": f"{prefix}wf", "value": "stored"}),
        redis_node("Get", {"operation": "get", "key": f"{prefix}wf", "propertyName": "v"}),
    ]
    doc = workflow(nodes, chain("Start", "Set", "Get"), settings={"executionOrder": "v1"})
    result = run_workflow(doc, backend=backend).to_json()
    assert result["status"] == "success", result
    assert result["runData"]["Get"][0]["outputs"][0] == [{"v": "stored"}]
