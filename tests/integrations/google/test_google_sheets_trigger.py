"""Google Sheets Trigger 1 against the fake Sheets v4 API, polled as the scheduler polls
(mode "trigger", the node's static data carried from poll to poll): rowAdded (first
poll records, later polls emit the new rows once), rowUpdate and anyUpdate (snapshot
comparison: row_number, change_type, includeInOutput old / both, columnsToWatch), a new
document starting over, manual runs, ranges, auth failure and 429."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from hetumind.nodes.builtin.google_sheets_trigger import GoogleSheetsTrigger
from hetumind.nodes.polling import POLL_MODE
from hetumind.workflow import Node as WorkflowNode
from tests.fakes.fake_google_sheets import FakeGoogleSheets
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.google.conftest import account_creds, oauth_creds

TYPE = "n8n-nodes-base.googleSheetsTrigger"
BOOK = "1TrIgGeR_book"
HEAD = ["id", "name", "score"]


@pytest.fixture(autouse=True)
def book(sheets_api: FakeGoogleSheets) -> None:
    sheets_api.add_book(BOOK, "Log", {"Sheet1": [HEAD, [1, "Ada", 10], [2, "Bob", 0]], "B": []})


def rl(value: Any, mode: str = "id") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


class Poller:
    """Polls the node as the server does, keeping its static data between polls."""

    def __init__(self, api: FakeGoogleSheets, token: FakeGoogleToken, **params: Any) -> None:
        self.params = {
            "documentId": rl(BOOK),
            "sheetName": rl("gid=0", "list"),
            "pollTimes": {"item": [{"mode": "everyMinute"}]},
            **params,
        }
        self.creds = oauth_creds("googleSheetsTriggerOAuth2Api", token, api.url)
        self.static: dict[str, Any] = {}

    def __call__(self, *, manual: bool = False) -> list[dict[str, Any]] | None:
        node = WorkflowNode(
            name="Sheet Trigger",
            type=TYPE,
            typeVersion=1,
            parameters=dict(self.params),
            credentials=self.creds,
        )
        info = ExecutionInfo(
            execution_id="poll",
            workflow_id="wf",
            workflow_name="t",
            mode="manual" if manual else POLL_MODE,
            static_data={"node:Sheet Trigger": self.static},
        )
        ctx = NodeRunContext(
            node, [], run_index=0, info=info, state={}, references={},
            continue_on_fail=False, vectorize=True,
        )  # fmt: skip
        if manual:
            out = GoogleSheetsTrigger().run(ctx, [])[0].to_items()
            found: list[dict[str, Any]] | None = [o["json"] for o in out] or None
        else:
            found = GoogleSheetsTrigger().poll(ctx, manual=False)
        self.static = ctx.static_data("node")
        return found


def test_row_added_first_poll_then_new_rows_once(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    poll = Poller(sheets_api, google_token, event="rowAdded")
    assert poll() is None  # the first poll records how many rows there are
    assert poll.static == {"documentId": BOOK, "sheetId": "0", "lastIndexChecked": 2}
    grid = sheets_api.grid(BOOK, "Sheet1")
    grid.values += [[3, "Cy", 7], [4, "Di"]]
    assert poll() == [
        {"id": 3, "name": "Cy", "score": 7},
        {"id": 4, "name": "Di", "score": ""},
    ]
    assert poll() is None  # dedupe: the same rows do not start another run
    reads = sheets_api.calls("/values/%27Sheet1%27%21A2%3AZZZ")
    assert reads[-1].query["valueRenderOption"] == "UNFORMATTED_VALUE"
    assert sheets_api.calls("/values/%27Sheet1%27%21A1%3AZZZ1")


def test_row_added_manual_shows_rows_without_moving_state(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    poll = Poller(
        sheets_api,
        google_token,
        event="rowAdded",
        options={"valueRender": "FORMATTED_VALUE"},
    )
    poll()
    before = dict(poll.static)
    sheets_api.grid(BOOK, "Sheet1").values.append([3, "Cy", 7])
    shown = poll(manual=True)
    # as n8n: `value || ''`, so a 0 shows as ''; FORMATTED_VALUE renders text
    assert shown == [
        {"id": "1", "name": "Ada", "score": "10"},
        {"id": "2", "name": "Bob", "score": "0"},
        {"id": "3", "name": "Cy", "score": "7"},
    ]
    assert poll.static == before
    assert poll() == [{"id": "3", "name": "Cy", "score": "7"}]


def test_js_falsy_cells_become_empty(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    poll = Poller(sheets_api, google_token, event="rowAdded")
    assert poll(manual=True) == [
        {"id": 1, "name": "Ada", "score": 10},
        {"id": 2, "name": "Bob", "score": ""},
    ]


def test_another_document_starts_over(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    sheets_api.add_book("other_book", "O", {"Sheet1": [HEAD, [9, "Zed", 1]]})
    poll = Poller(sheets_api, google_token, event="rowAdded")
    poll()
    poll.params["documentId"] = rl("other_book")
    assert poll() is None  # a first poll again, not the other sheet's rows as new
    assert poll.static["documentId"] == "other_book" and poll.static["lastIndexChecked"] == 1


def test_row_update_reports_changed_rows_only(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    poll = Poller(sheets_api, google_token, event="rowUpdate")
    assert poll() is None
    assert poll.static["lastSnapshot"] == [HEAD, [1, "Ada", 10], [2, "Bob", 0]]
    grid = sheets_api.grid(BOOK, "Sheet1")
    grid.values[2][2] = 5
    grid.values.append([3, "Cy", 1])  # added: not an update
    assert poll() == [{"row_number": 3, "id": 2, "name": "Bob", "score": 5}]
    assert poll() is None


def test_any_update_with_change_type_and_both_versions(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    poll = Poller(sheets_api, google_token, event="anyUpdate", includeInOutput="both")
    poll()
    grid = sheets_api.grid(BOOK, "Sheet1")
    grid.values[1][1] = "Ada L."
    grid.values.append([3, "Cy", 1])
    changed = poll()
    assert changed is not None and len(changed) == 2
    first = changed[0]
    assert first["previous"] == {
        "row_number": 2,
        "change_type": "updated",
        "id": 1,
        "name": "Ada",
        "score": 10,
    }
    assert first["current"]["name"] == "Ada L."
    assert first["differences"] == {
        "row_number": 2,
        "name": {"previous": "Ada", "current": "Ada L."},
    }
    assert changed[1]["current"]["change_type"] == "added"
    assert changed[1]["previous"]["name"] == ""


def test_columns_to_watch_and_old_version(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    poll = Poller(
        sheets_api,
        google_token,
        event="anyUpdate",
        includeInOutput="old",
        options={"columnsToWatch": ["score"]},
    )
    poll()
    grid = sheets_api.grid(BOOK, "Sheet1")
    grid.values[1][1] = "renamed"  # not watched
    assert poll() is None
    grid.values[2][2] = 99
    assert poll() == [
        {"row_number": 3, "change_type": "updated", "id": 2, "name": "Bob", "score": ""}
    ]


def test_update_manual_modes(sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken) -> None:
    poll = Poller(sheets_api, google_token, event="rowUpdate")
    rows = poll(manual=True)  # no snapshot yet: every row
    assert rows == [
        {"id": 1, "name": "Ada", "score": 10},
        {"id": 2, "name": "Bob", "score": ""},
    ]
    assert poll.static == {}
    poll()
    sheets_api.grid(BOOK, "Sheet1").values[1][2] = 11
    assert poll(manual=True) == [{"row_number": 2, "id": 1, "name": "Ada", "score": 11}]
    assert poll() == [{"row_number": 2, "id": 1, "name": "Ada", "score": 11}]  # not consumed
    assert poll(manual=True) == [  # nothing new: every row again
        {"id": 1, "name": "Ada", "score": 11},
        {"id": 2, "name": "Bob", "score": ""},
    ]


def test_a1_range_and_row_range(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    sheets_api.add_book(
        "ranged",
        "R",
        {"Sheet1": [["title"], ["", "k", "v"], ["", "a", 1], ["", "b", 2]]},
    )
    poll = Poller(
        sheets_api,
        google_token,
        event="rowAdded",
        documentId=rl("ranged"),
        options={
            "dataLocationOnSheet": {
                "values": {"rangeDefinition": "specifyRangeA1", "range": "B2:C"}
            }
        },
    )
    assert poll(manual=True) == [{"k": "a", "v": 1}, {"k": "b", "v": 2}]
    assert sheets_api.calls("/values/%27Sheet1%27%21B2%3AC2")
    poll.params["options"] = {
        "dataLocationOnSheet": {
            "values": {"rangeDefinition": "specifyRange", "headerRow": 2, "firstDataRow": 4}
        }
    }
    assert poll(manual=True) == [{"": "", "k": "b", "v": 2}]
    poll.params["options"] = {
        "dataLocationOnSheet": {"values": {"rangeDefinition": "specifyRangeA1", "range": ""}}
    }
    with pytest.raises(NodeExecutionError, match="The field 'Range' is empty"):
        poll()


def test_unknown_sheet_and_empty_key_row(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken
) -> None:
    poll = Poller(sheets_api, google_token, event="rowAdded", sheetName=rl("12345"))
    with pytest.raises(NodeExecutionError, match="Sheet with ID 12345 not found"):
        poll()
    poll.params["sheetName"] = rl(
        f"https://docs.google.com/spreadsheets/d/{BOOK}/edit#gid=0", "url"
    )
    assert poll() is None
    empty = sheets_api.books[BOOK]["sheets"][1].sheet_id
    poll.params["sheetName"] = rl(str(empty))
    with pytest.raises(NodeExecutionError, match="Could not retrieve the columns from key row"):
        poll()


def test_service_account_and_auth_failure(
    sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken, service_account: dict[str, Any]
) -> None:
    poll = Poller(sheets_api, google_token, event="rowAdded", authentication="serviceAccount")
    poll.creds = account_creds(service_account, google_token, sheets_api.url)
    assert poll(manual=True) is not None
    assert "spreadsheets" in google_token.assertions[-1]["scope"]
    poll = Poller(sheets_api, google_token, event="rowAdded", authentication="triggerOAuth2")
    data = poll.creds["googleSheetsTriggerOAuth2Api"]["data"]
    data["oauthTokenData"] = {"access_token": "stale", "refresh_token": "revoked"}
    with pytest.raises(NodeApiError) as info:
        poll()
    assert info.value.http_code == 401


def test_rate_limit_retried(sheets_api: FakeGoogleSheets, google_token: FakeGoogleToken) -> None:
    poll = Poller(sheets_api, google_token, event="rowAdded")
    sheets_api.rate_limit(1, retry_after=0)
    assert poll() is None and poll.static["lastIndexChecked"] == 2
    sheets_api.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests"):
        poll()
    sheets_api.rate_limit(0)


def test_registered_as_polling_trigger() -> None:
    from hetumind.nodes.registry import default_registry

    cls = default_registry().get(TYPE)
    assert cls is GoogleSheetsTrigger
