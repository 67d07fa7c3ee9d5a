"""Sending one request: the pooled client, transport errors in words, and our own retry.

The engine's node setting (retryOnFail / maxTries / waitBetweenTries) re-runs the whole
node; this retry is per request and only for answers that say "try again": 429 and 5xx
(honouring Retry-After) and connections that never reached the server.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from hetumind.errors import HetumindError
from hetumind.http.client import pooled_client
from hetumind.http.request import RequestSpec

__all__ = ["HttpResponse", "RequestFailed", "RetryPolicy", "public_url", "send"]


class RequestFailed(HetumindError):
    """A request got no usable answer; the message says why (never a traceback).

    `retryable`: the request never reached the server, so sending it again is safe.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class HttpResponse:
    """What the node needs of an answer, detached from the connection."""

    status: int
    reason: str
    headers: dict[str, str]
    content: bytes
    url: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def text(self) -> str:
        return httpx.Response(200, headers=self.headers, content=self.content).text


@dataclass(frozen=True)
class RetryPolicy:
    """options.retry: how often to resend on 429/5xx/connect errors, and how long to wait."""

    max_retries: int = 0
    wait_ms: float = 1000
    """The first back-off; it doubles each time (with jitter) unless Retry-After says."""
    max_wait_ms: float = 30_000

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> RetryPolicy:
        if not isinstance(options, Mapping):
            return cls()
        try:
            return cls(
                max_retries=max(0, int(options.get("maxRetries", 3))),
                wait_ms=max(0.0, float(options.get("waitBetweenRetries", 1000))),
                max_wait_ms=max(0.0, float(options.get("maxWait", 30_000))),
            )
        except (TypeError, ValueError) as exc:
            raise RequestFailed(f"options.retry: {exc}") from None

    def delay_s(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        cap = self.max_wait_ms / 1000
        hinted = _retry_after_s(retry_after)
        if hinted is not None:
            return min(hinted, cap)
        backoff = self.wait_ms / 1000 * 2**attempt
        return min(cap, backoff * random.uniform(0.5, 1.0))


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retryable(status: int) -> bool:
    return status == 429 or 500 <= status < 600


def public_url(url: str) -> str:
    """The URL without its query and user info: what error messages may show."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def send(
    spec: RequestSpec,
    retry: RetryPolicy = RetryPolicy(),
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpResponse:
    """Send `spec`, retrying per `retry`; any HTTP status is returned, not raised."""
    attempt = 0
    while True:
        try:
            response = _send_once(spec)
        except RequestFailed as exc:
            if attempt >= retry.max_retries or not exc.retryable:
                raise
            sleep(retry.delay_s(attempt, None))
        else:
            if attempt >= retry.max_retries or not _retryable(response.status):
                return response
            sleep(retry.delay_s(attempt, response.headers.get("retry-after")))
        attempt += 1


def _send_once(spec: RequestSpec) -> HttpResponse:
    client = pooled_client(spec.transport)
    where = f"{spec.method} {public_url(spec.url)}"
    try:
        r = client.request(**spec.httpx_arguments())
    except httpx.TimeoutException:
        raise RequestFailed(
            f"{where} timed out after {spec.timeout_s * 1000:g} ms (options.timeout)"
        ) from None
    except httpx.TooManyRedirects:
        raise RequestFailed(
            f"{where}: more redirects than allowed ({spec.transport.max_redirects}, "
            "options.redirect.maxRedirects)"
        ) from None
    except httpx.ConnectError as exc:
        raise RequestFailed(
            f"could not connect to {where} ({_reason(exc)})", retryable=True
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        raise RequestFailed(f"{where} failed: {_reason(exc)}") from None
    return HttpResponse(
        status=r.status_code,
        reason=r.reason_phrase,
        headers=dict(r.headers.items()),
        content=r.content,
        url=str(r.url),
    )


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
