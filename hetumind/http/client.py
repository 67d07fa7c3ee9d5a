"""One pooled httpx client per process and transport setting.

A Ray worker is a long-lived process that runs many node tasks, so its connection pools
should outlive any one task: keep-alive connections to an API are reused across items,
runs and executions. Only what httpx fixes per client (certificate checks, redirect limit,
proxy, the execution's network policy) keys the pool; timeouts and whether to follow
redirects are set per request.

A restricted `NetworkPolicy` (server mode, hetumind.capabilities) is enforced where the
socket is opened: the name is resolved once, every address checked, and the connection
made to a checked address, so neither a redirect (each hop opens its own connection) nor
a DNS answer that changes between check and connect (rebinding) gets past it. TLS still
verifies the certificate against the name in the URL.
"""

from __future__ import annotations

import atexit
import threading
import typing
from dataclasses import dataclass, field

import anyio
import httpcore
import httpx

from hetumind.capabilities import CapabilityDenied, NetworkPolicy, host_matches

__all__ = [
    "TransportKey",
    "close_clients",
    "guarded_async_client",
    "pooled_client",
]

_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@dataclass(frozen=True)
class TransportKey:
    """The options that need a client of their own."""

    verify: bool = True
    max_redirects: int = 21
    proxy: str | None = None
    network: NetworkPolicy = field(default_factory=NetworkPolicy)
    """Where connections may go (hetumind.capabilities; unrestricted in local mode)."""
    domains: tuple[str, ...] | None = None
    """The credential's allowed domains (n8n's allowedDomains): every request, redirects
    included, must go to one of them. None: any."""


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses the policy allows, resolving each name once."""

    def __init__(self, policy: NetworkPolicy) -> None:
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._policy.resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from None
        failure: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure


def check_domain(host: str, domains: tuple[str, ...] | None, url: str) -> None:
    """n8n's credential domain restriction, with its message."""
    if domains is None:
        return
    if not domains:
        raise CapabilityDenied(
            "Domain not allowed: this credential has been configured to prevent use "
            "within an HTTP Request node"
        )
    if not any(host_matches(host, d) for d in domains):
        raise CapabilityDenied(
            f"Domain not allowed: This credential is restricted from accessing {url}. "
            f"Only the following domains are allowed: {', '.join(domains)}"
        )


class _DomainGuard(httpx.BaseTransport):
    """Checks every request (each redirect hop is one) against the credential's domains."""

    def __init__(self, inner: httpx.BaseTransport, domains: tuple[str, ...] | None) -> None:
        self._inner = inner
        self._domains = domains

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        check_domain(request.url.host, self._domains, str(request.url.copy_with(query=None)))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _transport(key: TransportKey) -> httpx.BaseTransport:
    transport = httpx.HTTPTransport(verify=key.verify, proxy=key.proxy or None, limits=_LIMITS)
    if key.network.restricted:
        # httpx does not take a network backend; its pool (plain or proxy) keeps one here.
        transport._pool._network_backend = _GuardedBackend(key.network)
    if key.domains is None:
        return transport
    return _DomainGuard(transport, key.domains)


_lock = threading.Lock()
_clients: dict[TransportKey, httpx.Client] = {}


def pooled_client(key: TransportKey) -> httpx.Client:
    """The process's client for `key` (httpx clients are safe to share between threads)."""
    with _lock:
        client = _clients.get(key)
        if client is None or client.is_closed:
            if not key.network.restricted and key.domains is None:
                client = httpx.Client(
                    verify=key.verify,
                    max_redirects=key.max_redirects,
                    proxy=key.proxy or None,
                    limits=_LIMITS,
                )
            else:
                # trust_env off: a proxy from the process's environment would make the
                # connection (and so the address check) on the workflow's behalf.
                client = httpx.Client(
                    transport=_transport(key),
                    max_redirects=key.max_redirects,
                    trust_env=not key.network.restricted,
                )
            _clients[key] = client
        return client


def guarded_async_client(
    policy: NetworkPolicy, *, library: str = "httpx2", **options: typing.Any
) -> typing.Any:
    """An async client that connects only where `policy` allows; None when the policy
    does not restrict, so the caller makes its usual client. `library`: "httpx2" for the
    `openai` SDK (built on httpx2, a fork of httpx with the same design), or "httpx"."""
    if not policy.restricted:
        return None
    import importlib

    httpx2 = importlib.import_module(library)
    httpcore2 = importlib.import_module(library.replace("httpx", "httpcore"))

    base = httpcore2.AnyIOBackend

    async def connect_tcp(
        self: typing.Any,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Any = None,
    ) -> typing.Any:
        try:
            addresses = await anyio.to_thread.run_sync(policy.resolve, host, port)
        except OSError as exc:
            raise httpcore2.ConnectError(f"cannot resolve {host!r}: {exc}") from None
        failure: Exception = httpcore2.ConnectError(f"no address for {host!r}")
        for address in addresses:
            try:
                return await base.connect_tcp(
                    self, address, port, timeout, local_address, socket_options
                )
            except httpcore2.ConnectError as exc:
                failure = exc
        raise failure

    # built with type(): the module is chosen at run time (httpx or httpx2's httpcore)
    guarded = type("GuardedAsyncBackend", (base,), {"connect_tcp": connect_tcp})

    transport = httpx2.AsyncHTTPTransport()
    transport._pool._network_backend = guarded()
    return httpx2.AsyncClient(transport=transport, trust_env=False, **options)


def close_clients() -> None:
    """Close every pooled client (process exit, or tests that want fresh pools)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


atexit.register(close_clients)
