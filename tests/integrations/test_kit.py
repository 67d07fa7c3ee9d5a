"""The integration kit itself: auth styles, OAuth2 flows, base URLs, the execution's
network policy, pagination styles and n8n's error texts."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.capabilities import Capabilities, NetworkPolicy
from hetumind.credentials import credential_key
from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.errors import HetumindError
from hetumind.integrations import (
    ApiKeyHeader,
    ApiKeyQuery,
    Basic,
    Cursor,
    NextUrl,
    OAuth2,
    OffsetLimit,
    PageNumber,
    Service,
    ServiceClient,
    api_error,
    collect,
)
from hetumind.integrations.paging import Page, PaginationLoop
from hetumind.items import ItemBatch
from hetumind.workflow import Node as WorkflowNode
from tests.fakes._base import serving
from tests.fakes.fake_oauth2 import FakeOAuth2
from tests.nodes.context import node_context


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeOAuth2]:
    with serving(FakeOAuth2()) as fake:
        yield fake


def client(service: Service, kind: str, data: dict[str, Any]) -> ServiceClient:
    ctx = node_context(
        {},
        [ItemBatch.from_items([{"json": {}}])],
        credentials={kind: {"id": "c", "name": "c", "data": data}},
    )
    return ServiceClient(ctx, service)


def echo(provider: FakeOAuth2, style: Any, data: dict[str, Any]) -> dict[str, Any]:
    service = Service("Echo", provider.url, credentials={"k": style})
    answer: dict[str, Any] = client(service, "k", data).request("GET", "api/echo", qs={"q": 1})
    return answer


def test_api_key_styles_put_the_secret_where_they_say(provider: FakeOAuth2) -> None:
    got = echo(provider, ApiKeyHeader("apiKey", "X-Api-Key"), {"apiKey": "k1"})
    assert got["headers"]["x-api-key"] == "k1"
    got = echo(provider, ApiKeyQuery("apiKey", "api_key"), {"apiKey": "k2"})
    assert got["query"] == {"q": "1", "api_key": "k2"}
    got = echo(provider, Basic("user", "password"), {"user": "ada", "password": "pw"})
    assert got["headers"]["authorization"] == "Basic " + base64.b64encode(b"ada:pw").decode()


def test_a_missing_credential_or_field_is_a_clear_error(provider: FakeOAuth2) -> None:
    service = Service("Echo", provider.url, credentials={"k": ApiKeyHeader("apiKey", "X-Key")})
    ctx = node_context({}, [ItemBatch.from_items([{"json": {}}])])
    with pytest.raises(HetumindError, match="Node does not have any credentials set for 'k'"):
        ServiceClient(ctx, service)
    with pytest.raises(HetumindError, match="the 'k' credential has no 'apiKey'"):
        client(service, "k", {"other": 1}).request("GET", "api/echo")


def test_base_url_defaults_and_the_credential_overrides_it() -> None:
    service = Service(
        "T", "https://api.example.com", base_url="{baseUrl}/bot{token}", credentials={"k": Basic()}
    )
    assert (
        client(service, "k", {"token": "1:a/b"}).base_url() == "https://api.example.com/bot1:a%2Fb"
    )
    assert (
        client(service, "k", {"token": "x", "baseUrl": "http://self.host/"}).url("m")
        == "http://self.host/botx/m"
    )


def test_client_credentials_gets_a_token_then_renews_it_on_401(provider: FakeOAuth2) -> None:
    service = Service("Things", provider.url, credentials={"oAuth2Api": OAuth2()})
    data = {
        "grantType": "clientCredentials",
        "accessTokenUrl": f"{provider.url}/token",
        "clientId": provider.client_id,
        "clientSecret": provider.client_secret,
        "scope": "read,write",
        "authentication": "body",
    }
    c = client(service, "oAuth2Api", data)
    first = c.request("GET", "api/things")
    assert first["things"] == [1, 2, 3] and provider.grants[-1] == "client_credentials"
    token_call = provider.calls("/token")[-1]
    assert token_call.form["scope"] == "read write" and token_call.form["client_id"] == "client-1"
    provider.expire_all()
    second = c.request("GET", "api/things")
    assert second["token"] != first["token"] and provider.grants.count("client_credentials") == 2


def test_authorization_code_refresh_uses_basic_client_auth(provider: FakeOAuth2) -> None:
    provider.refresh.add("rt-1")
    service = Service("Things", provider.url, credentials={"oAuth2Api": OAuth2()})
    data = {
        "accessTokenUrl": f"{provider.url}/token",
        "clientId": provider.client_id,
        "clientSecret": provider.client_secret,
        "oauthTokenData": {"access_token": "stale", "refresh_token": "rt-1"},
    }
    c = client(service, "oAuth2Api", data)
    assert c.request("GET", "api/things")["things"] == [1, 2, 3]
    refresh = provider.calls("/token")[-1]
    assert refresh.form == {"grant_type": "refresh_token", "refresh_token": "rt-1"}
    assert refresh.headers["authorization"].startswith("Basic ")
    # the refreshed token keeps the refresh token the answer did not repeat
    assert c.data["oauthTokenData"]["refresh_token"] == "rt-1"
    # a later run in this process starts from the refreshed token
    again = client(service, "oAuth2Api", data)
    assert again.data["oauthTokenData"]["access_token"] == c.data["oauthTokenData"]["access_token"]


def test_a_refused_refresh_names_the_credential(provider: FakeOAuth2) -> None:
    service = Service("Things", provider.url, credentials={"oAuth2Api": OAuth2()})
    data = {
        "accessTokenUrl": f"{provider.url}/token",
        "clientId": provider.client_id,
        "clientSecret": "wrong",
        "oauthTokenData": {"access_token": "stale", "refresh_token": "rt-x"},
    }
    with pytest.raises(
        HetumindError, match="token endpoint of the 'oAuth2Api' credential answered 401"
    ):
        client(service, "oAuth2Api", data).request("GET", "api/things")


def _server_client(service: Service, data: dict[str, Any], policy: NetworkPolicy) -> ServiceClient:
    node = WorkflowNode(
        name="Saas",
        type="hetumind.noOp",
        typeVersion=1,
        parameters={},
        credentials={"k": {"id": "1", "name": "c"}},
    )
    caps = Capabilities.server_mode({"HETUMIND_HOME": "/nonexistent"})
    info = ExecutionInfo(
        execution_id="e",
        workflow_id=None,
        workflow_name="w",
        credentials={credential_key("k", {"id": "1", "name": "c"}): data},
        capabilities=caps.__class__(**{**caps.__dict__, "network": policy}),
    )
    batch = ItemBatch.from_items([{"json": {}}])
    ctx = NodeRunContext(
        node,
        [batch],
        run_index=0,
        info=info,
        state={},
        references={},
        continue_on_fail=False,
        vectorize=True,
    )
    return ServiceClient(ctx, service)


def test_server_mode_reaches_only_allowed_destinations(provider: FakeOAuth2) -> None:
    service = Service("Echo", provider.url, credentials={"k": ApiKeyHeader("apiKey", "X-Key")})
    refused = _server_client(service, {"apiKey": "k"}, NetworkPolicy(restricted=True))
    with pytest.raises(HetumindError, match=r"connection to 127\.0\.0\.1 is not allowed"):
        refused.request("GET", "api/echo")
    assert not any(r.path == "/api/echo" and r.headers.get("x-key") == "srv" for r in provider.log)
    allowed = _server_client(
        service,
        {"apiKey": "srv"},
        NetworkPolicy(restricted=True, allowed_networks=("127.0.0.1/32",)),
    )
    assert allowed.request("GET", "api/echo")["headers"]["x-key"] == "srv"


def test_credential_domain_restriction_applies(provider: FakeOAuth2) -> None:
    data = {
        "apiKey": "k",
        "allowedHttpRequestDomains": "domains",
        "allowedDomains": "api.example.com",
    }
    with pytest.raises(HetumindError, match="Domain not allowed"):
        echo(provider, ApiKeyHeader("apiKey", "X-Key"), data)


def _pages(pages: list[dict[str, Any]]) -> tuple[list[Page], Any]:
    seen: list[Page] = []

    def fetch(page: Page) -> Any:
        seen.append(page)
        return pages[len(seen) - 1]

    return seen, fetch


def test_offset_limit_pages_until_a_short_page() -> None:
    seen, fetch = _pages([{"data": [1, 2]}, {"data": [3, 4]}, {"data": [5]}])
    assert collect(fetch, OffsetLimit(page_size=2), "data") == [1, 2, 3, 4, 5]
    assert [dict(p.qs) for p in seen] == [
        {"offset": 0, "limit": 2},
        {"offset": 2, "limit": 2},
        {"offset": 4, "limit": 2},
    ]


def test_next_url_and_cursor_in_body_and_limit() -> None:
    seen, fetch = _pages([{"items": [1], "next": "http://x/?p=2"}, {"items": [2], "next": None}])
    assert collect(fetch, NextUrl("next"), "items") == [1, 2] and seen[1].url == "http://x/?p=2"
    seen, fetch = _pages(
        [{"results": [1, 2], "next_cursor": "c2"}, {"results": [3], "next_cursor": None}]
    )
    style = Cursor("next_cursor", "start_cursor", in_body=True, page_size_param="page_size")
    assert collect(fetch, style, "results") == [1, 2, 3]
    assert dict(seen[1].body) == {"page_size": 100, "start_cursor": "c2"}
    seen, fetch = _pages([{"r": [1, 2]}, {"r": [3, 4]}])
    assert collect(fetch, PageNumber(), "r", limit=3) == [1, 2, 3]


def test_a_cursor_that_repeats_stops_with_an_error() -> None:
    _, fetch = _pages([{"r": [1], "c": "same"}, {"r": [2], "c": "same"}, {"r": [3], "c": "same"}])
    with pytest.raises(PaginationLoop):
        collect(fetch, Cursor("c", "cursor"), "r")


@pytest.mark.parametrize(
    ("status", "body", "message", "description"),
    [
        (
            401,
            {"message": "Unauthorized"},
            "Authorization failed - please check your credentials",
            "Unauthorized",
        ),
        (
            403,
            {"error": {"code": 7, "message": "no"}},
            "Forbidden - perhaps check your credentials?",
            "no",
        ),
        (404, None, "The resource you are requesting could not be found", None),
        (
            418,
            {"errors": ["a", {"detail": "b"}]},
            "Your request is invalid or could not be processed by the service",
            "a | b",
        ),
        (
            503,
            "down",
            "Service unavailable - try again later or consider setting this node to retry "
            "automatically (in the node settings)",
            "down",
        ),
    ],
)
def test_n8n_error_texts(status: int, body: Any, message: str, description: str | None) -> None:
    err = api_error(status, body, node="N", item_index=2)
    assert err.reason == message and err.description == description
    assert str(err) == f"node 'N', item 2: {message}"


def test_the_kits_public_surface_is_pinned_and_resolves() -> None:
    import hetumind.integrations as kit

    assert sorted(kit.__all__) == [
        "ApiKeyHeader",
        "ApiKeyQuery",
        "Basic",
        "CredentialAuth",
        "CredentialMissing",
        "Cursor",
        "IntegrationNode",
        "NextUrl",
        "NoAuth",
        "NodeApiError",
        "OAuth2",
        "OAuth2Error",
        "OffsetLimit",
        "Operation",
        "PageNumber",
        "Params",
        "Service",
        "ServiceClient",
        "WithBinary",
        "api_error",
        "bearer",
        "collect",
        "run_operations",
    ]
    assert all(getattr(kit, name) is not None for name in kit.__all__)
    with pytest.raises(AttributeError):
        _ = kit.nothing_here
