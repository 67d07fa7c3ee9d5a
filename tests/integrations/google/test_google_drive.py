"""Google Drive 3 against a fake of the Drive v3 API: upload (media, and resumable for
big files), download (binary, Google Docs editors exports), fileFolder search (name and
query, filters, returnAll over nextPageToken, limit), createFromText (multipart, and a
Google Doc via the Docs API), folder create / delete, share, update, move, copy, delete,
shared drives; n8n's error texts (404, 403, 400), OAuth2 refresh, a service account,
auth failure, continueOnFail and 429s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.binary import put_binary, read_binary
from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from tests.fakes._base import serving
from tests.fakes.fake_google_drive import FOLDER, ROOT, FakeGoogleDrive
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.conftest import run_node
from tests.integrations.google.conftest import account_creds, oauth_creds

TYPE = "n8n-nodes-base.googleDrive"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
SLIDES = "application/vnd.google-apps.presentation"


@pytest.fixture(scope="module")
def drive_server(google_token: FakeGoogleToken) -> Iterator[FakeGoogleDrive]:
    with serving(FakeGoogleDrive(google_token)) as fake:
        yield fake


@pytest.fixture
def drive(drive_server: FakeGoogleDrive) -> FakeGoogleDrive:
    drive_server.reset()
    drive_server.rate_limit(0)
    return drive_server


def rl(value: Any, mode: str = "id", **extra: Any) -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode, **extra}


def run(
    api: FakeGoogleDrive,
    token: FakeGoogleToken,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    kw.setdefault("version", 3)
    creds = kw.pop("creds", None) or oauth_creds("googleDriveOAuth2Api", token, api.url)
    return run_node(TYPE, params, creds, items, **kw)


def jsons(out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o["json"] for o in out]


def binary_item(data: bytes, name: str = "report.pdf", mime: str = "application/pdf") -> Any:
    return {"json": {"n": 1}, "binary": {"data": put_binary(data, mime_type=mime, file_name=name)}}


# -- upload -------------------------------------------------------------------------------


def test_upload_into_folder_is_the_default_operation(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    folder = drive.add_folder("Invoices")
    params = {"folderId": rl(folder), "driveId": rl("My Drive", "list")}
    (out,) = jsons(run(drive, google_token, params, [binary_item(b"%PDF-1 hello")]))
    rec = drive.files[out["id"]]
    assert rec["name"] == "report.pdf" and rec["parents"] == [folder]
    assert rec["originalFilename"] == "report.pdf" and rec["mimeType"] == "application/pdf"
    assert drive.content[out["id"]] == b"%PDF-1 hello"
    assert out["size"] == "12"  # without simplifyOutput n8n asks for every field
    first, patch = drive.calls("/upload/drive/v3/files")[-1], drive.calls(f"/files/{out['id']}")[-1]
    assert (
        first.query["uploadType"] == "media" and first.headers["content-type"] == "application/pdf"
    )
    assert patch.method == "PATCH" and patch.query["addParents"] == folder
    assert patch.query["fields"] == "*" and patch.query["corpora"] == "allDrives"


def test_upload_named_to_a_shared_drive_root_simplified(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    shared = drive.add_drive("Team")
    params = {
        "name": "={{ 'q' + $json.n + '.pdf' }}",
        "driveId": rl(shared, "list"),
        "folderId": rl("root", "list"),
        "options": {"simplifyOutput": True},
    }
    (out,) = jsons(run(drive, google_token, params, [binary_item(b"x")]))
    assert out == {
        "kind": "drive#file",
        "id": out["id"],
        "name": "q1.pdf",
        "mimeType": "application/pdf",
    }
    assert drive.files[out["id"]]["parents"] == [shared]


def test_big_upload_goes_through_a_resumable_session(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hetumind.nodes.builtin._google_drive_api.SIMPLE_UPLOAD_MAX", 8)
    (out,) = jsons(run(drive, google_token, {}, [binary_item(b"0123456789abcdef", "big.bin")]))
    assert drive.content[out["id"]] == b"0123456789abcdef"
    kinds = [c.query.get("uploadType") for c in drive.calls("/upload/drive/v3/files")]
    assert kinds[-2:] == ["resumable", "resumable"]
    assert [c.method for c in drive.calls("/upload/drive/v3/files")][-2:] == ["POST", "PUT"]


def test_upload_without_binary_names_node_and_item(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeExecutionError) as info:
        run(drive, google_token, {"inputDataFieldName": "file"}, [{"json": {}}])
    assert "contain a binary file" in info.value.reason
    assert info.value.node == "Node" and info.value.item_index == 0


# -- download -----------------------------------------------------------------------------


def test_download_binary_keeps_item_and_names_the_file(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    file_id = drive.add_file("photo.png", "image/png", b"\x89PNG...")
    params = {
        "operation": "download",
        "fileId": rl(f"https://drive.google.com/file/d/{file_id}/view", "url"),
    }
    (out,) = run(drive, google_token, params, [{"json": {"keep": True}}])
    assert out["json"] == {"keep": True}
    entry = out["binary"]["data"]
    assert read_binary(entry) == b"\x89PNG..."
    assert entry["fileName"] == "photo.png" and entry["mimeType"] == "image/png"
    assert drive.calls(f"/files/{file_id}")[-1].query["alt"] == "media"


@pytest.mark.parametrize(
    ("mime", "conversion", "expected_type", "expected"),
    [
        (DOC, {"docsToFormat": "text/plain"}, "text/plain", b"Hello doc"),
        (
            DOC,
            {"docsToFormat": "text/html"},
            "text/html",
            b"<html><body><p>Hello doc</p></body></html>",
        ),
        (
            SHEET,
            {},
            "application/x-vnd.oasis.opendocument.spreadsheet",
            b"EXPORT application/x-vnd.oasis.opendocument.spreadsheet\nHello doc",
        ),
        (
            SLIDES,
            {"slidesToFormat": "application/pdf"},
            "application/pdf",
            b"EXPORT application/pdf\nHello doc",
        ),
    ],
)
def test_download_exports_google_files(
    drive: FakeGoogleDrive,
    google_token: FakeGoogleToken,
    mime: str,
    conversion: dict[str, str],
    expected_type: str,
    expected: bytes,
) -> None:
    file_id = drive.add_file("Notes", mime, "Hello doc")
    options: dict[str, Any] = {"binaryPropertyName": "doc", "fileName": "notes.out"}
    if conversion:
        options["googleFileConversion"] = {"conversion": conversion}
    params = {"operation": "download", "fileId": rl(file_id), "options": options}
    (out,) = run(drive, google_token, params)
    entry = out["binary"]["doc"]
    assert read_binary(entry) == expected and entry["mimeType"] == expected_type
    assert entry["fileName"] == "notes.out"
    assert drive.calls(f"/files/{file_id}/export")[-1].query["mimeType"] == expected_type


def test_unknown_file_gives_n8n_404_text(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeApiError) as info:
        run(drive, google_token, {"operation": "download", "fileId": rl("nope123")})
    assert info.value.reason == "The resource you are requesting could not be found"
    assert info.value.description == "File not found: nope123."
    assert info.value.http_code == 404 and info.value.item_index == 0


# -- search -------------------------------------------------------------------------------


def test_search_by_name_with_filters(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    folder = drive.add_folder("Reports")
    drive.add_file("Report 2024.pdf", parents=[folder])
    drive.add_file("Report old.pdf", parents=[folder], trashed=True)
    drive.add_folder("Report folder", parents=[folder])
    drive.add_file("Report elsewhere.pdf")
    params = {
        "resource": "fileFolder",
        "queryString": "report",
        "filter": {"folderId": rl(folder), "whatToSearch": "files"},
        "options": {"fields": ["name", "parents"]},
    }
    out = jsons(run(drive, google_token, params))
    assert out == [{"name": "Report 2024.pdf", "parents": [folder]}]
    q = drive.calls("/drive/v3/files")[-1].query
    assert q["q"] == (
        f"name contains 'report' and '{folder}' in parents and "
        f"mimeType != '{FOLDER}' and trashed = false"
    )
    assert q["pageSize"] == "50" and q["fields"] == "nextPageToken, files(name, parents)"


def test_search_query_in_my_drive_root_and_types(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    drive.add_file("a doc", DOC)
    drive.add_file("a sheet", SHEET)
    drive.add_file("text.txt")
    params = {
        "resource": "fileFolder",
        "operation": "search",
        "searchMethod": "query",
        "queryString": "not name contains 'text' and 'me' in owners and not sharedWithMe",
        "filter": {"folderId": rl("root", "list"), "fileTypes": [DOC, SHEET]},
    }
    out = jsons(run(drive, google_token, params))
    assert sorted(o["name"] for o in out) == ["a doc", "a sheet"]
    q = drive.calls("/drive/v3/files")[-1].query
    assert q["corpora"] == "user" and q["spaces"] == "drive"
    assert q["q"].endswith(f"(mimeType = '{DOC}' or mimeType = '{SHEET}')")


def test_search_return_all_follows_page_tokens(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    for i in range(230):
        drive.add_file(f"log {i:03d}.txt")
    params = {"resource": "fileFolder", "queryString": "log", "returnAll": True}
    out = jsons(run(drive, google_token, params))
    assert sorted(o["name"] for o in out) == [f"log {i:03d}.txt" for i in range(230)]
    pages = drive.calls("/drive/v3/files")
    assert len(pages) == 3 and "pageToken" not in pages[0].query
    assert pages[0].query["pageSize"] == "100" and pages[2].query["pageToken"]
    limited = jsons(run(drive, google_token, {**params, "returnAll": False, "limit": 7}))
    assert len(limited) == 7


def test_search_name_with_a_quote_is_escaped(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    drive.add_file("Bob's notes.txt")
    drive.add_file("Bobby.txt")
    params = {"resource": "fileFolder", "queryString": "bob's"}
    assert [o["name"] for o in jsons(run(drive, google_token, params))] == ["Bob's notes.txt"]
    assert drive.calls("/drive/v3/files")[-1].query["q"] == "name contains 'bob\\'s'"


def test_bad_query_shows_googles_words(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    params = {"resource": "fileFolder", "searchMethod": "query", "queryString": "size > 'x"}
    with pytest.raises(NodeApiError) as info:
        run(drive, google_token, params)
    assert info.value.reason == "Invalid Value"  # n8n swaps "Bad request" for Google's text
    assert info.value.description == "Bad request - please check your parameters"


def test_shared_drive_search_scopes_the_query(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    shared = drive.add_drive("Team")
    drive.add_file("team plan", drive_id=shared)
    drive.add_file("my plan")
    params = {"resource": "fileFolder", "queryString": "plan", "filter": {"driveId": rl(shared)}}
    assert [o["name"] for o in jsons(run(drive, google_token, params))] == ["team plan"]
    assert drive.calls("/drive/v3/files")[-1].query["corpora"] == "drive"


# -- createFromText -----------------------------------------------------------------------


def test_create_from_text_multipart_upload(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    folder = drive.add_folder("Notes")
    params = {
        "operation": "createFromText",
        "content": "={{ 'line for ' + $json.who }}",
        "name": "note.txt",
        "parentFolderId": rl(folder),
        "options": {"propertiesUi": {"propertyValues": [{"key": "src", "value": "n8n"}]}},
    }
    (out,) = jsons(run(drive, google_token, params, [{"json": {"who": "Ada"}}]))
    assert list(out) == ["id"]
    rec = drive.files[out["id"]]
    assert (rec["name"], rec["mimeType"], rec["parents"]) == ("note.txt", "text/plain", [folder])
    assert rec["properties"] == {"src": "n8n"} and drive.content[out["id"]] == b"line for Ada"
    assert drive.calls("/upload/drive/v3/files")[-1].query["uploadType"] == "multipart"


def test_create_google_document_uses_docs_api(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "createFromText",
        "content": "Minutes",
        "options": {"convertToGoogleDocument": True},
    }
    (out,) = jsons(run(drive, google_token, params))
    rec = drive.files[out["id"]]
    assert rec["mimeType"] == DOC and rec["name"] == "Untitled" and rec["parents"] == [ROOT]
    assert rec["_text"] == "Minutes"
    body = drive.calls(":batchUpdate")[-1].json
    assert body["requests"][0]["insertText"]["endOfSegmentLocation"] == {"segmentId": ""}


# -- folders ------------------------------------------------------------------------------


def test_folder_create_and_delete(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    parent = drive.add_folder("Clients")
    params = {
        "resource": "folder",
        "name": "ACME",
        "folderId": rl(f"https://drive.google.com/drive/folders/{parent}", "url"),
        "options": {"folderColorRgb": "#ff0000"},
    }
    (out,) = jsons(run(drive, google_token, params))
    assert set(out) == {"kind", "id", "name", "mimeType"}  # simplifyOutput defaults to on
    rec = drive.files[out["id"]]
    assert rec["parents"] == [parent] and rec["folderColorRgb"] == "#ff0000"
    gone = {"resource": "folder", "operation": "deleteFolder", "folderNoRootId": rl(out["id"])}
    assert jsons(run(drive, google_token, gone)) == [{"fileId": out["id"], "success": True}]
    assert drive.files[out["id"]]["trashed"] is True
    gone["options"] = {"deletePermanently": True}
    run(drive, google_token, gone)
    assert out["id"] not in drive.files


# -- share, update, move, copy, delete ------------------------------------------------------


def test_share_with_a_user(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    file_id = drive.add_file("plan.txt")
    params = {
        "operation": "share",
        "fileId": rl(file_id),
        "permissionsUi": {
            "permissionsValues": {"role": "writer", "type": "user", "emailAddress": "bo@x.example"}
        },
        "options": {"sendNotificationEmail": False, "emailMessage": "hi"},
    }
    (out,) = jsons(run(drive, google_token, params))
    assert out["kind"] == "drive#permission" and out["role"] == "writer" and out["type"] == "user"
    assert drive.permissions[file_id][0]["emailAddress"] == "bo@x.example"
    q = drive.calls("/permissions")[-1].query
    assert q["supportsAllDrives"] == "true" and q["emailMessage"] == "hi"


def test_share_owner_without_transfer_is_forbidden(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    file_id = drive.add_file("plan.txt")
    params = {
        "resource": "folder",
        "operation": "share",
        "folderNoRootId": rl(file_id),
        "permissionsUi": {
            "permissionsValues": {"role": "owner", "type": "user", "emailAddress": "x@y"}
        },
    }
    with pytest.raises(NodeApiError) as info:
        run(drive, google_token, params)
    assert info.value.reason.startswith("The transferOwnership parameter must be enabled")
    assert info.value.description == "Forbidden - perhaps check your credentials?"
    assert info.value.http_code == 403


def test_update_renames_replaces_content_and_trashes(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    file_id = drive.add_file("old.txt", "text/plain", b"v1")
    params = {
        "operation": "update",
        "fileId": rl(file_id),
        "changeFileContent": True,
        "newUpdatedFileName": "new.csv",
        "options": {"fields": ["name", "mimeType", "trashed"], "trashed": True},
    }
    (out,) = jsons(run(drive, google_token, params, [binary_item(b"a,b", "x.csv", "text/csv")]))
    assert out == {"name": "new.csv", "mimeType": "text/csv", "trashed": True}
    assert drive.content[file_id] == b"a,b"
    media = [c for c in drive.calls(f"/upload/drive/v3/files/{file_id}")][-1]
    assert media.method == "PATCH" and media.query["uploadType"] == "media"


def test_big_new_content_goes_through_a_resumable_session(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hetumind.nodes.builtin._google_drive_api.SIMPLE_UPLOAD_MAX", 4)
    file_id = drive.add_file("log.txt", "text/plain", b"old")
    params = {"operation": "update", "fileId": rl(file_id), "changeFileContent": True}
    (out,) = jsons(
        run(drive, google_token, params, [binary_item(b"much newer", "l.txt", "text/plain")])
    )
    assert out["id"] == file_id and drive.content[file_id] == b"much newer"
    session = drive.calls(f"/upload/drive/v3/files/{file_id}")[-1]
    assert session.method == "PATCH" and session.query["uploadType"] == "resumable"
    assert session.headers["x-upload-content-length"] == "10"
    assert drive.calls("/upload/drive/v3/files")[-1].method == "PUT"


def test_move_copy_and_delete(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    src, dst = drive.add_folder("src"), drive.add_folder("dst")
    file_id = drive.add_file("a.txt", content=b"A", parents=[src])
    run(drive, google_token, {"operation": "move", "fileId": rl(file_id), "folderId": rl(dst)})
    assert drive.files[file_id]["parents"] == [dst]
    assert drive.calls(f"/files/{file_id}")[-1].query["removeParents"] == src
    copy = {
        "operation": "copy",
        "fileId": rl(file_id, "list", cachedResultName="a.txt"),
        "copyLocation": False,
        "destinationFolderId": rl(src),
        "options": {"description": "backup"},
    }
    (out,) = jsons(run(drive, google_token, copy))
    rec = drive.files[out["id"]]
    assert (rec["name"], rec["parents"], rec["description"]) == ("Copy of a.txt", [src], "backup")
    assert drive.content[out["id"]] == b"A"
    gone = jsons(run(drive, google_token, {"operation": "deleteFile", "fileId": rl(file_id)}))
    assert gone == [{"id": file_id, "success": True}] and drive.files[file_id]["trashed"]
    run(
        drive,
        google_token,
        {"operation": "deleteFile", "fileId": rl(file_id), "options": {"deletePermanently": True}},
    )
    assert file_id not in drive.files


def test_forbidden_file_gives_googles_sentence(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    file_id = drive.add_file("locked.txt")
    drive.forbidden.add(file_id)
    with pytest.raises(NodeApiError) as info:
        run(drive, google_token, {"operation": "deleteFile", "fileId": rl(file_id)})
    assert info.value.reason == f"The user does not have sufficient permissions for file {file_id}."
    assert info.value.http_code == 403


def test_continue_on_fail_gives_error_items(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    good = drive.add_file("ok.txt")
    items = [{"json": {"id": good}}, {"json": {"id": "missing"}}]
    params = {"operation": "deleteFile", "fileId": rl("={{ $json.id }}")}
    out = run(drive, google_token, params, items, continue_on_fail=True)
    assert out[0]["json"] == {"id": good, "success": True}
    assert out[1]["json"] == {"error": "The resource you are requesting could not be found"}


# -- shared drives ------------------------------------------------------------------------


def test_shared_drive_operations(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    (made,) = jsons(
        run(drive, google_token, {"resource": "drive", "name": "Ops", "options": {"hidden": True}})
    )
    assert made["name"] == "Ops" and drive.drives[made["id"]]["hidden"] is True
    assert drive.calls("/drive/v3/drives")[-1].query["requestId"]
    for i in range(12):
        drive.add_drive(f"d{i}")
    every = jsons(
        run(drive, google_token, {"resource": "drive", "operation": "list", "returnAll": True})
    )
    assert len(every) == 13
    some = jsons(run(drive, google_token, {"resource": "drive", "operation": "list", "limit": 5}))
    assert len(some) == 5
    target = {"resource": "drive", "driveId": rl(made["id"])}
    run(drive, google_token, {**target, "operation": "update", "options": {"colorRgb": "#00ff00"}})
    (got,) = jsons(run(drive, google_token, {**target, "operation": "get"}))
    assert got["colorRgb"] == "#00ff00"
    assert jsons(run(drive, google_token, {**target, "operation": "deleteDrive"})) == [
        {"success": True}
    ]
    assert made["id"] not in drive.drives


# -- auth and limits ------------------------------------------------------------------------


def test_refused_token_is_refreshed(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    drive.add_file("x.txt")
    creds = oauth_creds("googleDriveOAuth2Api", google_token, drive.url)
    creds["googleDriveOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    params = {"resource": "fileFolder", "queryString": "x"}
    assert len(run(drive, google_token, params, creds=creds)) == 1
    assert google_token.calls("/token")[-1].form["grant_type"] == "refresh_token"


def test_auth_failure_gives_n8n_text(drive: FakeGoogleDrive, google_token: FakeGoogleToken) -> None:
    creds = oauth_creds("googleDriveOAuth2Api", google_token, drive.url, refresh_token="revoked")
    creds["googleDriveOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    with pytest.raises(NodeApiError) as info:
        run(drive, google_token, {"resource": "fileFolder", "queryString": "x"}, creds=creds)
    assert "Token has been expired or revoked" in info.value.reason
    assert info.value.http_code == 401


def test_service_account_asks_for_drive_scopes(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken, service_account: dict[str, Any]
) -> None:
    drive.add_file("x.txt")
    creds = account_creds(service_account, google_token, drive.url)
    params = {"resource": "fileFolder", "queryString": "x", "authentication": "serviceAccount"}
    assert len(run(drive, google_token, params, creds=creds)) == 1
    scopes = google_token.assertions[-1]["scope"].split()
    assert "https://www.googleapis.com/auth/drive" in scopes


def test_rate_limit_retried_then_failed(
    drive: FakeGoogleDrive, google_token: FakeGoogleToken
) -> None:
    drive.add_file("x.txt")
    params = {"resource": "fileFolder", "queryString": "x"}
    drive.rate_limit(1, retry_after=0)
    assert len(run(drive, google_token, params)) == 1
    drive.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests") as info:
        run(drive, google_token, params)
    assert info.value.http_code == 429
    drive.rate_limit(0)
