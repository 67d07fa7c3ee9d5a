"""The fake Google token endpoint and API fakes, shared by the Google node tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes._base import serving
from tests.fakes.fake_google_sheets import FakeGoogleSheets
from tests.fakes.fake_google_token import FakeGoogleToken, new_service_account


@pytest.fixture(scope="session")
def google_token() -> Iterator[FakeGoogleToken]:
    with serving(FakeGoogleToken()) as fake:
        yield fake


@pytest.fixture(scope="session")
def service_account(google_token: FakeGoogleToken) -> dict[str, Any]:
    account = new_service_account()
    google_token.register(account)
    return account


@pytest.fixture(scope="session")
def sheets_api(google_token: FakeGoogleToken) -> Iterator[FakeGoogleSheets]:
    with serving(FakeGoogleSheets(google_token)) as fake:
        yield fake


def oauth_creds(kind: str, token: FakeGoogleToken, base_url: str, **token_data: Any) -> Any:
    """An inline OAuth2 credential of `kind` holding a token the fake issued."""
    data = {
        "clientId": token.client_id,
        "clientSecret": token.client_secret,
        "accessTokenUrl": f"{token.url}/token",
        "oauthTokenData": {
            "access_token": token.issue("scope"),
            "refresh_token": "refresh-1",
            **token_data,
        },
        "baseUrl": base_url,
    }
    return {kind: {"id": "g", "name": "google", "data": data}}


def account_creds(
    account: dict[str, Any], token: FakeGoogleToken, base_url: str, **extra: Any
) -> Any:
    data = {
        "email": account["email"],
        "privateKey": account["privateKey"],
        "accessTokenUrl": f"{token.url}/token",
        "baseUrl": base_url,
        **extra,
    }
    return {"googleApi": {"id": "sa", "name": "robot", "data": data}}
