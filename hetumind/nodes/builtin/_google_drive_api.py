"""Google Drive v3 REST calls shared by the Google Drive node (all versions) and the
Google Drive Trigger: the kit Service (googleDriveOAuth2Api / googleApi with n8n's Drive
scopes), n8n's error shape for Drive (for 400 and 403 the service's words become the
message), nextPageToken paging, media / resumable uploads, downloads and exports, and
the resource locator patterns. See docs/nodes/google-drive.md."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from hetumind.binary import read_binary
from hetumind.errors import NodeExecutionError
from hetumind.http.transport import HttpResponse
from hetumind.integrations import Params, ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.google.auth import google_service

__all__ = [
    "DRIVE",
    "FILE_URL",
    "FOLDER",
    "FOLDER_URL",
    "RLC_DRIVE_DEFAULT",
    "RLC_FOLDER_DEFAULT",
    "all_items",
    "call",
    "docs_url",
    "file_path",
    "item_file",
    "upload_content",
]

DRIVE = google_service(
    "Google Drive",
    "https://www.googleapis.com",
    "googleDriveOAuth2Api",
    [
        # n8n's getGoogleAccessToken scopes for 'drive'
        "https://www.googleapis.com/auth/drive",
        "https://www.googleapis.com/auth/drive.appdata",
        "https://www.googleapis.com/auth/drive.photos.readonly",
    ],
)

FOLDER = "application/vnd.google-apps.folder"
DOCUMENT = "application/vnd.google-apps.document"
RLC_DRIVE_DEFAULT = "My Drive"
RLC_FOLDER_DEFAULT = "root"
FILE_URL = r"https:\/\/(?:drive|docs)\.google\.com(?:\/.*|)\/d\/([0-9a-zA-Z\-_]+)(?:\/.*|)"
FOLDER_URL = r"https:\/\/drive\.google\.com(?:\/.*|)\/folders\/([0-9a-zA-Z\-_]+)(?:\/.*|)"
SIMPLE_UPLOAD_MAX = 5 * 1024 * 1024
"""Google's limit for uploadType=media; larger files go through a resumable session."""


def file_path(file_id: str, suffix: str = "") -> str:
    return f"drive/v3/files/{quote(file_id, safe='')}{suffix}"


def call(
    client: ServiceClient,
    method: str,
    path: str,
    p: Params | None = None,
    **kw: Any,
) -> Any:
    """One Drive call with n8n's Drive error shape: for "bad request" and "forbidden"
    answers n8n's transport swaps message and description, so Google's own sentence
    ("The user does not have sufficient permissions for file x.") is the message."""
    try:
        return client.request(method, path, item_index=None if p is None else p.index, **kw)
    except NodeApiError as exc:
        text = exc.reason.lower()
        if exc.description and ("bad request" in text or "forbidden" in text):
            raise NodeApiError(
                exc.description,
                node=exc.node,
                item_index=exc.item_index,
                http_code=exc.http_code,
                description=exc.reason,
            ) from None
        raise


def all_items(
    client: ServiceClient,
    path: str,
    prop: str,
    qs: Mapping[str, Any],
    p: Params | None = None,
) -> list[Any]:
    """n8n's googleApiRequestAllItems: pageSize (and maxResults) 100 unless set, then
    nextPageToken -> pageToken until the answer has none."""
    query = dict(qs)
    query.setdefault("maxResults", 100)
    query.setdefault("pageSize", 100)
    out: list[Any] = []
    seen: set[str] = set()
    while True:
        answer = call(client, "GET", path, p, qs=query) or {}
        out.extend(answer.get(prop) or [])
        token = answer.get("nextPageToken")
        if not token:
            return out
        if token in seen:
            raise NodeExecutionError(
                "Google Drive sent the same nextPageToken twice",
                node=client.ctx.node_name,
                item_index=None if p is None else p.index,
            )
        seen.add(token)
        query["pageToken"] = token


def item_file(p: Params, field_name: str) -> tuple[bytes, str | None, str]:
    """The item's binary field: bytes, original file name, MIME type (n8n's
    getItemBinaryData, with its error texts)."""
    if not field_name:
        raise NodeExecutionError(
            "The name of the input field containing the binary file data must be set",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    entry = p.binary.get(field_name)
    if not isinstance(entry, Mapping):
        if not p.binary:
            message = "This operation expects the node's input data to contain a binary file"
        else:
            message = f"The item has no binary field '{field_name}'"
        raise NodeExecutionError(message, node=p.ctx.node_name, item_index=p.index)
    data = read_binary(entry, where=f"binary field '{field_name}'")
    mime = str(entry.get("mimeType") or "application/octet-stream")
    name = entry.get("fileName")
    return data, (str(name) if name else None), mime


def upload_content(
    client: ServiceClient,
    p: Params,
    data: bytes,
    mime: str,
    *,
    file_id: str | None = None,
    qs: Mapping[str, Any] | None = None,
) -> str:
    """Send the bytes of a new file (POST) or of an existing one (PATCH): uploadType=media
    up to 5 MB, else a resumable session sent in one PUT. The file's id."""
    method = "PATCH" if file_id else "POST"
    path = "upload/" + (file_path(file_id) if file_id else "drive/v3/files")
    extra = dict(qs or {})
    if len(data) <= SIMPLE_UPLOAD_MAX:
        answer = call(
            client,
            method,
            path,
            p,
            qs={"uploadType": "media", **extra},
            body=data,
            body_kind="content",
            headers={"Content-Type": mime},
        )
    else:
        session: HttpResponse = call(
            client,
            method,
            path,
            p,
            qs={"uploadType": "resumable", **extra},
            headers={"X-Upload-Content-Type": mime, "X-Upload-Content-Length": str(len(data))},
            raw=True,
        )
        location = session.headers.get("location", "")
        if not location:
            raise NodeApiError(
                "Google Drive did not answer with a resumable upload URL",
                node=client.ctx.node_name,
                item_index=p.index,
            )
        answer = call(
            client,
            "PUT",
            location,
            p,
            body=data,
            body_kind="content",
            headers={"Content-Type": mime},
        )
    if not isinstance(answer, Mapping) or not answer.get("id"):
        raise NodeApiError(
            "Google Drive's upload answer has no file id",
            node=client.ctx.node_name,
            item_index=p.index,
        )
    return str(answer["id"])


def multipart_related(metadata: Mapping[str, Any], content: bytes, mime: str) -> tuple[bytes, str]:
    """A multipart/related body (uploadType=multipart): metadata JSON, then the media."""
    boundary = f"hetumind-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
        f"{json.dumps(dict(metadata), ensure_ascii=False)}\r\n"
        f"--{boundary}\r\nContent-Type: {mime}\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/related; boundary={boundary}"


def docs_url(client: ServiceClient, document_id: str) -> str:
    """The Docs API's batchUpdate URL: docs.googleapis.com, or the credential's baseUrl
    when it names one (a proxy or a test fake serving both APIs)."""
    base = str(client.data.get("baseUrl") or "https://docs.googleapis.com").rstrip("/")
    return f"{base}/v1/documents/{quote(document_id, safe='')}:batchUpdate"


def extract_id(value: str) -> str:
    """n8n's extractId for the trigger: a Docs/Drive URL's id, else the value."""
    if "/d/" in value:
        found = re.search(r"[-\w]{25,}", value)
        if found:
            return found.group(0)
    elif "/folders/" in value:
        return value.split("/folders/", 1)[1]
    return value


def query_fields(fields: Any) -> str:
    """n8n's prepareQueryString: 'id, name' by default, '*' when chosen, else the list."""
    if isinstance(fields, list) and fields:
        return "*" if "*" in fields else ", ".join(str(f) for f in fields)
    return "id, name"


def key_values(options: Mapping[str, Any], ui: str, values: str) -> dict[str, Any] | None:
    rows = (options.get(ui) or {}).get(values) if isinstance(options.get(ui), Mapping) else None
    if not isinstance(rows, list):
        return None
    return {str(r.get("key")): r.get("value") for r in rows if isinstance(r, Mapping)}


def file_properties(body: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """n8n's setFileProperties: propertiesUi / appPropertiesUi as objects."""
    props = key_values(options, "propertiesUi", "propertyValues")
    if props is not None:
        body["properties"] = props
    app = key_values(options, "appPropertiesUi", "appPropertyValues")
    if app is not None:
        body["appProperties"] = app
    return body


def update_common(qs: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """n8n's setUpdateCommonParams."""
    for name in ("keepRevisionForever", "ocrLanguage", "useContentAsIndexableText"):
        if options.get(name):
            qs[name] = options[name]
    return qs
