"""Google Drive versions 1 and 2 (n8n's GoogleDriveV1): file copy, delete, download,
list, share, update, upload; folder create, delete, share; shared drive create, delete,
get, list, update. Parameter shapes are version 1's (`binaryData` + `fileContent` or
`binaryPropertyName`, `parents` lists, `options.fields`); version 1 lists once per node
run, version 2 once per item, as n8n does. Also the download shared with version 3."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from hetumind.binary import put_binary
from hetumind.errors import NodeExecutionError
from hetumind.integrations import Operation, Params, ServiceClient, WithBinary
from hetumind.nodes.builtin._google_drive_api import (
    FILE_URL,
    FOLDER,
    FOLDER_URL,
    all_items,
    call,
    file_path,
    file_properties,
    item_file,
    query_fields,
    upload_content,
)

__all__ = ["V1_OPERATIONS", "download_file"]

_CONVERSION = "options.googleFileConversion.conversion"
_EXPORT_DEFAULTS = {
    "document": (
        "docsToFormat",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "presentation": (
        "slidesToFormat",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "spreadsheet": ("sheetsToFormat", "application/x-vnd.oasis.opendocument.spreadsheet"),
}


def download_file(
    client: ServiceClient, p: Params, file_id: str, file_name: Any = None
) -> dict[str, Any]:
    """The file's bytes as a binary entry: `alt=media` for files with content, an export
    for Google Docs editors files in the format `options.googleFileConversion` names
    (n8n's defaults: Word, PowerPoint, OpenDocument spreadsheet, JPEG)."""
    meta = call(
        client,
        "GET",
        file_path(file_id),
        p,
        qs={"fields": "mimeType,name", "supportsTeamDrives": True},
    )
    meta = meta if isinstance(meta, Mapping) else {}
    mime = str(meta.get("mimeType") or "")
    if "vnd.google-apps" in mime:
        kind = mime.split(".")[2] if mime.count(".") >= 2 else ""
        field, default = _EXPORT_DEFAULTS.get(kind, ("drawingsToFormat", "image/jpeg"))
        target = p.text(f"{_CONVERSION}.{field}", default) or default
        response = call(
            client,
            "GET",
            file_path(file_id, "/export"),
            p,
            qs={"mimeType": target},
            raw=True,
        )
    else:
        response = call(client, "GET", file_path(file_id), p, qs={"alt": "media"}, raw=True)
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    name = file_name if file_name not in (None, "") else meta.get("name")
    return put_binary(
        response.content,
        mime_type=content_type or mime or None,
        file_name=str(name) if name else None,
    )


def _file_id(p: Params) -> str:
    value = p.locator("fileId", FILE_URL if p.get("resource", "file") == "file" else FOLDER_URL)
    if not value:
        raise NodeExecutionError(
            "The parameter 'fileId' is required", node=p.ctx.node_name, item_index=p.index
        )
    return value


def _options(p: Params) -> dict[str, Any]:
    return p.collection("options")


def _fields(p: Params) -> str:
    return query_fields(_options(p).get("fields"))


def _copy(client: ServiceClient, p: Params) -> Any:
    options = _options(p)
    body = {k: options[k] for k in ("name", "parents") if options.get(k) is not None}
    qs = {"supportsAllDrives": True, "fields": _fields(p)}
    return call(client, "POST", file_path(_file_id(p), "/copy"), p, body=body, qs=qs)


def _delete(client: ServiceClient, p: Params) -> Any:
    file_id = _file_id(p)
    call(client, "DELETE", file_path(file_id), p, qs={"supportsTeamDrives": True})
    return {"fileId": file_id, "success": True}


def _download(client: ServiceClient, p: Params) -> Any:
    entry = download_file(client, p, _file_id(p), _options(p).get("fileName"))
    field = p.text("binaryPropertyName", "data") or "data"
    return WithBinary(dict(p.json), {**dict(p.binary), field: entry})


def _list(client: ServiceClient, p: Params) -> Any:
    options = _options(p)
    spaces = options.get("spaces") or []
    space_text = ""
    if isinstance(spaces, list) and spaces:
        space_text = "appDataFolder, drive, photos" if "*" in spaces else ", ".join(spaces)
    if p.get("useQueryString", False):
        query = p.text("queryString", "")
    else:
        filters = p.collection("queryFilters")
        query = ""
        names = []
        for f in filters.get("name") or []:
            op = {"is": "=", "isNot": "!="}.get(str(f.get("operation")), f.get("operation"))
            names.append(f"name {op} '{f.get('value', '')}'")
        query += " or ".join(names)
        mimes = []
        for f in filters.get("mimeType") or []:
            mime = f.get("customMimeType") if f.get("mimeType") == "custom" else f.get("mimeType")
            mimes.append(f"mimeType = '{mime}'")
        if mimes:
            query += (" and " if query else "") + " or ".join(mimes)
    qs: dict[str, Any] = {
        "pageSize": p.get("limit", 50),
        "orderBy": "modifiedTime",
        "fields": f"nextPageToken, files({_fields(p)})",
        # n8n 1 always sends these true (its driveId test compares undefined with '')
        "includeItemsFromAllDrives": True,
        "supportsAllDrives": True,
    }
    if space_text:
        qs["spaces"] = space_text
    if query:
        qs["q"] = query
    return list((call(client, "GET", "drive/v3/files", p, qs=qs) or {}).get("files") or [])


def _share(client: ServiceClient, p: Params) -> Any:
    permissions = p.get("permissionsUi", {}) or {}
    body = (
        dict(permissions.get("permissionsValues") or {}) if isinstance(permissions, Mapping) else {}
    )
    qs = {"supportsTeamDrives": True, **_options(p)}
    return call(client, "POST", file_path(_file_id(p), "/permissions"), p, body=body, qs=qs)


def _update(client: ServiceClient, p: Params) -> Any:
    fields = p.collection("updateFields")
    qs: dict[str, Any] = {"supportsAllDrives": True, **_options(p), "fields": _fields(p)}
    for name in ("keepRevisionForever", "ocrLanguage", "useContentAsIndexableText"):
        if fields.get(name):
            qs[name] = fields[name]
    body: dict[str, Any] = {}
    if fields.get("fileName"):
        body["name"] = fields["fileName"]
    if "trashed" in fields:
        body["trashed"] = fields["trashed"]
    if fields.get("parentId"):
        qs["addParents"] = fields["parentId"]
    return call(client, "PATCH", file_path(_file_id(p)), p, body=body, qs=qs)


def _upload(client: ServiceClient, p: Params) -> Any:
    original: str | None = None
    mime = "text/plain"
    if p.get("binaryData", False):
        data, original, mime = item_file(p, p.text("binaryPropertyName", "data"))
    else:
        data = p.text("fileContent", "").encode()
    file_id = upload_content(client, p, data, mime, qs={"fields": _fields(p)})
    body: dict[str, Any] = {"mimeType": mime, "name": p.text("name", "")}
    if original:
        body["originalFilename"] = original
    file_properties(body, _options(p))
    parents = p.get("parents", []) or []
    qs = {
        "addParents": ",".join(str(x) for x in parents) if isinstance(parents, list) else parents,
        "supportsAllDrives": True,
    }
    answer = call(client, "PATCH", file_path(file_id), p, body=body, qs=qs)
    if p.get("resolveData", False):
        answer = call(client, "GET", file_path(str(answer["id"])), p, qs={"fields": "*"})
    return answer


def _folder_create(client: ServiceClient, p: Params) -> Any:
    body = {
        "name": p.text("name", ""),
        "mimeType": FOLDER,
        "parents": _options(p).get("parents") or [],
    }
    qs = {"fields": _fields(p), "supportsAllDrives": True}
    return call(client, "POST", "drive/v3/files", p, body=body, qs=qs)


def _drive_id(p: Params) -> str:
    value = p.locator("driveId", FOLDER_URL)
    if not value:
        raise NodeExecutionError(
            "The parameter 'driveId' is required", node=p.ctx.node_name, item_index=p.index
        )
    return f"drive/v3/drives/{quote(value, safe='')}"


def _drive_delete(client: ServiceClient, p: Params) -> Any:
    call(client, "DELETE", _drive_id(p), p)
    return {"success": True}


def _drive_list(client: ServiceClient, p: Params) -> Any:
    qs = _options(p)
    if p.get("returnAll", False):
        return all_items(client, "drive/v3/drives", "drives", qs, p)
    qs["pageSize"] = p.get("limit", 100)
    return list((call(client, "GET", "drive/v3/drives", p, qs=qs) or {}).get("drives") or [])


V1_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("file", "copy"): Operation(run=_copy),
    ("file", "delete"): Operation(run=_delete),
    ("file", "download"): Operation(run=_download),
    ("file", "list"): Operation(run=_list, once=lambda v: v < 2),
    ("file", "share"): Operation(run=_share),
    ("file", "update"): Operation(run=_update),
    ("file", "upload"): Operation(run=_upload),
    ("folder", "create"): Operation(run=_folder_create),
    ("folder", "delete"): Operation(run=_delete),
    ("folder", "share"): Operation(run=_share),
    ("drive", "create"): Operation(
        run=lambda c, p: call(
            c,
            "POST",
            "drive/v3/drives",
            p,
            body={"name": p.text("name", ""), **_options(p)},
            qs={"requestId": str(uuid.uuid4())},
        )
    ),
    ("drive", "delete"): Operation(run=_drive_delete),
    ("drive", "get"): Operation(run=lambda c, p: call(c, "GET", _drive_id(p), p, qs=_options(p))),
    ("drive", "list"): Operation(run=_drive_list),
    ("drive", "update"): Operation(
        run=lambda c, p: call(c, "PATCH", _drive_id(p), p, body=_options(p))
    ),
}
