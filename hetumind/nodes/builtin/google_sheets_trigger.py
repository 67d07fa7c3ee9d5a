"""Google Sheets Trigger (n8n `googleSheetsTrigger` 1): a polling trigger that starts the
workflow with the rows added to a sheet (`event: rowAdded`), the rows changed
(`rowUpdate`) or both (`anyUpdate`), read over the Sheets v4 API with
googleSheetsTriggerOAuth2Api (n8n's `authentication: triggerOAuth2`) or a service
account (`serviceAccount`, googleApi).

State in the node's static data, as n8n keeps it: `documentId` / `sheetId` (another
document or sheet starts over), `lastIndexChecked` (rowAdded: how many data rows the
sheet had). For rowUpdate / anyUpdate n8n keeps the id of the document's last Drive
revision and downloads that revision as .xlsx to compare; Hetumind keeps the values the
last poll read (`lastSnapshot`) and compares those with the current ones, with n8n's
comparison (compareRevisions: `row_number`, `change_type` for anyUpdate, includeInOutput
new / old / both with `differences`, options.columnsToWatch).

The first poll only records the state and starts nothing. A manual run returns every
data row (rowAdded, or no snapshot yet), else the changes since the last poll, else every
row, and leaves the state as it was. See docs/nodes/google-calendar.md ("Google Sheets
Trigger").
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import Params, ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.google.auth import google_service
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.builtin.google_sheets import _GID_URL, _Sheet
from hetumind.nodes.polling import PollingTrigger

__all__ = ["GoogleSheetsTrigger", "compare_revisions"]

_SERVICE = google_service(
    "Google Sheets",
    "https://sheets.googleapis.com",
    "googleSheetsTriggerOAuth2Api",
    [
        "https://www.googleapis.com/auth/drive.file",
        "https://www.googleapis.com/auth/spreadsheets",
        "https://www.googleapis.com/auth/drive.metadata",
    ],
)
SHEETS_TRIGGER = dataclasses.replace(
    _SERVICE,
    authentication={
        "triggerOAuth2": "googleSheetsTriggerOAuth2Api",
        "oAuth2": "googleSheetsTriggerOAuth2Api",
        "serviceAccount": "googleApi",
    },
)


class GoogleSheetsTriggerParams(NodeParams):
    event: str = "anyUpdate"
    includeInOutput: str = "new"


def _js_or_empty(value: Any) -> Any:
    """`value || ''`: JavaScript's falsy values (0, '', false, null) become ''."""
    if value is None or value is False or value == "":
        return ""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return "" if number and (value == 0 or value != value) else value


def rows_to_json(rows: list[list[Any]], columns: list[Any]) -> list[dict[str, Any]]:
    """n8n's arrayOfArraysToJson: each row keyed by the columns, missing cells ''."""
    out: list[dict[str, Any]] = []
    for row in rows:
        entry: dict[str, Any] = {}
        for index, column in enumerate(columns):
            entry[str(column)] = _js_or_empty(row[index] if index < len(row) else None)
        out.append(entry)
    return out


def compare_revisions(
    previous: list[list[Any]],
    current: list[list[Any]],
    key_row: int,
    include: str,
    watched: list[str],
    start: int,
    event: str,
) -> list[dict[str, Any]]:
    """n8n's compareRevisions over two grids (header row included)."""
    previous = copy.deepcopy(previous)
    current = copy.deepcopy(current)
    length = max(len(current), len(previous))
    header_index = key_row - 1
    head_now = current[header_index] if header_index < len(current) else None
    head_then = previous[header_index] if header_index < len(previous) else None
    columns: list[Any] = ["row_number", "change_type"] if event == "anyUpdate" else ["row_number"]
    if head_now is not None and head_then is not None:
        columns += head_now if len(head_now) > len(head_then) else head_then
    elif head_now is not None:
        columns += head_now
    elif head_then is not None:
        columns += head_then
    headers = columns[2:] if event == "anyUpdate" else columns[1:]

    def pick(row: list[Any] | None) -> list[Any]:
        # the watched columns' cells (n8n shifts them by its leading row_number column;
        # here a name is looked up among the sheet's headers)
        if row is None:
            return []
        out = []
        for name in watched:
            at = headers.index(name) if name in headers else -1
            out.append(row[at] if 0 <= at < len(row) else None)
        return out

    diff: list[tuple[int, list[Any], list[Any], str]] = []
    for i in range(start, length):
        if i == header_index:
            continue
        now = current[i] if i < len(current) else None
        then = previous[i] if i < len(previous) else None
        if now is not None and then is not None:
            now = now + [""] * (len(then) - len(now))
        if watched:
            if pick(now) == pick(then):
                continue
        elif now == then:
            continue
        if event == "rowUpdate" and (not then or all(cell == "" for cell in then)):
            continue
        change = "updated"
        if then is None:
            then = ["" for _ in now or []]
            change = "added"
        if now is None:
            continue
        diff.append((i + 1, then, now, change))

    def version(which: int) -> list[list[Any]]:
        out = []
        for row_number, then, now, change in diff:
            entry = then if which == 0 else now
            lead: list[Any] = [row_number, change] if event == "anyUpdate" else [row_number]
            out.append(lead + list(entry))
        return out

    if include == "old":
        return rows_to_json(version(0), columns)
    news = rows_to_json(version(1), columns)
    if include != "both":
        return news
    olds = rows_to_json(version(0), columns)
    both = []
    for then_row, now_row in zip(olds, news, strict=True):
        differences: dict[str, Any] = {"row_number": now_row.get("row_number")}
        for key, value in now_row.items():
            if key == "row_number" or then_row.get(key) == value:
                continue
            differences[key] = {"previous": then_row.get(key), "current": value}
        both.append({"previous": then_row, "current": now_row, "differences": differences})
    return both


def _cell(text: str) -> tuple[str, str]:
    found = re.match(r"([a-zA-Z]{1,10})([0-9]{0,10})", text)
    return (found.group(1), found.group(2)) if found else ("", "")


@node(
    "googleSheetsTrigger",
    versions=[1],
    display_name="Google Sheets Trigger",
    description="Starts the workflow when Google Sheets events occur",
    inputs=0,
    trigger=True,
    params=GoogleSheetsTriggerParams,
    trigger_kind="polling",
    fusible=False,
)
class GoogleSheetsTrigger(PollingTrigger):
    """Polls a sheet for added or changed rows."""

    def poll(self, ctx: NodeContext, *, manual: bool) -> list[dict[str, Any]] | None:
        try:
            return self._poll(ctx, manual)
        except NodeApiError:
            raise
        except NodeExecutionError:
            raise
        except HetumindError as exc:
            raise NodeExecutionError(exc.message, node=ctx.node_name) from None

    def _poll(self, ctx: NodeContext, manual: bool) -> list[dict[str, Any]] | None:
        state = ctx.static_data("node")
        p = Params(ctx, 0, {})
        event = p.text("event", "anyUpdate") or "anyUpdate"
        if event not in ("rowAdded", "rowUpdate", "anyUpdate"):
            raise NodeExecutionError(
                f"The value '{event}' of the parameter 'event' is not supported",
                node=ctx.node_name,
            )
        client = ServiceClient(ctx, SHEETS_TRIGGER)
        sheet = _Sheet(client, p)
        sheet_ref = p.locator("sheetName", _GID_URL)
        sheet_ref = "0" if sheet_ref == "gid=0" else sheet_ref
        if not sheet_ref:
            raise NodeExecutionError("The parameter 'sheetName' is required", node=ctx.node_name)
        if not manual and (
            state.get("documentId") != sheet.doc or state.get("sheetId") != sheet_ref
        ):
            state.clear()
            state.update({"documentId": sheet.doc, "sheetId": sheet_ref})
        sheet.resolve()
        options = p.collection("options")
        whole, key_row, start, definition = "A:ZZZ", 1, 2, ""
        first, last = whole.split(":")
        key_range, data_range = f"{first}{key_row}:{last}{key_row}", f"{first}{start}:{last}"
        location = (options.get("dataLocationOnSheet") or {}).get("values")
        if isinstance(location, Mapping):
            definition = str(location.get("rangeDefinition") or "")
            if definition == "specifyRangeA1":
                if not location.get("range"):
                    raise NodeExecutionError(
                        "The field 'Range' is empty, please provide a range", node=ctx.node_name
                    )
                whole = str(location["range"])
            if definition == "specifyRange":
                key_row = int(location.get("headerRow") or 1)
                start = int(location.get("firstDataRow") or 2)
            low, _, high = whole.partition(":")
            (col_from, row_from), (col_to, _) = _cell(low), _cell(high or low)
            if definition == "specifyRangeA1":
                top = int(row_from) if row_from else 1
                key_range = f"{col_from}{top}:{col_to}{top}"
                data_range = f"{col_from}{top + 1}:{high or low}"
            else:
                key_range = f"{col_from}{key_row}:{col_to}{key_row}"
                data_range = f"{col_from}{start}:{high}"
        if event == "rowAdded":
            return self._rows_added(ctx, state, sheet, options, key_range, data_range, manual)
        return self._updates(
            ctx, state, sheet, p, options, event, whole, key_row, start, definition, manual
        )

    def _rows_added(
        self,
        ctx: NodeContext,
        state: dict[str, Any],
        sheet: _Sheet,
        options: Mapping[str, Any],
        key_range: str,
        data_range: str,
        manual: bool,
    ) -> list[dict[str, Any]] | None:
        keys = sheet.values(key_range)
        columns = list(keys[0]) if keys else []
        if not columns:
            raise NodeExecutionError(
                "Could not retrieve the columns from key row", node=ctx.node_name
            )
        rows = sheet.values(
            data_range,
            str(options.get("valueRender") or "UNFORMATTED_VALUE"),
            str(options.get("dateTimeRenderOption") or "FORMATTED_STRING"),
        )
        if manual:
            return rows_to_json(rows, columns) or None
        seen = state.get("lastIndexChecked")
        state["lastIndexChecked"] = len(rows)
        if seen is None:
            return None
        return rows_to_json(rows[int(seen) :], columns) or None

    def _updates(
        self,
        ctx: NodeContext,
        state: dict[str, Any],
        sheet: _Sheet,
        p: Params,
        options: Mapping[str, Any],
        event: str,
        whole: str,
        key_row: int,
        start: int,
        definition: str,
        manual: bool,
    ) -> list[dict[str, Any]] | None:
        current = sheet.values(whole, "UNFORMATTED_VALUE", "SERIAL_NUMBER")
        data_start = start - 1
        if definition != "specifyRangeA1":
            data_start = start - 2 if key_row < start else start - 1
        previous = state.get("lastSnapshot")
        if not manual:
            state["lastSnapshot"] = current
        if previous is None or (manual and previous == current):
            if not manual or not current:
                return None
            header = key_row - 1
            columns = list(current[header]) if header < len(current) else []
            rest = current[:header] + current[header + 1 :]
            rows = rest[data_start:] if definition != "specifyRangeA1" else rest
            return rows_to_json(rows, columns) or None
        if previous == current:
            return None
        watched = options.get("columnsToWatch") or []
        if isinstance(watched, str):
            watched = [w.strip() for w in watched.split(",") if w.strip()]
        changes = compare_revisions(
            list(previous),
            current,
            key_row,
            p.text("includeInOutput", "new") or "new",
            [str(w) for w in watched],
            data_start,
            event,
        )
        return changes or None
