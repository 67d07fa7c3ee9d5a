"""The outbound network policy: in server mode loopback, link-local (metadata), private
and other non-public addresses are refused, however they are spelled, after DNS
resolution, on every redirect, for every node that connects out; an allow list widens it;
local mode is unchanged."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hetumind.capabilities import Capabilities, CapabilityDenied, NetworkPolicy
from hetumind.credentials import credential_key
from hetumind.http.client import close_clients
from tests.security.helpers import error_of, node, outputs, run_one, server_caps
from tests.security.servers import Recorder, serving


@pytest.fixture
def echo() -> Iterator[Recorder]:
    with serving("127.0.0.1") as server:
        yield server
    close_clients()


@pytest.fixture
def second() -> Iterator[Recorder]:
    with serving("127.0.0.2") as server:
        yield server


def get(url: str, **options: Any) -> dict[str, Any]:
    return node("Get", "httpRequest", 4.2, parameters={"url": url, "options": options})


SERVER = NetworkPolicy(restricted=True)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",  # decimal
        "0x7f000001",  # hex
        "017700000001",  # octal
        "127.1",
        "0.0.0.0",
        "localhost",
        "::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "fd00::1",  # unique local
        "fe80::1",
        "169.254.169.254",  # cloud metadata
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused_in_every_spelling(host: str) -> None:
    with pytest.raises(CapabilityDenied, match="not allowed"):
        SERVER.resolve(host, 80)


def test_public_addresses_and_the_allow_list_pass() -> None:
    assert SERVER.address_allowed("8.8.8.8") and SERVER.address_allowed("2606:4700::1111")
    caps = Capabilities.server_mode({"HETUMIND_ALLOWED_HOSTS": "10.1.0.0/16, db.internal"})
    assert caps.network.address_allowed("10.1.2.3")
    assert not caps.network.address_allowed("10.2.0.1")
    assert caps.network.host_allowed("db.internal")
    assert not Capabilities.local({}).network.restricted
    assert not Capabilities.server_mode({"HETUMIND_ALLOWED_HOSTS": "*"}).network.restricted


def test_http_request_to_loopback_is_refused_in_server_mode(echo: Recorder, tmp_path: Path) -> None:
    for url in (
        echo.url,
        echo.url.replace("127.0.0.1", "2130706433"),
        echo.url.replace("127.0.0.1", "localhost"),
    ):
        message = error_of(run_one(get(url + "/x"), server_caps(tmp_path)))
        assert message.startswith("Get: ") and "not allowed" in message, url
    assert echo.seen == []  # nothing was sent


def test_allow_list_and_local_mode_reach_loopback(echo: Recorder, tmp_path: Path) -> None:
    allowed = server_caps(tmp_path, HETUMIND_ALLOWED_HOSTS="127.0.0.1/32")
    assert outputs(run_one(get(echo.url + "/a"), allowed), "Get")[0]["echo"]["path"] == "/a"
    assert outputs(run_one(get(echo.url + "/b")), "Get")[0]["echo"]["path"] == "/b"


def test_every_redirect_is_checked(echo: Recorder, second: Recorder, tmp_path: Path) -> None:
    caps = server_caps(tmp_path, HETUMIND_ALLOWED_HOSTS="127.0.0.1/32")
    hop = f"{echo.url}/redirect?to={second.url}/inside"
    message = error_of(run_one(get(hop), caps))
    assert "127.0.0.2" in message and "not allowed" in message
    assert [s["path"] for s in echo.seen] == ["/redirect"] and second.seen == []
    # local mode follows it
    assert outputs(run_one(get(hop)), "Get")[0]["echo"]["path"] == "/inside"


def test_the_checked_address_is_the_one_connected_to(
    echo: Recorder, second: Recorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a name that answers 127.0.0.1 (allowed) when checked and 127.0.0.2
    afterwards must not reach 127.0.0.2: the connection uses the checked answer."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"])

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            return real(next(answers, "127.0.0.2"), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = echo.server_address[1]
    caps = server_caps(tmp_path, HETUMIND_ALLOWED_HOSTS="127.0.0.1/32")
    out = outputs(run_one(get(f"http://rebind.test:{port}/pinned"), caps), "Get")
    assert out[0]["echo"]["headers"]["host"] == f"rebind.test:{port}"
    assert [s["path"] for s in echo.seen] == ["/pinned"]


def _pg(host: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    ref = {"id": "pg1", "name": "pg"}
    step = node(
        "PG",
        "postgres",
        2.5,
        parameters={"operation": "executeQuery", "query": "select 1 as one"},
        credentials={"postgres": ref},
    )
    data = {"host": host, "port": 5432, "database": "postgres", "user": "postgres"}
    return step, {credential_key("postgres", ref): data}


def test_postgres_and_redis_hosts_follow_the_policy(tmp_path: Path) -> None:
    step, creds = _pg("127.0.0.1")
    message = error_of(run_one(step, server_caps(tmp_path), credentials=creds))
    assert message.startswith("PG: ") and "not allowed" in message
    allowed = server_caps(tmp_path, HETUMIND_ALLOWED_HOSTS="localhost")
    step, creds = _pg("localhost")
    assert outputs(run_one(step, allowed, credentials=creds), "PG") == [{"one": 1}]
    ref = {"id": "r1", "name": "r"}
    redis_step = node("R", "redis", 1, parameters={"operation": "info"}, credentials={"redis": ref})
    redis_creds = {credential_key("redis", ref): {"host": "169.254.169.254", "port": 6379}}
    message = error_of(run_one(redis_step, server_caps(tmp_path), credentials=redis_creds))
    assert message.startswith("R: ") and "169.254.169.254" in message


def _chat(base_url: str | None, api_key: str | None) -> list[dict[str, Any]]:
    ref: dict[str, Any] = {"id": "o1", "name": "openai"}
    if api_key is not None:  # inline: an empty one is what the attack uses
        ref = {"data": {"apiKey": api_key} if api_key else {}}
    options = {"baseURL": base_url} if base_url else {}
    return [
        node(
            "Chain",
            "@n8n/n8n-nodes-langchain.chainLlm",
            1.5,
            parameters={"promptType": "define", "text": "hello"},
        ),
        node(
            "Model",
            "@n8n/n8n-nodes-langchain.lmChatOpenAi",
            1.2,
            parameters={"model": "m", "options": options},
            credentials={"openAiApi": ref},
        ),
    ]


def _run_chat(nodes: list[dict[str, Any]], caps: Capabilities | None, **kw: Any) -> Any:
    from hetumind.engine import run_workflow
    from tests.engine.workflows import start, workflow

    doc = workflow([start(), *nodes], [("Start", 0, "Chain", 0)])
    doc["connections"]["Model"] = {
        "ai_languageModel": [[{"node": "Chain", "type": "ai_languageModel", "index": 0}]]
    }
    return run_workflow(doc, capabilities=caps, **kw)


def test_ai_base_urls_follow_the_policy(echo: Recorder, tmp_path: Path) -> None:
    creds = {credential_key("openAiApi", {"id": "o1", "name": "openai"}): {"apiKey": "sk-x"}}
    result = _run_chat(_chat(echo.url + "/v1", None), server_caps(tmp_path), credentials=creds)
    assert "not allowed" in error_of(result) and echo.seen == []
    allowed = server_caps(tmp_path, HETUMIND_ALLOWED_HOSTS="127.0.0.1")
    result = _run_chat(_chat(echo.url + "/v1", None), allowed, credentials=creds)
    assert result.status == "success", result.error
    assert echo.seen[-1]["headers"]["authorization"] == "Bearer sk-x"


def test_the_servers_own_key_never_goes_to_a_chosen_base_url(
    echo: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-servers-own")
    result = _run_chat(_chat(echo.url + "/v1", ""), None)  # local mode, empty inline key
    assert result.status == "success", result.error
    assert "sk-the-servers-own" not in echo.seen[-1]["headers"].get("authorization", "")


def test_the_ai_http_tool_follows_the_policy(echo: Recorder) -> None:
    import asyncio

    from hetumind.ai.errors import ToolError
    from hetumind.ai.tools import http_tool

    def tool(network: NetworkPolicy) -> Any:
        return http_tool("t", "d", method="GET", url=echo.url + "/tool", network=network)

    with pytest.raises(ToolError, match="not allowed"):
        asyncio.run(tool(SERVER).call({}))
    assert echo.seen == []
    allowed = NetworkPolicy(True, allowed_networks=("127.0.0.1/32",))
    assert "/tool" in asyncio.run(tool(allowed).call({}))
    assert "/tool" in asyncio.run(tool(NetworkPolicy()).call({}))


def test_a_stored_model_key_goes_only_to_its_allowed_domains(echo: Recorder) -> None:
    """The read-a-stored-secret attack on model nodes: a stored OpenAI credential with a
    base URL the workflow chose."""
    key = credential_key("openAiApi", {"id": "o1", "name": "openai"})
    restricted = {
        key: {
            "apiKey": "sk-stored",
            "allowedHttpRequestDomains": "domains",
            "allowedDomains": "api.openai.com",
        }
    }
    result = _run_chat(_chat(echo.url + "/v1", None), None, credentials=restricted)
    assert "Domain not allowed" in error_of(result) and echo.seen == []
