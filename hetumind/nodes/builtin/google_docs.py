"""Google Docs (n8n `googleDocs` 1 and 2) over the Docs v1 REST API, with
googleDocsOAuth2Api (`authentication: oAuth2`) or a service account (googleApi).

document create (a Google Docs file through Drive v3 files.create: `title`, `folderId`,
`driveId`), get (`documentURL`: a docs.google.com URL or the id; `simple` gives
`{documentId, content}` with the body's text), update (`actionsUi.actionFields` as one
documents.batchUpdate: text insert / replaceAll, contentRange delete, pageBreak and table
insert, tableRow / tableColumn insert and delete, header / footer create and delete,
paragraphBullets create and delete, namedRange create and delete, positionedObject
delete; `updateFields.writeControlObject`; `simple` gives the first reply). See
docs/nodes/google-docs.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from hetumind.errors import NodeExecutionError
from hetumind.integrations import Operation, Params, ServiceClient, run_operations
from hetumind.integrations.google.auth import google_service
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["GoogleDocs", "GoogleDocsTool"]

DOCS = google_service(
    "Google Docs",
    "https://docs.googleapis.com",
    "googleDocsOAuth2Api",
    [
        # n8n's getGoogleAccessToken scopes for 'docs'
        "https://www.googleapis.com/auth/documents",
        "https://www.googleapis.com/auth/drive",
        "https://www.googleapis.com/auth/drive.file",
    ],
)
DOCUMENT = "application/vnd.google-apps.document"
FOLDER_DEFAULT = "default"
DEFAULT_DRIVES = ("myDrive", "sharedWithMe")
_DOC_URL = re.compile(r"https://docs\.google\.com/document/d/([a-zA-Z0-9-_]+)/")


def _text_value(p: Params, name: str, default: str = "") -> str:
    """A string parameter or a resource locator's value."""
    value = p.get(name, default)
    if isinstance(value, Mapping):
        value = value.get("value")
    return "" if value is None else str(value)


def document_id(p: Params) -> str:
    """n8n's extractID: the id in a docs.google.com/document/d/<id>/ URL, else the value
    as it is."""
    raw = _text_value(p, "documentURL").strip()
    if not raw:
        raise NodeExecutionError(
            "The parameter 'documentURL' is required", node=p.ctx.node_name, item_index=p.index
        )
    found = _DOC_URL.search(raw if raw.endswith("/") else raw + "/")
    return found.group(1) if found else raw


def _docs_path(doc_id: str, suffix: str = "") -> str:
    return f"v1/documents/{quote(doc_id, safe='')}{suffix}"


def _drive_files_url(client: ServiceClient) -> str:
    base = str(client.data.get("baseUrl") or "https://www.googleapis.com").rstrip("/")
    return f"{base}/drive/v3/files"


# -- create -------------------------------------------------------------------------------


def _create(client: ServiceClient, p: Params) -> Any:
    folder_id = _text_value(p, "folderId", FOLDER_DEFAULT)
    drive_id = _text_value(p, "driveId", "myDrive")
    if folder_id and folder_id != FOLDER_DEFAULT:
        parent = folder_id
    elif drive_id and drive_id not in DEFAULT_DRIVES:
        parent = drive_id
    else:
        parent = "root"
    body = {"name": p.text("title", ""), "mimeType": DOCUMENT, "parents": [parent]}
    return client.request(
        "POST",
        _drive_files_url(client),
        qs={"supportsAllDrives": True},
        body=body,
        item_index=p.index,
    )


# -- get ----------------------------------------------------------------------------------


def document_text(document: Mapping[str, Any]) -> str:
    """n8n's simplify: the textRun contents of the body's paragraphs, joined."""
    parts: list[str] = []
    content = (document.get("body") or {}).get("content") or []
    for element in content:
        paragraph = element.get("paragraph") if isinstance(element, Mapping) else None
        if not isinstance(paragraph, Mapping):
            continue
        for part in paragraph.get("elements") or []:
            run = part.get("textRun") if isinstance(part, Mapping) else None
            if isinstance(run, Mapping):
                parts.append(str(run.get("content") or ""))
    return "".join(parts)


def _get(client: ServiceClient, p: Params) -> Any:
    doc_id = document_id(p)
    answer = client.request("GET", _docs_path(doc_id), item_index=p.index) or {}
    if p.get("simple", True):
        return {"documentId": doc_id, "content": document_text(answer)}
    return answer


# -- update -------------------------------------------------------------------------------


def _segment(action: Mapping[str, Any]) -> str:
    return "" if action.get("insertSegment", "body") == "body" else str(action.get("segmentId", ""))


def _location(action: Mapping[str, Any]) -> dict[str, Any]:
    """`{locationChoice: {segmentId[, index]}}`: endOfSegmentLocation or location."""
    choice = str(action.get("locationChoice") or "endOfSegmentLocation")
    where: dict[str, Any] = {"segmentId": _segment(action)}
    if choice == "location":
        where["index"] = action.get("index", 1)
    return {choice: where}


def _range(action: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "segmentId": _segment(action),
        "startIndex": action.get("startIndex", 0),
        "endIndex": action.get("endIndex", 0),
    }


def _cell(action: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "rowIndex": action.get("rowIndex", 0),
        "columnIndex": action.get("columnIndex", 0),
        "tableStartLocation": {"segmentId": _segment(action), "index": action.get("index", 0)},
    }


def _request(action: Mapping[str, Any]) -> dict[str, Any] | None:
    """One actionFields entry as a batchUpdate request (n8n's `${action}${Object}`), or
    None for a pair n8n has no request for."""
    verb, obj = str(action.get("action") or ""), str(action.get("object") or "")
    body: dict[str, Any] | None = None
    if obj == "text" and verb == "insert":
        body = {"text": action.get("text", ""), **_location(action)}
    elif obj == "text" and verb == "replaceAll":
        body = {
            "replaceText": action.get("replaceText", ""),
            "containsText": {
                "text": action.get("text", ""),
                "matchCase": bool(action.get("matchCase", False)),
            },
        }
    elif obj == "contentRange" and verb == "delete":
        body = {"range": _range(action)}
    elif obj == "pageBreak" and verb == "insert":
        body = _location(action)
    elif obj == "table" and verb == "insert":
        body = {"rows": action.get("rows", 1), "columns": action.get("columns", 1)}
        body.update(_location(action))
    elif obj in ("tableRow", "tableColumn") and verb in ("insert", "delete"):
        body = {"tableCellLocation": _cell(action)}
        if verb == "insert":
            side = "insertBelow" if obj == "tableRow" else "insertRight"
            body = {side: bool(action.get("insertPosition", True)), **body}
    elif obj in ("header", "footer") and verb == "create":
        where: dict[str, Any] = {"segmentId": _segment(action)}
        if action.get("locationChoice") == "location":
            where["index"] = action.get("index", 0)
        body = {"type": "DEFAULT", "sectionBreakLocation": where}
    elif obj in ("header", "footer") and verb == "delete":
        key = f"{obj}Id"
        body = {key: action.get(key, "")}
    elif obj == "paragraphBullets" and verb == "create":
        body = {"bulletPreset": action.get("bulletPreset", ""), "range": _range(action)}
    elif obj == "paragraphBullets" and verb == "delete":
        body = {"range": _range(action)}
    elif obj == "namedRange" and verb == "create":
        body = {"name": action.get("name", ""), "range": _range(action)}
    elif obj == "namedRange" and verb == "delete":
        body = {str(action.get("namedRangeReference") or "namedRangeId"): action.get("value", "")}
    elif obj == "positionedObject" and verb == "delete":
        body = {"objectId": action.get("objectId", "")}
    if body is None:
        return None
    return {f"{verb}{obj[:1].upper()}{obj[1:]}": body}


def _update(client: ServiceClient, p: Params) -> Any:
    doc_id = document_id(p)
    ui = p.get("actionsUi", {}) or {}
    actions = ui.get("actionFields") if isinstance(ui, Mapping) else None
    requests: list[dict[str, Any]] = []
    for n, action in enumerate(actions or []):
        if not isinstance(action, Mapping):
            continue
        request = _request(action)
        if request is None:
            raise NodeExecutionError(
                f"Action {n + 1} of 'actionsUi': {action.get('action')!r} of "
                f"{action.get('object')!r} is not an action Google Docs takes",
                node=p.ctx.node_name,
                item_index=p.index,
            )
        requests.append(request)
    body: dict[str, Any] = {"requests": requests}
    control = p.collection("updateFields").get("writeControlObject")
    if isinstance(control, Mapping) and control:
        body["writeControl"] = {str(control.get("control")): control.get("value")}
    answer = client.request(
        "POST", _docs_path(doc_id, ":batchUpdate"), body=body, item_index=p.index
    )
    out: dict[str, Any] = dict(answer or {})
    if p.get("simple", True):
        replies = out.get("replies") or [{}]
        first = replies[0] if isinstance(replies[0], Mapping) else {}
        if first:
            value = next(iter(first.values()))
            out = dict(value) if isinstance(value, Mapping) else {"data": value}
        else:
            out = {}
    out["documentId"] = doc_id
    return out


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("document", "create"): Operation(run=_create),
    ("document", "get"): Operation(run=_get),
    ("document", "update"): Operation(run=_update),
}


@node(
    "googleDocs",
    versions=[1, 2],
    display_name="Google Docs",
    description="Consume Google Docs API.",
    fusible=False,
)
class GoogleDocs(Node):
    """Consume Google Docs API."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        return run_operations(ctx, inputs, DOCS, OPERATIONS, "document", {"document": "create"})


GoogleDocsTool = as_tool(GoogleDocs)
"""n8n's Google Docs as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
