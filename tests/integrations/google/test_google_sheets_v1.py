"""Google Sheets typeVersions 1 and 2 (n8n's legacy node) against the fake Sheets v4 API:
read (keyed rows, rawData, keyRow / dataStartRow, render mode, continue), lookup (one
row per lookup, returnAllMatches, unknown column), append (key-row order, text cells,
usePathForKeyRow, USER_ENTERED), update / upsert by key and rawData, clear, delete,
sheet create / remove, spreadsheet create; the version defaults for authentication,
auth failure, 429 and continueOnFail."""

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
BOOK = "legacyBook_1"
ROWS: list[list[Any]] = [
    ["id", "name", "city"],
    [1, "Ada", "London"],
    [2, "Bob", "Paris"],
    [3, "Cy", "London"],
]


@pytest.fixture(autouse=True)
def book(sheets_api: FakeGoogleSheets) -> None:
    sheets_api.add_book(BOOK, "People", {"Sheet1": ROWS, "Other": [["a"], ["x"]]})


def run(
    api: FakeGoogleSheets,
    token: FakeGoogleToken,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    """Version 2 with an OAuth2 credential unless told otherwise."""
    kw.setdefault("version", 2)
    params = {"sheetId": BOOK, "range": "A:F", **params}
    creds = kw.pop("creds", None) or oauth_creds("googleSheetsOAuth2Api", token, api.url)
    return [o["json"] for o in run_node(TYPE, params, creds, items, **kw)]


def cells(api: FakeGoogleSheets, title: str = "Sheet1") -> list[list[Any]]:
    return api.grid(BOOK, title).values


# -- read -------------------------------------------------------------------------------


def test_read_rows_keyed_by_the_key_row(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    out = run(sheets_api, google_token, {"operation": "read"})
    assert out == [
        {"id": 1, "name": "Ada", "city": "London"},
        {"id": 2, "name": "Bob", "city": "Paris"},
        {"id": 3, "name": "Cy", "city": "London"},
    ]
    get = sheets_api.calls("/values/A%3AF")[-1]
    assert get.query["valueRenderOption"] == "UNFORMATTED_VALUE"


def test_read_raw_data_formatted_and_named_sheet(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "read",
        "range": "Sheet1!A1:B2",
        "rawData": True,
        "dataProperty": "grid",
        "options": {"valueRenderMode": "FORMATTED_VALUE"},
    }
    assert run(sheets_api, google_token, params) == [{"grid": [["id", "name"], ["1", "Ada"]]}]


def test_read_key_row_and_data_start_row(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    out = run(
        sheets_api,
        google_token,
        {"operation": "read", "keyRow": 1, "dataStartRow": 3},
    )
    assert out == [{"1": 3, "Ada": "Cy", "London": "London"}]
    # a short row gives only its own cells; an empty row is left out
    sheets_api.grid(BOOK, "Sheet1").values = [["a", "b"], [], ["x"]]
    assert run(sheets_api, google_token, {"operation": "read"}) == [{"a": "x"}]


def test_read_empty_sheet_stops_or_continues(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    sheets_api.grid(BOOK, "Sheet1").values = []
    assert run(sheets_api, google_token, {"operation": "read"}) == []
    params = {"operation": "read", "options": {"continue": True}}
    assert run(sheets_api, google_token, params) == [{}]


# -- lookup -----------------------------------------------------------------------------


def test_lookup_one_row_per_item_in_order(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "lookup",
        "lookupColumn": "city",
        "lookupValue": "={{ $json.city }}",
    }
    items = [{"json": {"city": "Paris"}}, {"json": {"city": "Rome"}}, {"json": {"city": "London"}}]
    out = run(sheets_api, google_token, params, items)
    assert out == [
        {"id": 2, "name": "Bob", "city": "Paris"},
        {},
        {"id": 1, "name": "Ada", "city": "London"},
    ]


def test_lookup_numbers_as_text_and_all_matches(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    one = {"operation": "lookup", "lookupColumn": "id", "lookupValue": "3"}
    assert [r["name"] for r in run(sheets_api, google_token, one)] == ["Cy"]
    every = {
        "operation": "lookup",
        "lookupColumn": "city",
        "lookupValue": "London",
        "options": {"returnAllMatches": True},
    }
    assert [r["name"] for r in run(sheets_api, google_token, every)] == ["Ada", "Cy"]
    none = {**every, "lookupValue": "Oslo"}
    assert run(sheets_api, google_token, none) == []
    assert run(
        sheets_api, google_token, {**none, "options": {"returnAllMatches": True, "continue": True}}
    ) == [{}]
    # one lookup that finds nothing yields no item unless `continue` is set
    assert run(sheets_api, google_token, {**one, "lookupValue": "9"}) == []


def test_lookup_unknown_column_names_it(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    params = {"operation": "lookup", "lookupColumn": "email", "lookupValue": "x"}
    with pytest.raises(NodeExecutionError, match='The column "email" could not be found!'):
        run(sheets_api, google_token, params)
    out = run(sheets_api, google_token, params, continue_on_fail=True)
    assert out == [{"error": 'The column "email" could not be found!'}]


# -- append -----------------------------------------------------------------------------


def test_append_writes_text_cells_in_key_row_order(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    items: list[dict[str, Any]] = [
        {"json": {"city": "Oslo", "id": 4, "name": "Di", "extra": "dropped"}},
        {"json": {"id": 5, "name": None, "flag": True}},
    ]
    out = run(sheets_api, google_token, {"operation": "append"}, items)
    assert out == [i["json"] for i in items]  # the input passes on
    assert cells(sheets_api)[4:] == [["4", "Di", "Oslo"], ["5", "", ""]]
    call = sheets_api.calls(":append")[-1]
    assert call.query["valueInputOption"] == "RAW"
    assert call.json["values"][1] == ["5", "", ""]


def test_append_user_entered_and_header_paths(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    sheets_api.grid(BOOK, "Other").values = [["id", "address.city", "tags"]]
    item = {"json": {"id": 7, "address": {"city": "Rome"}, "tags": ["a", "b"]}}
    params = {
        "operation": "append",
        "range": "Other!A:C",
        "options": {"usePathForKeyRow": True, "valueInputMode": "USER_ENTERED"},
    }
    run(sheets_api, google_token, params, [item])
    assert cells(sheets_api, "Other")[1] == [7, "Rome", "a,b"]
    # without paths the dotted header matches only a key of that exact name
    run(sheets_api, google_token, {**params, "options": {}}, [item])
    assert cells(sheets_api, "Other")[2] == ["7", "", "a,b"]


# -- update / upsert ----------------------------------------------------------------------


def test_update_by_key(sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken) -> None:
    items: list[dict[str, Any]] = [
        {"json": {"id": 2, "city": "Berlin"}},
        {"json": {"id": 9, "city": "Nowhere"}},  # not in the sheet: skipped
        {"json": {"city": "no key"}},
    ]
    out = run(sheets_api, google_token, {"operation": "update", "key": "id"}, items)
    assert out == [i["json"] for i in items]
    assert cells(sheets_api)[1:] == [
        [1, "Ada", "London"],
        [2, "Bob", "Berlin"],
        [3, "Cy", "London"],
    ]
    body = sheets_api.calls("/values:batchUpdate")[-1].json
    assert body["data"] == [{"range": "C3", "values": [["Berlin"]]}]
    assert body["valueInputOption"] == "RAW"


def test_upsert_appends_missing_rows(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    items = [{"json": {"id": 1, "name": "Ada L."}}, {"json": {"id": 9, "name": "New"}}]
    run(sheets_api, google_token, {"operation": "upsert", "range": "Sheet1!A:C"}, items)
    assert cells(sheets_api)[1][1] == "Ada L."
    assert cells(sheets_api)[-1] == ["9", "New", ""]
    assert len(cells(sheets_api)) == 5


def test_update_unknown_key_and_bad_range(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeExecutionError, match='Could not find column for key "email"!'):
        run(sheets_api, google_token, {"operation": "update", "key": "email"}, [{"json": {}}])
    with pytest.raises(NodeExecutionError, match=r'The range "A1" is not valid\.'):
        run(sheets_api, google_token, {"operation": "update", "range": "A1"})


def test_update_raw_data(sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken) -> None:
    params = {
        "operation": "update",
        "range": "Sheet1!B2",
        "rawData": True,
        "dataProperty": "cells",
        "options": {"valueInputMode": "USER_ENTERED"},
    }
    run(sheets_api, google_token, params, [{"json": {"cells": [["Zed", "Rome"]]}}])
    assert cells(sheets_api)[1] == [1, "Zed", "Rome"]


# -- clear / delete / sheets ----------------------------------------------------------------


def test_clear_range(sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken) -> None:
    run(sheets_api, google_token, {"operation": "clear", "range": "Sheet1!B2:C3"})
    assert cells(sheets_api)[1:3] == [[1, "", ""], [2, "", ""]]
    assert sheets_api.calls(":clear")[-1].json["range"] == "Sheet1!B2:C3"


def test_delete_rows_and_columns(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "delete",
        "toDelete": {
            "rows": [{"sheetId": "0", "startIndex": 1, "amount": 2}],
            "columns": [{"sheetId": 0, "startIndex": 0, "amount": 1}],
        },
    }
    out = run(sheets_api, google_token, params, [{"json": {"kept": 1}}])
    assert out == [{"kept": 1}]
    assert cells(sheets_api) == [["name", "city"], ["Cy", "London"]]


def test_create_and_remove_sheet(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    params = {"operation": "create", "options": {"title": "Tab", "tabColor": "#ff0000"}}
    created = run(sheets_api, google_token, params)[0]
    assert created["title"] == "Tab" and "replies" not in created
    assert created["spreadsheetId"] == "x"
    sent = sheets_api.calls(":batchUpdate")[-1].json["requests"][0]["addSheet"]["properties"]
    assert sent["tabColor"] == {"red": 1.0, "green": 0.0, "blue": 0.0}
    full = run(sheets_api, google_token, {**params, "simple": False, "options": {"title": "T2"}})
    assert full[0]["replies"][0]["addSheet"]["properties"]["title"] == "T2"
    out = run(sheets_api, google_token, {"operation": "remove", "id": str(created["sheetId"])})
    assert out == [{"spreadsheetId": "x"}]
    assert [g.title for g in sheets_api.books[BOOK]["sheets"]] == ["Sheet1", "Other", "T2"]


def test_spreadsheet_create(sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken) -> None:
    params = {
        "resource": "spreadsheet",
        "operation": "create",
        "title": "Fresh",
        "sheetsUi": {"sheetValues": [{"propertiesUi": {"title": "One"}}]},
        "options": {"locale": "en_GB"},
    }
    out = run(sheets_api, google_token, params)
    assert out[0]["properties"]["title"] == "Fresh"
    assert [s["properties"]["title"] for s in out[0]["sheets"]] == ["One"]
    assert sheets_api.calls("/v4/spreadsheets")[-1].json["properties"]["locale"] == "en_GB"


# -- auth, versions, errors -------------------------------------------------------------------


def test_version_1_defaults_to_a_service_account(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken, service_account: dict[str, Any]
) -> None:
    creds = account_creds(service_account, google_token, sheets_api.url)
    out = run(sheets_api, google_token, {"operation": "read"}, creds=creds, version=1)
    assert len(out) == 3
    assert google_token.assertions[-1]["iss"] == service_account["email"]
    with pytest.raises(NodeExecutionError, match="googleApi"):
        run_node(TYPE, {"sheetId": BOOK, "operation": "read"}, {}, version=1)
    with pytest.raises(NodeExecutionError, match="googleSheetsOAuth2Api"):
        run_node(TYPE, {"sheetId": BOOK, "operation": "read"}, {}, version=2)


def test_auth_failure_and_rate_limit(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    creds = oauth_creds(
        "googleSheetsOAuth2Api", google_token, sheets_api.url, refresh_token="revoked"
    )
    creds["googleSheetsOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    with pytest.raises(NodeApiError) as info:
        run(sheets_api, google_token, {"operation": "read"}, creds=creds)
    assert info.value.http_code == 401
    sheets_api.rate_limit(1, retry_after=0)
    assert len(run(sheets_api, google_token, {"operation": "read"})) == 3
    sheets_api.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError) as limited:
        run(sheets_api, google_token, {"operation": "append"})
    assert limited.value.http_code == 429
    sheets_api.rate_limit(0)


def test_unknown_spreadsheet_and_operation(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeApiError) as info:
        run(sheets_api, google_token, {"operation": "read", "sheetId": "missing"})
    assert info.value.http_code == 404
    out = run(
        sheets_api,
        google_token,
        {"operation": "remove", "sheetId": "missing", "id": 1},
        continue_on_fail=True,
    )
    assert "error" in out[0]
    with pytest.raises(NodeExecutionError, match='operation "appendOrUpdate"'):
        run(sheets_api, google_token, {"operation": "appendOrUpdate"})
