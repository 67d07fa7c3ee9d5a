"""Redis (n8n's Redis node, version 1): get, set, incr, delete, keys, info, publish, and
push / pop / llen on lists, through redis-py on a per-process connection pool."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import redis

from hetumind.capabilities import CapabilityDenied, capabilities_of, pin_host
from hetumind.db.redis_pool import RedisTarget, client_for
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string, set_path
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.item_wise import batch_error, item_error

OPERATIONS = ("delete", "get", "incr", "info", "keys", "llen", "pop", "publish", "push", "set")


class RedisParams(NodeParams):
    operation: str = "info"


class RedisItemError(Exception):
    """A problem with one item's parameters (n8n's NodeOperationError)."""


Handler = Callable[[redis.Redis, NodeContext, int, dict[str, Any]], dict[str, Any]]


@node(
    "redis",
    versions=[1],
    display_name="Redis",
    params=RedisParams,
    fusible=False,
)
class Redis(Node):
    """Reads and writes keys, lists and channels on a Redis server."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        operation = str(ctx.param("operation", 0, "info"))
        if operation not in OPERATIONS:
            raise NodeExecutionError(
                f'The operation "{operation}" is not supported!', node=ctx.node_name
            )
        credential = ctx.credentials("redis")
        if not credential:
            raise NodeExecutionError(
                'Node does not have any credentials set for "redis"', node=ctx.node_name
            )
        target = RedisTarget.from_credential(credential)
        try:
            where = f"node {ctx.node_name!r}"
            pinned = pin_host(capabilities_of(ctx), target.host, target.port, what=where)
        except CapabilityDenied as exc:
            raise NodeExecutionError(exc.message, node=ctx.node_name) from None
        target = replace(target, host=pinned)
        client = client_for(target)
        rows = batch.to_json()
        try:
            client.ping()  # as n8n: an unreachable server fails the node before any item
        except redis.RedisError as exc:
            message = f"Could not connect to Redis at {target.host}:{target.port}: {exc}"
            return [batch_error(ctx, message, items=len(rows))]
        if operation == "info":
            return [ItemBatch.from_json([_info(client)])]
        handler: Handler = _HANDLERS[operation]
        out: list[dict[str, Any]] = []
        paired: list[int] = []
        for i, row in enumerate(rows):
            try:
                result = handler(client, ctx, i, row)
            except (redis.RedisError, RedisItemError, HetumindError) as exc:
                message = exc.message if isinstance(exc, HetumindError) else str(exc)
                result = item_error(ctx, i, message)
            out.append(result)
            paired.append(i)
        return [ItemBatch.from_json(out, binary=_binary(batch, out, rows), paired=paired)]


def _binary(
    batch: ItemBatch, out: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> list[dict[str, Any] | None] | None:
    """Items passed through unchanged (set, delete, publish, push) keep their binary data."""
    if batch.binary is None:
        return None
    return [b if o is r else None for o, r, b in zip(out, rows, batch.binary, strict=True)]


# operations ---------------------------------------------------------------------------------
def _key(ctx: NodeContext, i: int, name: str = "key") -> str:
    key = js_string(ctx.param(name, i, ""))
    if not key:
        raise RedisItemError(f"parameter '{name}' is empty")
    return key


def _put(ctx: NodeContext, i: int, name: str, value: Any) -> dict[str, Any]:
    """A new item holding `value` at `name` (a dotted path unless dotNotation is off)."""
    options = ctx.param("options", i, {}) or {}
    out: dict[str, Any] = {}
    dot = not (isinstance(options, Mapping) and options.get("dotNotation") is False)
    set_path(out, name, value, disable_dot=not dot)
    return out


def read_value(client: redis.Redis, key: str, key_type: str = "automatic") -> Any:
    """A key's value by its type: string, hash (object), list or set (arrays); else None."""
    if key_type == "automatic":
        key_type = {"set": "sets"}.get(kind := str(client.type(key)), kind)
    if key_type == "string":
        return client.get(key)
    if key_type == "hash":
        return client.hgetall(key)
    if key_type == "list":
        return client.lrange(key, 0, -1)
    if key_type == "sets":
        return sorted(client.smembers(key))  # Redis sets have no order; give a stable one
    return None


def _get(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    name = js_string(ctx.param("propertyName", i, "propertyName"))
    key_type = str(ctx.param("keyType", i, "automatic"))
    return _put(ctx, i, name, read_value(client, _key(ctx, i), key_type))


def _set(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    key = _key(ctx, i)
    value = ctx.param("value", i, "")
    key_type = str(ctx.param("keyType", i, "automatic"))
    if key_type == "automatic":
        if isinstance(value, str):
            key_type = "string"
        elif isinstance(value, list):
            key_type = "list"
        elif isinstance(value, dict):
            key_type = "hash"
        else:
            raise RedisItemError("Could not identify the type to set. Please set it manually!")
    pipe = client.pipeline(transaction=True)
    if key_type == "string":
        pipe.set(key, _text(value))
    elif key_type == "hash":
        fields: dict[Any, Any] = _hash_fields(value, bool(ctx.param("valueIsJSON", i, True)))
        pipe.hset(key, mapping=fields)
    elif key_type == "list":
        _write_list(client, pipe, key, value)
    elif key_type == "sets":
        members = value if isinstance(value, list) else [value]
        pipe.sadd(key, *[_text(m) for m in members])
    else:
        raise RedisItemError(f"unknown key type {key_type!r}")
    if ctx.param("expire", i, False):
        pipe.expire(key, int(ctx.param("ttl", i, 60)))
    pipe.execute()
    return row


def _hash_fields(value: Any, value_is_json: bool) -> dict[str, str]:
    if not value_is_json:
        # "field1 value1 field2 value2", as n8n splits it on spaces.
        words = _text(value).split(" ")
        if len(words) % 2:
            raise RedisItemError("the hash value must hold pairs of 'field value'")
        return dict(zip(words[::2], words[1::2], strict=True))
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise RedisItemError(f"the hash value is not a JSON object: {value[:100]}") from None
    if not isinstance(value, dict) or not value:
        raise RedisItemError("the hash value must be a non-empty JSON object")
    return {str(k): _text(v) for k, v in value.items()}


def _write_list(client: redis.Redis, pipe: Any, key: str, value: Any) -> None:
    """n8n sets element i with LSET, which fails on a new key; here existing positions are
    overwritten and the rest appended."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    if not isinstance(value, list):
        raise RedisItemError("the list value must be an array")
    length = int(client.llen(key))
    for index, element in enumerate(value):
        if index < length:
            pipe.lset(key, index, _text(element))
        else:
            pipe.rpush(key, _text(element))


def _text(value: Any) -> str:
    """A value as Redis stores it; objects and arrays as JSON (n8n's toString would give
    "[object Object]")."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return js_string(value)


def _incr(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    key = _key(ctx, i)
    value = client.incr(key)
    ttl = int(ctx.param("ttl", i, 60))
    if ctx.param("expire", i, False) and ttl > 0:
        client.expire(key, ttl)
    return {key: value}


def _delete(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    client.delete(_key(ctx, i))
    return row


def _keys(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    pattern = js_string(ctx.param("keyPattern", i, ""))
    keys = sorted(client.scan_iter(match=pattern or "*", count=1000))
    if not ctx.param("getValues", i, True):
        return {"keys": keys}
    return {key: read_value(client, key) for key in keys}


def _llen(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    name = _key(ctx, i, "list")
    return {name: client.llen(name)}


def _publish(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    client.publish(_key(ctx, i, "channel"), _text(ctx.param("messageData", i, "")))
    return row


def _push(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    name = _key(ctx, i, "list")
    data = _text(ctx.param("messageData", i, ""))
    if ctx.param("tail", i, False):
        client.rpush(name, data)
    else:
        client.lpush(name, data)
    return row


def _pop(client: redis.Redis, ctx: NodeContext, i: int, row: dict[str, Any]) -> dict[str, Any]:
    name = _key(ctx, i, "list")
    value = client.rpop(name) if ctx.param("tail", i, False) else client.lpop(name)
    if isinstance(value, str) and value:
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return _put(ctx, i, js_string(ctx.param("propertyName", i, "propertyName")), value)


_HANDLERS: dict[str, Handler] = {
    "delete": _delete,
    "get": _get,
    "incr": _incr,
    "keys": _keys,
    "llen": _llen,
    "pop": _pop,
    "publish": _publish,
    "push": _push,
    "set": _set,
}


# info ---------------------------------------------------------------------------------------
def _info(client: redis.Redis) -> dict[str, Any]:
    """INFO's raw text parsed as n8n does (redis-py's own parser types values differently)."""
    connection = client.connection_pool.get_connection()
    try:
        connection.send_command("INFO")
        text = connection.read_response()
    finally:
        client.connection_pool.release(connection)
    return parse_info(text if isinstance(text, str) else text.decode("utf-8", "replace"))


def _info_value(text: str) -> Any:
    """Digits and dots make a number, as in n8n, except that text with several dots (a
    version like 7.2.4, which n8n's parseFloat cuts to 7.2) stays text."""
    if text and text.count(".") <= 1 and text.replace(".", "").isdigit():
        return int(text) if text.isdigit() else float(text)
    return text


def parse_info(text: str) -> dict[str, Any]:
    """n8n's convertInfoToObject: `key:value` lines, `a=1,b=2` values as objects."""
    out: dict[str, Any] = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) < 2:
            continue
        key, value = parts[0], parts[1].strip()
        if "=" in value:
            nested: dict[str, Any] = {}
            for pair in value.split(","):
                sub = pair.split("=")
                nested[sub[0]] = _info_value(sub[1]) if len(sub) > 1 else None
            out[key] = nested
        else:
            out[key] = _info_value(value)
    return out


RedisTool = as_tool(Redis)
"""n8n's Redis as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
