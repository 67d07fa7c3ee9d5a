"""Credentials and the environment in server mode: a credential's allowed domains bind
HTTP Request (every redirect too), inline credential data is refused, `$env` is blocked
unless a setting allows it; local mode keeps all three."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hetumind.credentials import credential_key
from hetumind.http.client import close_clients
from tests.security.helpers import error_of, node, outputs, run_one, server_caps
from tests.security.servers import Recorder, serving

REF = {"id": "c1", "name": "api"}


@pytest.fixture
def echo() -> Iterator[Recorder]:
    with serving("127.0.0.1") as server:
        yield server
    close_clients()


def call(url: str, ref: dict[str, Any] = REF) -> dict[str, Any]:
    return node(
        "Call",
        "httpRequest",
        4.2,
        parameters={
            "url": url,
            "authentication": "genericCredentialType",
            "genericAuthType": "httpHeaderAuth",
        },
        credentials={"httpHeaderAuth": ref},
    )


def creds(**restriction: str) -> dict[str, dict[str, Any]]:
    data = {"name": "X-Key", "value": "k", **restriction}
    return {credential_key("httpHeaderAuth", REF): data}


def test_a_credential_goes_only_to_its_allowed_domains(echo: Recorder) -> None:
    port = echo.server_address[1]
    only_example = creds(allowedHttpRequestDomains="domains", allowedDomains="example.com")
    message = error_of(run_one(call(f"{echo.url}/x"), credentials=only_example))
    assert message.startswith("Call: Domain not allowed") and "example.com" in message
    none = creds(allowedHttpRequestDomains="none")
    assert "prevent use" in error_of(run_one(call(f"{echo.url}/x"), credentials=none))
    assert echo.seen == []
    local = creds(allowedHttpRequestDomains="domains", allowedDomains="*.test, localhost")
    url = f"http://localhost:{port}/ok"
    assert outputs(run_one(call(url), credentials=local), "Call")[0]["echo"]["path"] == "/ok"


def test_a_redirect_cannot_carry_the_credential_elsewhere(echo: Recorder) -> None:
    port = echo.server_address[1]
    local = creds(allowedHttpRequestDomains="domains", allowedDomains="localhost")
    hop = f"http://localhost:{port}/redirect?to=http://127.0.0.1:{port}/stolen"
    message = error_of(run_one(call(hop), credentials=local))
    assert "Domain not allowed" in message and "127.0.0.1" in message
    assert [s["path"] for s in echo.seen] == ["/redirect"]


def test_inline_credentials_are_refused_in_server_mode(tmp_path: Path) -> None:
    superuser = {"data": {"host": "localhost", "user": "postgres", "database": "postgres"}}
    step = node(
        "PG",
        "postgres",
        2.5,
        parameters={"operation": "executeQuery", "query": "select current_user"},
        credentials={"postgres": superuser},
    )
    caps = server_caps(tmp_path, HETUMIND_ALLOWED_HOSTS="localhost")
    message = error_of(run_one(step, caps))
    assert message.startswith("PG: ") and "inline" in message and "not allowed" in message
    assert outputs(run_one(step), "PG") == [{"current_user": "postgres"}]  # local mode


def _env_step() -> dict[str, Any]:
    return node(
        "Env",
        "set",
        3.4,
        parameters={
            "assignments": {
                "assignments": [
                    {"name": "home", "value": "={{ $env.SECURITY_PROBE }}", "type": "string"}
                ]
            }
        },
    )


def test_env_is_blocked_in_server_mode_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECURITY_PROBE", "the-servers-secret")
    message = error_of(run_one(_env_step(), server_caps(tmp_path)))
    assert message.startswith("Env: ") and "access to env vars denied" in message
    allowed = server_caps(tmp_path, HETUMIND_ALLOW_ENV_ACCESS="true")
    assert outputs(run_one(_env_step(), allowed), "Env") == [{"home": "the-servers-secret"}]
    assert outputs(run_one(_env_step()), "Env") == [{"home": "the-servers-secret"}]
