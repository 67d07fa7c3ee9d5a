"""One pooled httpx client per process and transport setting.

A Ray worker is a long-lived process that runs many node tasks, so its connection pools
should outlive any one task: keep-alive connections to an API are reused across items,
runs and executions. Only what httpx fixes per client (certificate checks, redirect limit,
proxy) keys the pool; timeouts and whether to follow redirects are set per request.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass

import httpx

__all__ = ["TransportKey", "close_clients", "pooled_client"]

_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@dataclass(frozen=True)
class TransportKey:
    """The options that need a client of their own."""

    verify: bool = True
    max_redirects: int = 21
    proxy: str | None = None


_lock = threading.Lock()
_clients: dict[TransportKey, httpx.Client] = {}


def pooled_client(key: TransportKey) -> httpx.Client:
    """The process's client for `key` (httpx clients are safe to share between threads)."""
    with _lock:
        client = _clients.get(key)
        if client is None or client.is_closed:
            client = httpx.Client(
                verify=key.verify,
                max_redirects=key.max_redirects,
                proxy=key.proxy or None,
                limits=_LIMITS,
            )
            _clients[key] = client
        return client


def close_clients() -> None:
    """Close every pooled client (process exit, or tests that want fresh pools)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


atexit.register(close_clients)
