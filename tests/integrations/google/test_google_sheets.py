"""Google Sheets 4.x against a fake of the Sheets v4 API: read (filters, first match,
A1 range), append (autoMap with new columns, defineBelow, useAppend), update and
appendOrUpdate by a matching column, clear, delete rows, create and remove sheets,
spreadsheet create; resource locator modes; OAuth2 refresh, a service account, auth
failure and 429s."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from tests.fakes.fake_google_sheets import FakeGoogleSheets
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.conftest import run_node
from tests.integrations.google.conftest import account_creds, oauth_creds

TYPE = "n8n-nodes-base.googleSheets"
BOOK = "1AbCdEfGh_ij-KL"
ROWS = [["id", "name", "city"], [1, "Ada", "London"], [2, "Bob", "Paris"], [3, "Cy", "London"]]


@pytest.fixture(autouse=True)
def book(sheets_api: FakeGoogleSheets) -> None:
    sheets_api.add_book(BOOK, "People", {"Sheet1": ROWS, "Other": []})


def rl(value: Any, mode: str = "id") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


def run(
    api: FakeGoogleSheets,
    token: FakeGoogleToken,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    kw.setdefault("version", 4.5)
    params = {
        "documentId": rl(BOOK),
        "sheetName": rl("gid=0", "list"),
        **params,
    }
    creds = kw.pop("creds", None) or oauth_creds("googleSheetsOAuth2Api", token, api.url)
    return [o["json"] for o in run_node(TYPE, params, creds, items, **kw)]


def test_read_all_rows_with_row_numbers(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    out = run(sheets_api, google_token, {"operation": "read"})
    assert out == [
        {"row_number": 2, "id": 1, "name": "Ada", "city": "London"},
        {"row_number": 3, "id": 2, "name": "Bob", "city": "Paris"},
        {"row_number": 4, "id": 3, "name": "Cy", "city": "London"},
    ]
    get = sheets_api.calls("/values/%27Sheet1%27")[-1]
    assert get.query["valueRenderOption"] == "UNFORMATTED_VALUE"


@pytest.mark.parametrize(
    ("options", "names"),
    [({}, ["Ada"]), ({"returnAllMatches": "returnAllMatches"}, ["Ada", "Cy"])],
)
def test_read_filters(
    sheets_api: FakeGoogleSheets,
    google_token: FakeGoogleToken,
    options: dict[str, Any],
    names: list[str],
) -> None:
    params = {
        "operation": "read",
        "filtersUI": {"values": [{"lookupColumn": "city", "lookupValue": "London"}]},
        "options": options,
    }
    assert [r["name"] for r in run(sheets_api, google_token, params)] == names


def test_read_and_filters_and_range(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "read",
        "filtersUI": {
            "values": [
                {"lookupColumn": "city", "lookupValue": "London"},
                {"lookupColumn": "id", "lookupValue": "3"},
            ]
        },
        "options": {"combineFilters": "AND", "returnAllMatches": "returnAllMatches"},
    }
    assert [r["name"] for r in run(sheets_api, google_token, params)] == ["Cy"]
    ranged = {
        "operation": "read",
        "options": {
            "dataLocationOnSheet": {
                "values": {"rangeDefinition": "specifyRangeA1", "range": "A1:B3"}
            }
        },
    }
    assert run(sheets_api, google_token, ranged) == [
        {"row_number": 2, "id": 1, "name": "Ada"},
        {"row_number": 3, "id": 2, "name": "Bob"},
    ]


@pytest.mark.parametrize(
    "sheet",
    [
        {"__rl": True, "value": "Sheet1", "mode": "name"},
        {
            "__rl": True,
            "value": f"https://docs.google.com/spreadsheets/d/{BOOK}/edit#gid=0",
            "mode": "url",
        },
        {"__rl": True, "value": "0", "mode": "id"},
    ],
)
def test_sheet_locator_modes(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken, sheet: dict[str, Any]
) -> None:
    doc = rl(f"https://docs.google.com/spreadsheets/d/{BOOK}/edit", "url")
    out = run(
        sheets_api, google_token, {"operation": "read", "documentId": doc, "sheetName": sheet}
    )
    assert len(out) == 3


def test_unknown_sheet_names_it(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeExecutionError, match="Sheet with name Nope not found"):
        run(sheets_api, google_token, {"operation": "read", "sheetName": rl("Nope", "name")})


def test_append_auto_map_adds_new_columns(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    items = [{"json": {"id": 4, "name": "Di", "age": "40"}}, {"json": {"id": 5, "name": "Ed"}}]
    params = {"operation": "append", "columns": {"mappingMode": "autoMapInputData", "value": {}}}
    out = run(sheets_api, google_token, params, items)
    assert out == [i["json"] for i in items]  # autoMap returns the input items
    grid = sheets_api.grid(BOOK, "Sheet1")
    assert grid.values[0] == ["id", "name", "city", "age"]
    assert grid.values[4:] == [[4, "Di", "", 40], [5, "Ed", "", ""]]  # USER_ENTERED from 4.1


def test_append_define_below_raw_in_4_0(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "append",
        "columns": {"mappingMode": "defineBelow", "value": {"id": "={{ $json.n }}", "name": "New"}},
    }
    out = run(sheets_api, google_token, params, [{"json": {"n": "9"}}], version=4)
    assert out == [{"id": "9", "name": "New"}]
    assert sheets_api.grid(BOOK, "Sheet1").values[4] == ["9", "New", ""]  # RAW keeps text
    assert sheets_api.calls("/values/%27Sheet1%27%21A5")[-1].query["valueInputOption"] == "RAW"


def test_append_to_empty_sheet_writes_header_and_use_append(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "append",
        "sheetName": rl("Other", "name"),
        "columns": {"mappingMode": "autoMapInputData", "value": {}},
        "options": {"useAppend": True},
    }
    run(sheets_api, google_token, params, [{"json": {"a": 1, "b": "x"}}])
    assert sheets_api.grid(BOOK, "Other").values == [["a", "b"], [1, "x"]]


def test_update_and_append_or_update(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    columns = {
        "mappingMode": "defineBelow",
        "value": {"name": "={{ $json.name }}", "city": "={{ $json.city }}"},
        "matchingColumns": ["name"],
    }
    items = [{"json": {"name": "Bob", "city": "Rome"}}, {"json": {"name": "Zed", "city": "Oslo"}}]
    out = run(sheets_api, google_token, {"operation": "update", "columns": columns}, items)
    assert [o["name"] for o in out] == ["Bob", "Zed"]
    grid = sheets_api.grid(BOOK, "Sheet1")
    assert grid.values[2] == [2, "Bob", "Rome"]
    assert len(grid.values) == 4  # update does not add Zed
    run(sheets_api, google_token, {"operation": "appendOrUpdate", "columns": columns}, items)
    assert grid.values[4] == ["", "Zed", "Oslo"]


def test_update_unknown_column(sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken) -> None:
    columns = {"mappingMode": "defineBelow", "value": {"x": 1}, "matchingColumns": ["x"]}
    params = {
        "operation": "update",
        "columns": columns,
        "options": {"handlingExtraData": "ignoreIt"},
    }
    with pytest.raises(NodeExecutionError, match="Could not find column for key 'x'"):
        run(sheets_api, google_token, params)


def test_clear_keep_header_and_delete_rows(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    run(sheets_api, google_token, {"operation": "delete", "startIndex": 2, "numberToDelete": 1})
    grid = sheets_api.grid(BOOK, "Sheet1")
    assert [r[1] for r in grid.values] == ["name", "Bob", "Cy"]
    run(
        sheets_api,
        google_token,
        {"operation": "clear", "clear": "wholeSheet", "keepFirstRow": True},
    )
    assert grid.values[0] == ["id", "name", "city"]
    assert all(v == "" for row in grid.values[1:] for v in row)


def test_create_and_remove_sheet(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    out = run(
        sheets_api,
        google_token,
        {"operation": "create", "title": "Log", "options": {"tabColor": "#ff0000"}},
    )
    assert out[0]["title"] == "Log" and isinstance(out[0]["sheetId"], int)
    run(sheets_api, google_token, {"operation": "remove", "sheetName": rl("Log", "name")})
    assert [g.title for g in sheets_api.books[BOOK]["sheets"]] == ["Sheet1", "Other"]


def test_spreadsheet_create(sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken) -> None:
    params = {
        "resource": "spreadsheet",
        "operation": "create",
        "title": "New book",
        "sheetsUi": {"sheetValues": [{"title": "A"}, {"title": "B"}]},
    }
    out = run(sheets_api, google_token, params)
    assert out[0]["properties"]["title"] == "New book"
    assert [s["properties"]["title"] for s in out[0]["sheets"]] == ["A", "B"]


def test_refused_token_is_refreshed(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    creds = oauth_creds("googleSheetsOAuth2Api", google_token, sheets_api.url)
    creds["googleSheetsOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    out = run(sheets_api, google_token, {"operation": "read"}, creds=creds)
    assert len(out) == 3
    refreshed = google_token.calls("/token")[-1]
    assert refreshed.form["grant_type"] == "refresh_token"
    assert refreshed.form["client_id"] == google_token.client_id  # Google: client in the body


def test_auth_failure_gives_n8n_text(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    creds = oauth_creds(
        "googleSheetsOAuth2Api", google_token, sheets_api.url, refresh_token="revoked"
    )
    creds["googleSheetsOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    with pytest.raises(NodeApiError) as info:
        run(sheets_api, google_token, {"operation": "read"}, creds=creds)
    assert "Token has been expired or revoked" in info.value.reason
    assert info.value.http_code == 401


def test_service_account(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken, service_account: dict[str, Any]
) -> None:
    creds = account_creds(
        service_account,
        google_token,
        sheets_api.url,
        inpersonate=True,
        delegatedEmail="me@corp.example",
    )
    out = run(
        sheets_api,
        google_token,
        {"operation": "read", "authentication": "serviceAccount"},
        creds=creds,
    )
    assert len(out) == 3
    claims = google_token.assertions[-1]
    assert claims["iss"] == service_account["email"] and claims["sub"] == "me@corp.example"
    assert "https://www.googleapis.com/auth/spreadsheets" in claims["scope"].split()


def test_service_account_wrong_key_is_refused(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken, service_account: dict[str, Any]
) -> None:
    from tests.fakes.fake_google_token import new_service_account

    other = new_service_account(service_account["email"])  # same email, another key
    creds = account_creds(other, google_token, sheets_api.url, scopes="https://x.example/only")
    with pytest.raises(NodeApiError, match="Invalid JWT Signature"):
        run(
            sheets_api,
            google_token,
            {"operation": "read", "authentication": "serviceAccount"},
            creds=creds,
        )


def test_rate_limit_retried_then_failed(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    sheets_api.rate_limit(1, retry_after=0)
    assert len(run(sheets_api, google_token, {"operation": "read"})) == 3
    sheets_api.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests") as info:
        run(sheets_api, google_token, {"operation": "read"})
    assert info.value.http_code == 429
    sheets_api.rate_limit(0)
