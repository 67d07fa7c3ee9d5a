"""Calling a service: its base URL, the node's credential, the execution's network
policy, 429 handling and n8n's error texts, in one place.

`Service` is the declaration (name, base URL, which credential types sign how);
`ServiceClient` is one node run's handle on it: the credential is read once, every request
goes through hetumind.http's pooled clients with the execution's `NetworkPolicy` (server
mode reaches only allowed destinations) and the credential's allowed domains.

The base URL may name credential fields (`{baseUrl}/bot{accessToken}`); the credential's
`baseUrl` field overrides the service's default, as n8n's Telegram and self-hosted
credentials do (for the others it is a Hetumind field), so users and tests point a node at
a fake or their own server. The execution's network policy still decides where it may go.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hetumind.capabilities import capabilities_of
from hetumind.credentials import write_back_credential
from hetumind.errors import HetumindError
from hetumind.http.auth import allowed_domains
from hetumind.http.client import TransportKey
from hetumind.http.request import BodyKind, RequestSpec
from hetumind.http.transport import HttpResponse, RequestFailed, send
from hetumind.integrations.auth import CredentialAuth, CredentialMissing
from hetumind.integrations.errors import NodeApiError, api_error
from hetumind.integrations.oauth2 import OAuth2
from hetumind.nodes.api import NodeContext

__all__ = ["Service", "ServiceClient", "parse_body"]

ErrorCheck = Callable[[HttpResponse, Any], tuple[str, str | None] | None]
"""(answer, parsed body) -> (message, description) when a 2xx answer is an error all the
same (Slack's `{"ok": false}`); None when it is not."""


@dataclass(frozen=True)
class Service:
    """A SaaS API as nodes see it."""

    name: str
    """As messages name it ("Telegram")."""
    default_base_url: str
    """Where the service lives; a credential's `baseUrl` field overrides it."""
    credentials: Mapping[str, CredentialAuth]
    """Credential type -> how it signs; the first is the default."""
    authentication: Mapping[str, str] = field(default_factory=dict)
    """The node's `authentication` parameter value -> credential type (n8n's choice
    between API token and OAuth2)."""
    base_url: str = "{baseUrl}"
    """The URL paths are relative to: `{field}` placeholders are filled from the
    credential (URL-quoted), `{baseUrl}` from its baseUrl field or `default_base_url`."""
    max_retries: int = 3
    """How often a 429 is retried before the node fails."""
    max_wait_s: float = 60.0
    """Longest wait for one Retry-After; longer hints fail at once."""
    error_check: ErrorCheck | None = None
    rate_limited: Callable[[HttpResponse], bool] | None = None
    """Also a rate limit besides 429 (GitHub's 403 with `x-ratelimit-remaining: 0`):
    retried like a 429."""
    array_format: str = "indices"
    timeout_s: float = 300.0

    def credential_type(self, ctx: NodeContext) -> str:
        choice = ctx.param("authentication", 0, None)
        if isinstance(choice, str) and choice in self.authentication:
            return self.authentication[choice]
        if isinstance(choice, str) and choice in self.credentials:
            return choice  # Airtable v2 names the credential type itself
        refs = getattr(ctx, "credential_refs", None)
        if choice is None and isinstance(refs, Mapping):
            # no authentication parameter (an export leaves defaults out): the kind the
            # node has a credential of
            for kind in self.credentials:
                if kind in refs:
                    return kind
        return next(iter(self.credentials))


def parse_body(response: HttpResponse) -> Any:
    text = response.text()
    if not text.strip():
        return None
    if "json" in response.content_type or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class ServiceClient:
    """One node run's calls to a service (thread-compatible: one per run)."""

    def __init__(
        self,
        ctx: NodeContext,
        service: Service,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ctx = ctx
        self.service = service
        self.kind = service.credential_type(ctx)
        self.auth = service.credentials[self.kind]
        self._sleep = sleep
        self.cache: dict[str, Any] = {}
        """For operations that read something once per node run (n8n reads a table once
        before updating its items)."""
        data = ctx.credentials(self.kind)
        if not data:
            raise CredentialMissing(f"Node does not have any credentials set for {self.kind!r}")
        self.data: dict[str, Any] = (
            self.auth.current(self.kind, data) if isinstance(self.auth, OAuth2) else dict(data)
        )
        self._transport = TransportKey(
            network=capabilities_of(ctx).network, domains=allowed_domains(self.data)
        )

    # -- URLs -----------------------------------------------------------------------------

    def base_url(self) -> str:
        try:
            filled = self.service.base_url.format_map(
                _Quoted(self.data, self.kind, self.service.default_base_url)
            )
        except (KeyError, ValueError, IndexError) as exc:
            raise CredentialMissing(f"base URL of {self.service.name}: {exc}") from None
        return filled.rstrip("/")

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url()}/{path.lstrip('/')}" if path else self.base_url()

    # -- requests -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        qs: Mapping[str, Any] | None = None,
        body: Any = None,
        body_kind: BodyKind | None = None,
        headers: Mapping[str, str] | None = None,
        item_index: int | None = None,
        raw: bool = False,
    ) -> Any:
        """Send one call; the parsed JSON answer (or the HttpResponse with `raw`).

        Raises NodeApiError with n8n's message for error statuses and for answers the
        service's `error_check` calls errors."""
        kind: BodyKind = body_kind or ("none" if body is None else "json")
        spec = RequestSpec(
            method=method.upper(),
            url=self.url(path),
            qs={k: v for k, v in (qs or {}).items() if v is not None},
            headers=dict(headers or {}),
            body_kind=kind,
            body=body,
            array_format=self.service.array_format,  # type: ignore[arg-type]
            timeout_s=self.service.timeout_s,
            transport=self._transport,
        )
        response = self._send_signed(spec, item_index)
        parsed = parse_body(response)
        if not response.ok:
            raise api_error(response.status, parsed, node=self.ctx.node_name, item_index=item_index)
        if self.service.error_check is not None:
            problem = self.service.error_check(response, parsed)
            if problem is not None:
                message, description = problem
                raise NodeApiError(
                    message,
                    node=self.ctx.node_name,
                    item_index=item_index,
                    description=description,
                )
        return response if raw else parsed

    def _send_signed(self, spec: RequestSpec, item_index: int | None) -> HttpResponse:
        auth = self.auth
        if isinstance(auth, OAuth2) and auth.needs_token(self.data):
            self._renew(refresh=False)
        response = self._send(auth.apply(spec, self.data, self.kind), item_index)
        if isinstance(auth, OAuth2) and response.status == 401:
            # n8n refreshes once when the service refuses the token, then sends again
            self._renew(refresh=True)
            response = self._send(auth.apply(spec, self.data, self.kind), item_index)
        return response

    def _send(self, spec: RequestSpec, item_index: int | None) -> HttpResponse:
        attempt = 0
        while True:
            try:
                response = send(spec)
            except RequestFailed as exc:
                raise NodeApiError(
                    exc.message, node=self.ctx.node_name, item_index=item_index
                ) from None
            limited = response.status == 429 or (
                self.service.rate_limited is not None and self.service.rate_limited(response)
            )
            if not limited or attempt >= self.service.max_retries:
                return response
            wait = _retry_after(response, attempt)
            if wait > self.service.max_wait_s:
                return response  # the service asks for longer than we wait: fail now
            self._sleep(wait)
            attempt += 1

    def _renew(self, *, refresh: bool) -> None:
        auth = self.auth
        assert isinstance(auth, OAuth2)
        try:
            self.data = auth.obtain(self.kind, self.data, self._post_token, refresh=refresh)
        except HetumindError as exc:
            raise NodeApiError(exc.message, node=self.ctx.node_name, http_code=401) from None
        refs = getattr(self.ctx, "credential_refs", None)
        if isinstance(refs, Mapping):
            write_back_credential(refs, self.kind, self.data)

    def _post_token(
        self, url: str, form: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any]:
        spec = RequestSpec(
            method="POST",
            url=url,
            headers=headers,
            body_kind="form",
            body=form,
            transport=self._transport,
            secret_names=frozenset({"authorization"}),
        )
        response = self._send(spec, None)
        return response.status, parse_body(response)


def _retry_after(response: HttpResponse, attempt: int) -> float:
    """Seconds to wait: the Retry-After header, else `x-ratelimit-reset` (epoch seconds,
    GitHub's), else Telegram's `parameters.retry_after`, else an exponential back-off
    with jitter."""
    header = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    try:
        return max(0.0, float(reset) - time.time())
    except ValueError:
        pass
    body = parse_body(response)
    hinted = body.get("parameters", {}).get("retry_after") if isinstance(body, dict) else None
    if isinstance(hinted, int | float):
        return max(0.0, float(hinted))
    return min(30.0, 2.0**attempt) * random.uniform(0.5, 1.0)


class _Quoted(dict[str, str]):
    """format_map source: credential fields, URL-quoted (a token with `/` stays one path
    segment); `baseUrl` falls back to the service's default."""

    def __init__(self, data: Mapping[str, Any], kind: str, default_base: str) -> None:
        super().__init__()
        self._data = data
        self._kind = kind
        self._default_base = default_base

    def __missing__(self, key: str) -> str:
        value = self._data.get(key)
        if key == "baseUrl":
            return str(value or self._default_base).rstrip("/")
        if value in (None, ""):
            raise KeyError(f"the {self._kind!r} credential has no {key!r}")
        return quote(str(value), safe=":")
