"""Google Drive 1 and 2 (n8n's GoogleDriveV1 shapes) against the fake Drive v3 API:
upload of text or binary with parents and resolveData, list with query filters (once
per run in version 1, per item in 2), download with conversion, copy, update, delete,
share, folder create, shared drive list; a service account without an
`authentication` parameter (version 1's default)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.binary import put_binary, read_binary
from hetumind.integrations.errors import NodeApiError
from tests.fakes._base import serving
from tests.fakes.fake_google_drive import FOLDER, FakeGoogleDrive
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.conftest import run_node
from tests.integrations.google.conftest import account_creds, oauth_creds

TYPE = "n8n-nodes-base.googleDrive"


@pytest.fixture(scope="module")
def drive_server(google_token: FakeGoogleToken) -> Iterator[FakeGoogleDrive]:
    with serving(FakeGoogleDrive(google_token)) as fake:
        yield fake


@pytest.fixture
def drive(drive_server: FakeGoogleDrive) -> FakeGoogleDrive:
    drive_server.reset()
    drive_server.rate_limit(0)
    return drive_server


def run(
    api: FakeGoogleDrive,
    token: FakeGoogleToken,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    kw.setdefault("version", 2)
    creds = kw.pop("creds", None) or oauth_creds("googleDriveOAuth2Api", token, api.url)
    return run_node(TYPE, params, creds, items, **kw)


def jsons(out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o["json"] for o in out]


def test_upload_text_into_parents(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    folder = drive.add_folder("Out")
    params = {"name": "hello.txt", "fileContent": "={{ 'hi ' + $json.who }}", "parents": [folder]}
    (out,) = jsons(run(drive, google_token, params, [{"json": {"who": "Ada"}}]))
    assert set(out) == {"kind", "id", "name", "mimeType"}
    rec = drive.files[out["id"]]
    assert (rec["name"], rec["mimeType"], rec["parents"]) == ("hello.txt", "text/plain", [folder])
    assert drive.content[out["id"]] == b"hi Ada"
    assert drive.calls("/upload/drive/v3/files")[-1].query["fields"] == "id, name"


def test_upload_binary_resolve_data(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    entry = put_binary(b"PNG", mime_type="image/png", file_name="a.png")
    params = {
        "name": "b.png",
        "binaryData": True,
        "binaryPropertyName": "img",
        "resolveData": True,
    }
    (out,) = jsons(run(drive, google_token, params, [{"json": {}, "binary": {"img": entry}}]))
    assert out["name"] == "b.png" and out["size"] == "3" and out["originalFilename"] == "a.png"
    assert drive.calls(f"/files/{out['id']}")[-1].query["fields"] == "*"


@pytest.mark.parametrize(("version", "calls"), [(1, 1), (2, 2)])
def test_list_with_filters_once_per_run_in_version_1(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, version: int, calls: int
) -> None:
    drive.add_file("invoice 1.pdf", "application/pdf")
    drive.add_file("invoice 2.txt")
    drive.add_file("other.pdf", "application/pdf")
    params = {
        "operation": "list",
        "queryFilters": {
            "name": [{"operation": "contains", "value": "invoice"}],
            "mimeType": [{"mimeType": "custom", "customMimeType": "application/pdf"}],
        },
        "options": {"fields": ["id", "name", "mimeType"]},
    }
    out = jsons(run(drive, google_token, params, [{"json": {}}, {"json": {}}], version=version))
    assert [o["name"] for o in out] == ["invoice 1.pdf"] * calls
    q = drive.calls("/drive/v3/files")[-1].query
    assert q["q"] == "name contains 'invoice' and mimeType = 'application/pdf'"
    assert q["orderBy"] == "modifiedTime" and q["pageSize"] == "50"


def test_list_with_query_string(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    drive.add_folder("Docs")
    drive.add_file("doc.txt")
    params = {"operation": "list", "useQueryString": True, "queryString": f"mimeType = '{FOLDER}'"}
    assert [o["name"] for o in jsons(run(drive, google_token, params, version=1))] == ["Docs"]


def test_download_copy_update_delete(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    doc = drive.add_file("Spec", "application/vnd.google-apps.document", "body")
    params = {
        "operation": "download",
        "fileId": {"__rl": True, "value": doc, "mode": "id"},
        "binaryPropertyName": "spec",
        "options": {"googleFileConversion": {"conversion": {"docsToFormat": "text/plain"}}},
    }
    (out,) = run(drive, google_token, params)
    assert read_binary(out["binary"]["spec"]) == b"body"
    assert out["binary"]["spec"]["fileName"] == "Spec"

    file_id = drive.add_file("a.txt", content=b"A")
    folder = drive.add_folder("Archive")
    copy = {
        "operation": "copy",
        "fileId": file_id,
        "options": {"name": "b.txt", "parents": [folder]},
    }
    (made,) = jsons(run(drive, google_token, copy))
    assert drive.files[made["id"]]["parents"] == [folder] and made["name"] == "b.txt"

    update = {
        "operation": "update",
        "fileId": file_id,
        "updateFields": {"fileName": "renamed.txt", "parentId": ""},
        "options": {"fields": ["name", "trashed"]},
    }
    assert jsons(run(drive, google_token, update)) == [{"name": "renamed.txt", "trashed": False}]
    gone = jsons(run(drive, google_token, {"operation": "delete", "fileId": file_id}))
    assert gone == [{"fileId": file_id, "success": True}] and file_id not in drive.files


def test_folder_create_and_share(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    params = {"resource": "folder", "name": "Team", "options": {"fields": ["*"]}}
    (out,) = jsons(run(drive, google_token, params))
    assert out["mimeType"] == FOLDER and "createdTime" in out
    share = {
        "resource": "folder",
        "operation": "share",
        "fileId": {
            "__rl": True,
            "value": f"https://drive.google.com/drive/folders/{out['id']}",
            "mode": "url",
        },
        "permissionsUi": {"permissionsValues": {"role": "reader", "type": "anyone"}},
    }
    (perm,) = jsons(run(drive, google_token, share))
    assert perm == {
        "kind": "drive#permission",
        "id": "anyoneWithLink",
        "type": "anyone",
        "role": "reader",
    }
    assert drive.calls("/permissions")[-1].query["supportsTeamDrives"] == "true"


def test_drive_list_and_missing_drive(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    for i in range(3):
        drive.add_drive(f"d{i}")
    out = jsons(
        run(drive, google_token, {"resource": "drive", "operation": "list", "returnAll": True})
    )
    assert [d["name"] for d in out] == ["d0", "d1", "d2"]
    with pytest.raises(NodeApiError) as info:
        run(drive, google_token, {"resource": "drive", "operation": "get", "driveId": "nope"})
    assert info.value.http_code == 404 and info.value.description == "Shared drive not found: nope"


def test_version_1_service_account_by_default(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, service_account: dict[str, Any]
) -> None:
    drive.add_file("x.txt")
    creds = account_creds(service_account, google_token, drive.url)
    out = jsons(run(drive, google_token, {"operation": "list"}, version=1, creds=creds))
    assert [o["name"] for o in out] == ["x.txt"]
    assert google_token.assertions[-1]["iss"] == service_account["email"]
