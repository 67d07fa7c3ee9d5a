"""Google Drive Trigger (n8n `googleDriveTrigger` 1): a polling trigger that starts the
workflow with the files or folders created or updated since the last poll.

As n8n does: the node keeps `lastTimeChecked` (UTC, to the second) in its static data;
the first poll compares with the moment it runs, so what is already in Drive does not
start the workflow; each poll lists (every page) what has `createdTime` (Created
events) or `modifiedTime` (Updated events) after it, not trashed, of the watched kind
(files or folders, `options.fileType`), in the watched folder (`specificFolder`), and
keeps the watched file (`specificFile`) or the watched folder itself
(`watchFolderUpdated`). A manual run asks for one item with no time limit (the newest:
Hetumind sends `orderBy` so it is), leaves the state alone, and fails with n8n's "No data
with the current filter could be found" when there is none.

Beyond n8n: a file whose time falls in the same second as the poll would come again in
the next poll (the stored time has no fractions); the node remembers those ids
(`recentFiles`) and passes each such change on once. `anyFileFolder` with a shared drive
in `driveToWatch` lists that drive (n8n has that option commented out and lists all).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.builtin._google_drive_api import DRIVE, FOLDER, all_items, call, extract_id
from hetumind.nodes.polling import PollingTrigger

__all__ = ["GoogleDriveTrigger"]

_FILE_URL = r"https:\/\/(?:drive|docs)\.google\.com\/\w+\/d\/([0-9a-zA-Z\-_]+)(?:\/.*|)"
_FOLDER_URL = r"https:\/\/drive\.google\.com\/\w+\/folders\/([0-9a-zA-Z\-_]+)(?:\/.*|)"


def _now() -> datetime:
    return datetime.now(UTC)


def _locator(ctx: NodeContext, name: str, pattern: str) -> str:
    value = ctx.param(name, 0, "")
    if isinstance(value, dict):
        raw = "" if value.get("value") is None else str(value.get("value"))
        if value.get("mode") == "url":
            found = re.search(pattern, raw)
            if not found:
                raise NodeExecutionError(
                    f"The URL in {name!r} is not one this parameter takes: {raw}",
                    node=ctx.node_name,
                )
            raw = found.group(1)
    else:
        raw = "" if value is None else str(value)
    if not raw:
        raise NodeExecutionError(f"The parameter {name!r} is required", node=ctx.node_name)
    return extract_id(raw)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class GoogleDriveTriggerParams(NodeParams):
    triggerOn: str = ""
    event: str = ""


@node(
    "googleDriveTrigger",
    versions=[1],
    display_name="Google Drive Trigger",
    description="Starts the workflow when Google Drive events occur",
    inputs=0,
    trigger=True,
    params=GoogleDriveTriggerParams,
    trigger_kind="polling",
    fusible=False,
)
class GoogleDriveTrigger(PollingTrigger):
    """Polls Google Drive for created or updated files and folders."""

    def poll(self, ctx: NodeContext, *, manual: bool) -> list[dict[str, Any]] | None:
        trigger_on = str(ctx.param("triggerOn", 0, "") or "")
        event = str(ctx.param("event", 0, "") or "")
        options = ctx.param("options", 0, {}) or {}
        if not event:
            raise NodeExecutionError("The parameter 'event' is required", node=ctx.node_name)
        state = ctx.static_data("node")
        now = _now().astimezone(UTC).replace(microsecond=0)
        now_text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        start = str(state.get("lastTimeChecked") or now_text)
        time_field = "createdTime" if "Created" in event else "modifiedTime"

        query = ["trashed = false"]
        if trigger_on == "specificFolder" and event != "watchFolderUpdated":
            query.append(f"'{_locator(ctx, 'folderToWatch', _FOLDER_URL)}' in parents")
        if event.startswith("file"):
            query.append(f"mimeType != '{FOLDER}'")
        else:
            query.append(f"mimeType = '{FOLDER}'")
        file_type = options.get("fileType") if isinstance(options, dict) else None
        if file_type and file_type != "all":
            query.append(f"mimeType = '{file_type}'")
        if not manual:
            query.append(f"{time_field} > '{start}'")
        qs: dict[str, Any] = {
            "q": " AND ".join(query),
            "fields": "nextPageToken, files(*)",
            "includeItemsFromAllDrives": True,
            "supportsAllDrives": True,
            "spaces": "appDataFolder, drive",
            "corpora": "allDrives",
        }
        drive_id = str(ctx.param("driveToWatch", 0, "root") or "root")
        if trigger_on == "anyFileFolder" and drive_id != "root":
            qs.update(driveId=drive_id, corpora="drive")

        try:
            client = ServiceClient(ctx, DRIVE)
        except HetumindError as exc:
            reason = exc.reason if isinstance(exc, NodeExecutionError) else exc.message
            raise NodeExecutionError(reason, node=ctx.node_name) from None
        if manual:
            answer = call(
                client,
                "GET",
                "drive/v3/files",
                qs={**qs, "pageSize": 1, "orderBy": f"{time_field} desc"},
            )
            files = list((answer or {}).get("files") or [])
            if not files:
                raise NodeApiError(
                    "No data with the current filter could be found", node=ctx.node_name
                )
            return files
        files = all_items(client, "drive/v3/files", "files", qs)
        if trigger_on == "specificFile":
            watched = _locator(ctx, "fileToWatch", _FILE_URL)
            files = [f for f in files if f.get("id") == watched]
        if trigger_on == "specificFolder" and event == "watchFolderUpdated":
            watched = _locator(ctx, "folderToWatch", _FOLDER_URL)
            files = [f for f in files if f.get("id") == watched]

        recent = state.get("recentFiles")
        recent = recent if isinstance(recent, dict) else {}
        fresh = [f for f in files if recent.get(str(f.get("id"))) != f.get(time_field)]
        state["lastTimeChecked"] = now_text
        state["recentFiles"] = {
            str(f.get("id")): f.get(time_field)
            for f in files
            if (at := _instant(f.get(time_field))) is not None and at > now
        }
        return fresh or None
