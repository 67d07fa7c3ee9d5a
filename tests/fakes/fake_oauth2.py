"""A fake OAuth 2.0 provider (RFC 6749) with one protected resource, on loopback.

Token endpoint `POST /token` (form-encoded): `client_credentials` and `refresh_token`
grants; the client authenticates with HTTP basic (RFC 6749 2.3.1) or `client_id` /
`client_secret` in the form; errors are 400/401 with `{"error", "error_description"}`.
The resource `GET /api/things` answers 401 with `WWW-Authenticate: Bearer
error="invalid_token"` (RFC 6750) for unknown or expired tokens. `/api/echo` answers with
what it received, for the API key styles (header, query, basic).
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

from tests.fakes._base import Answer, FakeService, Request


class FakeOAuth2(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.client_id, self.client_secret = "client-1", "secret-1"
        self.valid: set[str] = set()
        self.refresh: set[str] = set()
        self.grants: list[str] = []
        self._n = itertools.count(1)

    def expire_all(self) -> None:
        with self.lock:
            self.valid.clear()

    def _client_ok(self, req: Request) -> bool:
        auth = req.headers.get("authorization", "")
        if auth.startswith("Basic "):
            return base64.b64decode(auth[6:]).decode() == f"{self.client_id}:{self.client_secret}"
        return (req.form.get("client_id"), req.form.get("client_secret")) == (
            self.client_id,
            self.client_secret,
        )

    def handle(self, req: Request) -> Answer:
        if req.path == "/token":
            return self.token(req)
        if req.path == "/api/echo":
            return Answer(200, {"headers": req.headers, "query": req.query})
        if req.path == "/api/things":
            token = req.headers.get("authorization", "").removeprefix("Bearer ")
            if token not in self.valid:
                return Answer(
                    401,
                    {"error": "invalid_token", "error_description": "The access token expired"},
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            return Answer(200, {"things": [1, 2, 3], "token": token})
        return Answer(404, {"error": "not_found"})

    def token(self, req: Request) -> Answer:
        if not self._client_ok(req):
            return Answer(401, {"error": "invalid_client"})
        grant = req.form.get("grant_type", "")
        self.grants.append(grant)
        if grant == "refresh_token" and req.form.get("refresh_token") not in self.refresh:
            return Answer(
                400, {"error": "invalid_grant", "error_description": "unknown refresh token"}
            )
        if grant not in ("client_credentials", "refresh_token"):
            return Answer(400, {"error": "unsupported_grant_type"})
        access = f"at-{next(self._n)}"
        self.valid.add(access)
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
        if req.form.get("scope"):
            body["scope"] = req.form["scope"]
        return Answer(200, body)
