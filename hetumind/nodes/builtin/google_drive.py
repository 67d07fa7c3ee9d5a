"""Google Drive (n8n `googleDrive` 1, 2 and 3) over the Drive v3 REST API, with
googleDriveOAuth2Api (`authentication: oAuth2`) or a service account (googleApi).

Version 3 (n8n's GoogleDriveV2 node; here): file copy, createFromText (plain text, or a
Google Doc through the Docs API), deleteFile, download (binary output; Google Docs,
Sheets, Slides and Drawings exported by `options.googleFileConversion`), move, share,
update, upload (the default); fileFolder search (name or query string, filter,
returnAll / limit over nextPageToken); folder create, deleteFolder, share; shared drive
create, deleteDrive, get, list, update. Versions 1 and 2 (n8n's GoogleDriveV1) are in
_google_drive_v1.py. See docs/nodes/google-drive.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.integrations import Operation, Params, ServiceClient, WithBinary, run_operations
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin._google_drive_api import (
    DOCUMENT,
    DRIVE,
    FILE_URL,
    FOLDER,
    FOLDER_URL,
    RLC_DRIVE_DEFAULT,
    RLC_FOLDER_DEFAULT,
    all_items,
    call,
    docs_url,
    file_path,
    file_properties,
    item_file,
    multipart_related,
    query_fields,
    update_common,
    upload_content,
)
from hetumind.nodes.builtin._google_drive_v1 import V1_OPERATIONS, download_file
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["GoogleDrive", "GoogleDriveTool"]

_ALL_DRIVES = {
    "includeItemsFromAllDrives": True,
    "supportsAllDrives": True,
    "spaces": "appDataFolder, drive",
    "corpora": "allDrives",
}


def _rlc_default(value: str) -> dict[str, Any]:
    return {"__rl": True, "mode": "list", "value": value}


def _drive_id(p: Params, name: str = "driveId") -> str:
    return p.locator(name, FOLDER_URL, _rlc_default(RLC_DRIVE_DEFAULT))


def _folder_id(p: Params, name: str = "folderId") -> str:
    return p.locator(name, FOLDER_URL, _rlc_default(RLC_FOLDER_DEFAULT))


def _file_id(p: Params) -> str:
    value = p.locator("fileId", FILE_URL)
    if not value:
        raise NodeExecutionError(
            "The parameter 'fileId' is required", node=p.ctx.node_name, item_index=p.index
        )
    return value


def _parent(folder_id: str, drive_id: str) -> str:
    """n8n's setParentFolder: the folder, else the shared drive's root, else My Drive."""
    if folder_id and folder_id != RLC_FOLDER_DEFAULT:
        return folder_id
    if drive_id and drive_id != RLC_DRIVE_DEFAULT:
        return drive_id
    return "root"


# -- file ---------------------------------------------------------------------------------


def _copy(client: ServiceClient, p: Params) -> Any:
    file_id = _file_id(p)
    options = p.collection("options")
    name = p.text("name", "")
    if not name:
        raw = p.get("fileId", None)
        cached = raw.get("cachedResultName") if isinstance(raw, Mapping) else None
        # n8n names it "Copy of <the list's cached name>"; without one Drive names it
        name = f"Copy of {cached}" if cached else ""
    parents: list[str] = []
    if p.get("copyLocation", True) is False:
        parents.append(_folder_id(p, "destinationFolderId"))
    body: dict[str, Any] = {
        "copyRequiresWriterPermission": bool(options.get("copyRequiresWriterPermission")),
        "parents": parents,
    }
    if name:
        body["name"] = name
    if options.get("description"):
        body["description"] = options["description"]
    return call(
        client, "POST", file_path(file_id, "/copy"), p, body=body, qs={"supportsAllDrives": True}
    )


def _create_from_text(client: ServiceClient, p: Params) -> Any:
    name = p.text("name", "") or "Untitled"
    options = p.collection("options")
    convert = bool(options.get("convertToGoogleDocument"))
    mime = DOCUMENT if convert else "text/plain"
    parent = p.locator("parentFolderId", FOLDER_URL) or "root"
    metadata = file_properties({"name": name, "parents": [parent], "mimeType": mime}, options)
    qs = update_common({"supportsAllDrives": True}, options)
    text = p.text("content", "")
    if convert:
        document = call(client, "POST", "drive/v3/files", p, body=metadata, qs=qs)
        body = {
            "requests": [{"insertText": {"text": text, "endOfSegmentLocation": {"segmentId": ""}}}]
        }
        answer = call(client, "POST", docs_url(client, str(document["id"])), p, body=body)
        return {"id": answer.get("documentId")}
    content, content_type = multipart_related(metadata, text.encode(), "text/plain")
    answer = call(
        client,
        "POST",
        "upload/drive/v3/files",
        p,
        qs={"uploadType": "multipart", **qs},
        body=content,
        body_kind="content",
        headers={"Content-Type": content_type},
    )
    return {"id": answer.get("id")}


def _delete(client: ServiceClient, p: Params, file_id: str, key: str) -> Any:
    qs = {"supportsAllDrives": True}
    if p.get("options.deletePermanently", False):
        call(client, "DELETE", file_path(file_id), p, qs=qs)
    else:
        call(client, "PATCH", file_path(file_id), p, qs=qs, body={"trashed": True})
    return {key: file_id, "success": True}


def _delete_file(client: ServiceClient, p: Params) -> Any:
    return _delete(client, p, _file_id(p), "id")


def _download(client: ServiceClient, p: Params) -> Any:
    options = p.collection("options")
    entry = download_file(client, p, _file_id(p), options.get("fileName"))
    field = str(options.get("binaryPropertyName") or "data")
    return WithBinary(dict(p.json), {**dict(p.binary), field: entry})


def _move(client: ServiceClient, p: Params) -> Any:
    file_id = _file_id(p)
    found = call(client, "GET", file_path(file_id), p, qs={**_ALL_DRIVES, "fields": "parents"})
    parents = (found or {}).get("parents") or []
    qs = {
        **_ALL_DRIVES,
        "addParents": _parent(_folder_id(p), _drive_id(p)),
        "removeParents": ",".join(parents),
    }
    return call(client, "PATCH", file_path(file_id), p, qs=qs)


def _share(client: ServiceClient, p: Params, file_id: str) -> Any:
    permissions = p.get("permissionsUi", {}) or {}
    body = (
        dict(permissions.get("permissionsValues") or {}) if isinstance(permissions, Mapping) else {}
    )
    qs = {"supportsAllDrives": True, **p.collection("options")}
    return call(client, "POST", file_path(file_id, "/permissions"), p, body=body, qs=qs)


def _update(client: ServiceClient, p: Params) -> Any:
    file_id = _file_id(p)
    mime: str | None = None
    if p.get("changeFileContent", False):
        data, _, mime = item_file(p, p.text("inputDataFieldName", "data"))
        upload_content(client, p, data, mime, file_id=file_id, qs={"supportsAllDrives": True})
    options = p.collection("options")
    qs = update_common({"supportsAllDrives": True}, options)
    if options.get("fields"):
        qs["fields"] = query_fields(options["fields"])
    body = file_properties({}, options)
    if options.get("trashed"):
        qs["trashed"] = options["trashed"]  # where n8n sends it
        body["trashed"] = True  # where Drive reads it
    new_name = p.text("newUpdatedFileName", "")
    if new_name:
        body["name"] = new_name
    if mime:
        body["mimeType"] = mime
    return call(client, "PATCH", file_path(file_id), p, body=body, qs=qs)


def _upload(client: ServiceClient, p: Params) -> Any:
    data, original, mime = item_file(p, p.text("inputDataFieldName", "data"))
    name = p.text("name", "") or original
    file_id = upload_content(client, p, data, mime)
    options = p.collection("options")
    qs = update_common({**_ALL_DRIVES, "addParents": _parent(_folder_id(p), _drive_id(p))}, options)
    if not options.get("simplifyOutput"):
        qs["fields"] = "*"
    body: dict[str, Any] = {"mimeType": mime}
    if name:
        body["name"] = name
    if original:
        body["originalFilename"] = original
    file_properties(body, options)
    return call(client, "PATCH", file_path(file_id), p, body=body, qs=qs)


# -- fileFolder ---------------------------------------------------------------------------


def _search(client: ServiceClient, p: Params) -> Any:
    options = p.collection("options")
    method = p.text("searchMethod", "name")
    text = p.text("queryString", "")
    if method == "name":
        # n8n puts the text in quotes as it is (a name with ' breaks the query); escaped here
        escaped = text.replace("\\", "\\\\").replace("'", "\\'")
        query = [f"name contains '{escaped}'"]
    else:
        query = [text]
    filt = p.collection("filter")
    drive_id = ""
    folder_id = ""
    types: list[str] = []
    if filt:
        if filt.get("folderId"):
            folder_id = p.locator("filter.folderId", FOLDER_URL)
        if folder_id and folder_id != RLC_FOLDER_DEFAULT:
            query.append(f"'{folder_id}' in parents")
        if filt.get("driveId"):
            drive_id = p.locator("filter.driveId", FOLDER_URL)
        what = str(filt.get("whatToSearch") or "all")
        if what == "folders":
            query.append(f"mimeType = '{FOLDER}'")
        else:
            if what == "files":
                query.append(f"mimeType != '{FOLDER}'")
            file_types = filt.get("fileTypes") or []
            if isinstance(file_types, list) and file_types and "*" not in file_types:
                types = [f"mimeType = '{t}'" for t in file_types]
        if not filt.get("includeTrashed"):
            query.append("trashed = false")
    if types:
        query.append(f"({' or '.join(types)})")
    qs: dict[str, Any] = {
        "fields": f"nextPageToken, files({query_fields(options.get('fields'))})",
        "q": " and ".join(q for q in query if q),
        **_ALL_DRIVES,
    }
    if drive_id:  # n8n's updateDriveScopes
        if drive_id == RLC_DRIVE_DEFAULT:
            qs.update(
                includeItemsFromAllDrives=False,
                supportsAllDrives=False,
                spaces="appDataFolder, drive",
                corpora="user",
            )
        else:
            qs.update(driveId=drive_id, corpora="drive")
    if not drive_id and folder_id == RLC_FOLDER_DEFAULT:
        qs.update(corpora="user", spaces="drive", includeItemsFromAllDrives=False)
        qs["supportsAllDrives"] = False
    if p.get("returnAll", False):
        return all_items(client, "drive/v3/files", "files", qs, p)
    qs["pageSize"] = p.get("limit", 50)
    return list((call(client, "GET", "drive/v3/files", p, qs=qs) or {}).get("files") or [])


# -- folder -------------------------------------------------------------------------------


def _folder_create(client: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {
        "name": p.text("name", "") or "Untitled",
        "mimeType": FOLDER,
        "parents": [_parent(_folder_id(p), _drive_id(p))],
    }
    color = p.text("options.folderColorRgb", "")
    if color:
        body["folderColorRgb"] = color
    qs: dict[str, Any] = dict(_ALL_DRIVES)
    if p.get("options.simplifyOutput", True) is False:
        qs["fields"] = "*"
    return call(client, "POST", "drive/v3/files", p, body=body, qs=qs)


def _folder_no_root(p: Params) -> str:
    value = p.locator("folderNoRootId", FOLDER_URL)
    if not value:
        raise NodeExecutionError(
            "The parameter 'folderNoRootId' is required", node=p.ctx.node_name, item_index=p.index
        )
    return value


# -- shared drives ------------------------------------------------------------------------


def _shared_drive(p: Params) -> str:
    value = p.locator("driveId", FOLDER_URL)
    if not value:
        raise NodeExecutionError(
            "The parameter 'driveId' is required", node=p.ctx.node_name, item_index=p.index
        )
    return value


def _drive_path(drive_id: str) -> str:
    from urllib.parse import quote

    return f"drive/v3/drives/{quote(drive_id, safe='')}"


def _drive_create(client: ServiceClient, p: Params) -> Any:
    body = {"name": p.text("name", ""), **p.collection("options")}
    return call(
        client, "POST", "drive/v3/drives", p, body=body, qs={"requestId": str(uuid.uuid4())}
    )


def _drive_delete(client: ServiceClient, p: Params) -> Any:
    call(client, "DELETE", _drive_path(_shared_drive(p)), p)
    return {"success": True}


def _drive_get(client: ServiceClient, p: Params) -> Any:
    return call(client, "GET", _drive_path(_shared_drive(p)), p, qs=p.collection("options"))


def _drive_list(client: ServiceClient, p: Params) -> Any:
    qs = p.collection("options")
    if p.get("returnAll", False):
        return all_items(client, "drive/v3/drives", "drives", qs, p)
    qs["pageSize"] = p.get("limit", 100)
    return list((call(client, "GET", "drive/v3/drives", p, qs=qs) or {}).get("drives") or [])


def _drive_update(client: ServiceClient, p: Params) -> Any:
    body = p.collection("options")
    return call(client, "PATCH", _drive_path(_shared_drive(p)), p, body=body)


V3_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("file", "copy"): Operation(run=_copy),
    ("file", "createFromText"): Operation(run=_create_from_text),
    ("file", "deleteFile"): Operation(run=_delete_file),
    ("file", "download"): Operation(run=_download),
    ("file", "move"): Operation(run=_move),
    ("file", "share"): Operation(run=lambda c, p: _share(c, p, _file_id(p))),
    ("file", "update"): Operation(run=_update),
    ("file", "upload"): Operation(run=_upload),
    ("fileFolder", "search"): Operation(run=_search),
    ("folder", "create"): Operation(run=_folder_create),
    ("folder", "deleteFolder"): Operation(
        run=lambda c, p: _delete(c, p, _folder_no_root(p), "fileId")
    ),
    ("folder", "share"): Operation(run=lambda c, p: _share(c, p, _folder_no_root(p))),
    ("drive", "create"): Operation(run=_drive_create),
    ("drive", "deleteDrive"): Operation(run=_drive_delete),
    ("drive", "get"): Operation(run=_drive_get),
    ("drive", "list"): Operation(run=_drive_list),
    ("drive", "update"): Operation(run=_drive_update),
}
_DEFAULT_OPERATIONS = {
    "file": "upload",
    "folder": "create",
    "fileFolder": "search",
    "drive": "create",
}


@node(
    "googleDrive",
    versions=[1, 2, 3],
    display_name="Google Drive",
    description="Access data on Google Drive",
    fusible=False,
)
class GoogleDrive(Node):
    """Access data on Google Drive."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        operations = V3_OPERATIONS if ctx.type_version >= 3 else V1_OPERATIONS
        return run_operations(ctx, inputs, DRIVE, operations, "file", _DEFAULT_OPERATIONS)


GoogleDriveTool = as_tool(GoogleDrive)
"""n8n's Google Drive as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
