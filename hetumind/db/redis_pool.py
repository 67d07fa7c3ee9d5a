"""redis-py clients sharing one ConnectionPool per server and login per process.

redis-py's pools are thread-safe and notice a fork, so a Ray worker keeps its connections
across tasks; keying by the credential's fields gives a changed password a fresh pool.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = ["RedisTarget", "client_for"]

_lock = threading.Lock()
_pools: dict[RedisTarget, redis.ConnectionPool] = {}


@dataclass(frozen=True)
class RedisTarget:
    host: str
    port: int
    database: int
    user: str
    password: str
    ssl: bool
    verify_tls: bool

    @classmethod
    def from_credential(cls, data: Mapping[str, Any]) -> RedisTarget:
        return cls(
            host=str(data.get("host") or "localhost"),
            port=int(data.get("port") or 6379),
            database=int(data.get("database") or 0),
            user=str(data.get("user") or ""),
            password=str(data.get("password") or ""),
            ssl=bool(data.get("ssl")),
            verify_tls=not data.get("disableTlsVerification"),
        )


def client_for(target: RedisTarget) -> redis.Redis:
    """A client on the shared pool (strings decoded as UTF-8, as node-redis returns them)."""
    with _lock:
        pool = _pools.get(target)
        if pool is None:
            extra: dict[str, Any] = {}
            if target.ssl:
                extra["connection_class"] = redis.SSLConnection
                extra["ssl_cert_reqs"] = "required" if target.verify_tls else "none"
            pool = redis.ConnectionPool(
                host=target.host,
                port=target.port,
                db=target.database,
                username=target.user or None,
                password=target.password or None,
                decode_responses=True,
                encoding_errors="replace",
                socket_connect_timeout=10,  # n8n's connectTimeout
                # One quick retry covers a pooled connection the server closed; an
                # unreachable server fails at once instead of backing off for seconds.
                retry=Retry(NoBackoff(), 1),
                max_connections=32,
                **extra,
            )
            _pools[target] = pool
    return redis.Redis(connection_pool=pool)
