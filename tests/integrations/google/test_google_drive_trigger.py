"""Google Drive Trigger against the fake Drive v3 API: the first poll starts nothing and
stores the time, later polls give what was created or updated since (files in a
folder, a specific file, folders, the watched folder itself, file types), each change
once even when it falls in the poll's second, every page is read, manual runs show
the newest match without moving the state, and errors name the node."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hetumind.binary import read_binary
from hetumind.capabilities import Capabilities
from hetumind.engine.context import STATIC_DATA_KEY, ExecutionInfo, NodeRunContext
from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin import google_drive_trigger
from hetumind.nodes.builtin.google_drive_trigger import GoogleDriveTrigger
from hetumind.nodes.polling import POLL_MODE
from hetumind.workflow import Node as WorkflowNode
from tests.fakes._base import serving
from tests.fakes.fake_google_drive import FOLDER, FakeGoogleDrive
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.google.conftest import oauth_creds

T0 = datetime(2026, 3, 4, 10, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def drive_server(google_token: FakeGoogleToken) -> Iterator[FakeGoogleDrive]:
    with serving(FakeGoogleDrive(google_token)) as fake:
        yield fake


@pytest.fixture
def drive(drive_server: FakeGoogleDrive) -> FakeGoogleDrive:
    drive_server.reset()
    drive_server.rate_limit(0)
    return drive_server


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = T0
        monkeypatch.setattr(google_drive_trigger, "_now", lambda: self.at)

    def tick(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def rl(value: str, mode: str = "id") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


def poll(
    drive: FakeGoogleDrive,
    token: FakeGoogleToken,
    parameters: dict[str, Any],
    static: dict[str, Any],
    mode: str = POLL_MODE,
    credentials: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    node = WorkflowNode(
        name="Drive",
        type="n8n-nodes-base.googleDriveTrigger",
        typeVersion=1,
        parameters=parameters,
        credentials=credentials or oauth_creds("googleDriveOAuth2Api", token, drive.url),
    )
    info = ExecutionInfo(
        execution_id="t",
        workflow_id=None,
        workflow_name="t",
        mode=mode,
        static_data=static,
        capabilities=Capabilities.local(),
    )
    extra: dict[str, Any] = {}
    ctx = NodeRunContext(
        node,
        [],
        run_index=0,
        info=info,
        state={},
        references={},
        continue_on_fail=False,
        vectorize=True,
        extra=extra,
    )
    (out,) = GoogleDriveTrigger().run(ctx, [ItemBatch.empty()])
    static.update(extra.get(STATIC_DATA_KEY, {}))  # what the engine keeps between runs
    return [i["json"] for i in out.to_items()]


def in_folder(folder: str, event: str = "fileCreated", **options: Any) -> dict[str, Any]:
    return {
        "triggerOn": "specificFolder",
        "folderToWatch": rl(folder),
        "event": event,
        "options": options,
    }


def test_first_poll_stores_the_time_then_new_files_start_once(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, clock: Clock
) -> None:
    folder = drive.add_folder("Inbox", created=T0 - timedelta(days=9))
    drive.add_file("old.pdf", parents=[folder], created=T0 - timedelta(days=1))
    static: dict[str, Any] = {}
    assert poll(drive, google_token, in_folder(folder), static) == []
    assert static["node:Drive"]["lastTimeChecked"] == "2026-03-04T10:00:00Z"
    q = drive.calls("/drive/v3/files")[-1].query
    assert q["q"] == (
        f"trashed = false AND '{folder}' in parents AND mimeType != '{FOLDER}' AND "
        "createdTime > '2026-03-04T10:00:00Z'"
    )
    assert q["fields"] == "nextPageToken, files(*)" and q["corpora"] == "allDrives"

    clock.tick(60)
    new = drive.add_file("new.pdf", parents=[folder], created=T0 + timedelta(seconds=30))
    drive.add_file("elsewhere.pdf", created=T0 + timedelta(seconds=30))
    drive.add_folder("sub", parents=[folder], created=T0 + timedelta(seconds=30))
    drive.add_file("binned.pdf", parents=[folder], created=T0 + timedelta(seconds=30), trashed=True)
    out = poll(drive, google_token, in_folder(folder), static)
    assert [f["id"] for f in out] == [new]
    assert out[0]["name"] == "new.pdf" and out[0]["parents"] == [folder]  # files(*)
    clock.tick(60)
    assert poll(drive, google_token, in_folder(folder), static) == []
    assert static["node:Drive"]["lastTimeChecked"] == "2026-03-04T10:02:00Z"


def test_a_change_in_the_polls_second_is_passed_on_once(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, clock: Clock
) -> None:
    folder = drive.add_folder("Inbox")
    static = {"node:Drive": {"lastTimeChecked": "2026-03-04T09:59:00Z"}}
    clock.at = T0 + timedelta(milliseconds=900)  # stored as 10:00:00Z
    edge = drive.add_file("edge.pdf", parents=[folder], created=T0 + timedelta(milliseconds=300))
    assert [f["id"] for f in poll(drive, google_token, in_folder(folder), static)] == [edge]
    assert static["node:Drive"]["recentFiles"] == {edge: "2026-03-04T10:00:00.300Z"}
    clock.tick(30)
    later = drive.add_file("later.pdf", parents=[folder], created=T0 + timedelta(seconds=20))
    # edge.pdf is still after 10:00:00Z: n8n would start it again
    assert [f["id"] for f in poll(drive, google_token, in_folder(folder), static)] == [later]
    assert static["node:Drive"]["recentFiles"] == {}


def test_updates_of_a_specific_file_read_every_page(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, clock: Clock
) -> None:
    target = drive.add_file("budget.xlsx", modified=T0 + timedelta(seconds=5))
    for i in range(150):
        drive.add_file(f"noise {i}", modified=T0 + timedelta(seconds=5))
    params = {
        "triggerOn": "specificFile",
        "event": "fileUpdated",
        "fileToWatch": rl(f"https://docs.google.com/spreadsheets/d/{target}/edit", "url"),
    }
    static = {"node:Drive": {"lastTimeChecked": "2026-03-04T10:00:00Z"}}
    clock.tick(10)
    assert [f["id"] for f in poll(drive, google_token, params, static)] == [target]
    pages = drive.calls("/drive/v3/files")
    assert len(pages) == 2 and pages[-1].query["pageToken"]
    assert "modifiedTime > '2026-03-04T10:00:00Z'" in pages[0].query["q"]


def test_folder_events_file_types_and_the_watched_folder(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, clock: Clock
) -> None:
    folder = drive.add_folder("Team", created=T0 - timedelta(days=1))
    soon = T0 + timedelta(seconds=5)
    sub = drive.add_folder("Q1", parents=[folder], created=soon)
    doc = drive.add_file(
        "Plan", "application/vnd.google-apps.document", parents=[folder], created=soon
    )
    drive.add_file("plan.txt", parents=[folder], created=soon)
    start = {"lastTimeChecked": "2026-03-04T10:00:00Z"}
    clock.tick(10)
    made = poll(
        drive, google_token, in_folder(folder, "folderCreated"), {"node:Drive": dict(start)}
    )
    assert [f["id"] for f in made] == [sub]
    typed = in_folder(folder, "fileCreated", fileType="application/vnd.google-apps.document")
    assert [f["id"] for f in poll(drive, google_token, typed, {"node:Drive": dict(start)})] == [doc]
    drive.files[folder]["modifiedTime"] = soon
    watched = in_folder(folder, "watchFolderUpdated")
    assert [f["id"] for f in poll(drive, google_token, watched, {"node:Drive": dict(start)})] == [
        folder
    ]
    assert "in parents" not in drive.calls("/drive/v3/files")[-1].query["q"]


def test_any_file_in_a_shared_drive(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, clock: Clock
) -> None:
    shared = drive.add_drive("Ops")
    mine = drive.add_file("team.txt", drive_id=shared, created=T0 + timedelta(seconds=1))
    drive.add_file("mine.txt", created=T0 + timedelta(seconds=1))
    params = {"triggerOn": "anyFileFolder", "driveToWatch": shared, "event": "fileCreated"}
    clock.tick(5)
    out = poll(
        drive, google_token, params, {"node:Drive": {"lastTimeChecked": "2026-03-04T10:00:00Z"}}
    )
    assert [f["id"] for f in out] == [mine]


def test_manual_run_shows_the_newest_and_keeps_the_state(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, clock: Clock
) -> None:
    folder = drive.add_folder("Inbox")
    drive.add_file("older.pdf", parents=[folder], created=T0 - timedelta(days=3))
    newest = drive.add_file("newest.pdf", parents=[folder], created=T0 - timedelta(days=1))
    drive.add_file("oldest.pdf", parents=[folder], created=T0 - timedelta(days=5))
    static = {"node:Drive": {"lastTimeChecked": "2026-03-01T00:00:00Z"}}
    out = poll(drive, google_token, in_folder(folder), static, mode="manual")
    assert [f["id"] for f in out] == [newest]
    q = drive.calls("/drive/v3/files")[-1].query
    assert q["pageSize"] == "1" and "createdTime >" not in q["q"]
    assert static == {"node:Drive": {"lastTimeChecked": "2026-03-01T00:00:00Z"}}
    empty = drive.add_folder("Empty")
    with pytest.raises(NodeApiError, match="No data with the current filter could be found"):
        poll(drive, google_token, in_folder(empty), static, mode="manual")


def test_errors_name_the_node(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, clock: Clock
) -> None:
    with pytest.raises(NodeExecutionError, match="folderToWatch") as info:
        poll(drive, google_token, {"triggerOn": "specificFolder", "event": "fileCreated"}, {})
    assert info.value.node == "Drive"
    creds = oauth_creds("googleDriveOAuth2Api", google_token, drive.url, refresh_token="revoked")
    creds["googleDriveOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    with pytest.raises(NodeApiError) as api:
        poll(drive, google_token, in_folder("x"), {}, credentials=creds)
    assert api.value.http_code == 401 and api.value.node == "Drive"
    drive.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests"):
        poll(drive, google_token, in_folder("x"), {})
    drive.rate_limit(0)


def exported(drive: FakeGoogleDrive, token: FakeGoogleToken, folder: str) -> dict[str, Any]:
    """Drive Trigger -> Google Drive download, as n8n exports it (credential inline)."""
    creds = oauth_creds("googleDriveOAuth2Api", token, drive.url)
    return {
        "name": "new files",
        "nodes": [
            {
                "id": "1",
                "name": "New File",
                "type": "n8n-nodes-base.googleDriveTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {
                    "pollTimes": {"item": [{"mode": "everyMinute"}]},
                    "triggerOn": "specificFolder",
                    "folderToWatch": {
                        "__rl": True,
                        "value": folder,
                        "mode": "list",
                        "cachedResultName": "Inbox",
                    },
                    "event": "fileCreated",
                    "options": {},
                },
                "credentials": creds,
            },
            {
                "id": "2",
                "name": "Download",
                "type": "n8n-nodes-base.googleDrive",
                "typeVersion": 3,
                "position": [200, 0],
                "parameters": {
                    "operation": "download",
                    "fileId": {"__rl": True, "value": "={{ $json.id }}", "mode": "id"},
                    "options": {},
                },
                "credentials": creds,
            },
        ],
        "connections": {"New File": {"main": [[{"node": "Download", "type": "main", "index": 0}]]}},
    }


def test_exported_workflow_downloads_what_the_trigger_found(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, clock: Clock
) -> None:
    from hetumind.engine import run_workflow

    folder = drive.add_folder("Inbox")
    drive.add_file(
        "scan.pdf", "application/pdf", b"%PDF scan", parents=[folder], created=T0 - timedelta(1)
    )
    result = run_workflow(exported(drive, google_token, folder), backend="inline")
    assert result.status == "success", result.to_json()
    assert result.backend is not None
    (batch,) = result.backend.outputs(result.run_data["Download"][-1].outputs)
    (item,) = batch.to_items()
    assert item["json"]["name"] == "scan.pdf"
    assert read_binary(item["binary"]["data"]) == b"%PDF scan"
    assert item["binary"]["data"]["fileName"] == "scan.pdf"
    # a poll run (mode trigger) from no state: nothing new, the time is stored
    polled = run_workflow(
        exported(drive, google_token, folder), backend="inline", mode="trigger", static_data={}
    )
    assert polled.status == "success"
    state = {"lastTimeChecked": "2026-03-04T10:00:00Z", "recentFiles": {}}
    assert polled.static_data == {"node:New File": state}
    assert polled.outputs("New File") == [[]]
