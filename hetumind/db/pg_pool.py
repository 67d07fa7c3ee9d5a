"""asyncpg pools, one per connection target per process, on the process event loop.

A pool is keyed by everything that decides where and as whom it connects, so two nodes
with the same credential share connections while a changed password gets a new pool.
"""

from __future__ import annotations

import os
import ssl as tls
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from hetumind.db.pg_types import init_connection

__all__ = ["PgTarget", "connection_failure", "get_pool"]

_SSL_MODES = {"verify": "verify-ca"}
_pools: dict[tuple[int, PgTarget], asyncpg.Pool] = {}


@dataclass(frozen=True)
class PgTarget:
    """Where to connect (n8n's postgres credential fields) and how long to try."""

    host: str
    port: int
    database: str
    user: str
    password: str
    ssl: str = "disable"
    allow_unauthorized_certs: bool = False
    connect_timeout: float = 30.0

    @classmethod
    def from_credential(cls, data: Mapping[str, Any], connect_timeout: float) -> PgTarget:
        return cls(
            host=str(data.get("host") or "localhost"),
            port=int(data.get("port") or 5432),
            database=str(data.get("database") or "postgres"),
            user=str(data.get("user") or "postgres"),
            password=str(data.get("password") or ""),
            ssl=str(data.get("ssl") or "disable"),
            allow_unauthorized_certs=bool(data.get("allowUnauthorizedCerts")),
            connect_timeout=connect_timeout,
        )

    def ssl_argument(self) -> str | tls.SSLContext:
        if self.allow_unauthorized_certs:
            context = tls.create_default_context()
            context.check_hostname = False
            context.verify_mode = tls.CERT_NONE
            return context
        return _SSL_MODES.get(self.ssl, self.ssl)


async def get_pool(target: PgTarget) -> asyncpg.Pool:
    """The pool for `target`; call on the process loop. Connections open lazily (min 0), so
    an unreachable server fails the query, not the pool, and nothing broken is cached."""
    key = (os.getpid(), target)
    pool = _pools.get(key)
    if pool is None or pool.is_closing():
        pool = await asyncpg.create_pool(
            host=target.host,
            port=target.port,
            database=target.database,
            user=target.user,
            password=target.password or None,
            ssl=target.ssl_argument(),
            timeout=target.connect_timeout,
            min_size=0,
            max_size=10,
            max_inactive_connection_lifetime=300,
            init=init_connection,
            statement_cache_size=100,
        )
        _pools[key] = pool
    return pool


def connection_failure(exc: BaseException, target: PgTarget) -> str | None:
    """n8n's words for a failure to reach the server, or None for other errors."""
    where = f"{target.host}:{target.port}"
    if isinstance(exc, ConnectionRefusedError):
        return f"Connection refused ({where})"
    if isinstance(exc, TimeoutError):
        return f"Connection timed out ({where})"
    if isinstance(exc, OSError) and "Name or service not known" in str(exc):
        return f"Host not found ({target.host})"
    if isinstance(
        exc, OSError | asyncpg.InterfaceError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        return f"Could not connect to {where}: {exc}"
    return None
