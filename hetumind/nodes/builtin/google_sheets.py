"""Google Sheets (n8n `googleSheets` 4, 4.1-4.7): rows of a sheet as items over the Sheets
v4 REST API, with googleSheetsOAuth2Api (`authentication: oAuth2`, n8n's default) or a
service account (googleApi).

Sheet operations (n8n's values): read (filtersUI with combineFilters, returnAllMatches,
dataLocationOnSheet), append, appendOrUpdate and update (the `columns` resource mapper:
autoMapInputData or defineBelow, matchingColumns), clear, delete (rows or columns),
create (a sheet) and remove (a sheet); spreadsheet create. `documentId` and `sheetName`
are resource locators (list / url / id, and name for sheets; a `gid=0` list value is the
sheet id 0). Items carry `row_number` as n8n 4's do. See docs/nodes/google.md.
Versions 1 and 2 (n8n's legacy node) are in _google_sheets_v1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import Params, ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.google.auth import google_service
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin._google_sheets_v1 import run_v1
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.item_wise import item_error

__all__ = ["GoogleSheets", "GoogleSheetsTool", "column_letter"]

SHEETS = google_service(
    "Google Sheets",
    "https://sheets.googleapis.com",
    "googleSheetsOAuth2Api",
    [
        "https://www.googleapis.com/auth/drive.file",
        "https://www.googleapis.com/auth/spreadsheets",
    ],
)
_DOC_URL = r"https://(?:drive|docs)\.google\.com(?:/.*|)/d/([0-9a-zA-Z\-_]+)"
_GID_URL = r"#gid=([0-9]+)"


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


class _Sheet:
    """One spreadsheet and sheet as the node's first item names them."""

    def __init__(self, client: ServiceClient, p: Params) -> None:
        self.client = client
        self.p = p
        self.doc = p.locator("documentId", _DOC_URL)
        if not self.doc:
            raise NodeExecutionError("The parameter 'documentId' is required", node=p.ctx.node_name)
        self.title = ""
        self.sheet_id = 0

    def base(self) -> str:
        return f"v4/spreadsheets/{quote(self.doc, safe='')}"

    def resolve(self) -> None:
        value = self.p.get("sheetName", None)
        mode = self.p.locator_mode("sheetName")
        raw = self.p.locator("sheetName", _GID_URL)
        if mode is None and isinstance(value, str):
            mode = "name"  # a plain string is a sheet title
        sheets = self._properties()
        if mode == "name":
            found = [s for s in sheets if s.get("title") == raw]
        else:
            gid = raw.removeprefix("gid=")
            found = [s for s in sheets if str(s.get("sheetId")) == gid]
        if not found:
            raise NodeExecutionError(
                f"Sheet with {'name' if mode == 'name' else 'ID'} {raw} not found",
                node=self.p.ctx.node_name,
            )
        self.title = str(found[0]["title"])
        self.sheet_id = int(found[0]["sheetId"])

    def _properties(self) -> list[dict[str, Any]]:
        answer = self.client.request("GET", self.base(), qs={"fields": "sheets.properties"})
        return [s.get("properties") or {} for s in (answer or {}).get("sheets") or []]

    def quoted(self, a1: str = "") -> str:
        title = "'" + self.title.replace("'", "''") + "'"
        return quote(f"{title}!{a1}" if a1 else title, safe="")

    def values(self, a1: str = "", render: str = "FORMATTED_VALUE", date: str = "") -> list[Any]:
        qs: dict[str, Any] = {"valueRenderOption": render}
        if date:
            qs["dateTimeRenderOption"] = date
        answer = self.client.request("GET", f"{self.base()}/values/{self.quoted(a1)}", qs=qs)
        return list((answer or {}).get("values") or [])

    def write(self, a1: str, rows: list[list[Any]], value_input: str) -> Any:
        return self.client.request(
            "PUT",
            f"{self.base()}/values/{self.quoted(a1)}",
            qs={"valueInputOption": value_input},
            body={"range": f"{self.title}!{a1}", "majorDimension": "ROWS", "values": rows},
        )

    def batch(self, requests: list[dict[str, Any]]) -> Any:
        return self.client.request(
            "POST", f"{self.base()}:batchUpdate", body={"requests": requests}
        )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        import json

        return json.dumps(value)
    return value


def _same(a: Any, b: Any) -> bool:
    return str(_cell(a)) == str(_cell(b))


def _structure(
    data: list[list[Any]], header_row: int, first_row: int, offset: int = 0
) -> list[dict[str, Any]]:
    """n8n's structureArrayDataByColumn: header keys, '' for empty cells, row_number."""
    if len(data) < header_row:
        return []
    keys = [str(k) for k in data[header_row - 1]]
    out: list[dict[str, Any]] = []
    for index in range(first_row - 1, len(data)):
        row = data[index]
        item: dict[str, Any] = {"row_number": index + 1 + offset}
        for j, key in enumerate(keys):
            item[key] = row[j] if j < len(row) else ""
        out.append(item)
    return out


def _cell_format(options: Mapping[str, Any], version: float) -> str:
    fmt = options.get("cellFormat")
    return str(fmt) if fmt else ("RAW" if version < 4.1 else "USER_ENTERED")


def _location(options: Mapping[str, Any]) -> tuple[int, int, str]:
    values = (options.get("dataLocationOnSheet") or {}).get("values") or {}
    if not isinstance(values, Mapping):
        values = {}
    header = int(values.get("headerRow") or 1)
    first = int(values.get("firstDataRow") or header + 1)
    a1 = ""
    if values.get("rangeDefinition") == "specifyRangeA1" and values.get("range"):
        a1 = str(values["range"])
    return header, first, a1


def _read(sheet: _Sheet, p: Params) -> list[dict[str, Any]]:
    options = p.collection("options")
    fmt = (options.get("outputFormatting") or {}).get("values") or {}
    header, first, a1 = _location(options)
    offset = 0
    if a1:
        start = re.match(r"[A-Za-z]*(\d+)", a1.split(":")[0])
        offset = int(start.group(1)) - 1 if start else 0
    data = sheet.values(
        a1,
        str(fmt.get("general") or "UNFORMATTED_VALUE"),
        str(fmt.get("date") or "FORMATTED_STRING"),
    )
    rows = _structure(data, header, first, offset)
    filters = p.get("filtersUI.values", []) or []
    if not filters:
        return rows
    conditions = [(str(f.get("lookupColumn")), f.get("lookupValue")) for f in filters]
    every = str(options.get("combineFilters") or "OR") == "AND"

    def hit(row: dict[str, Any]) -> bool:
        tests = [col in row and _same(row[col], value) for col, value in conditions]
        return all(tests) if every else any(tests)

    matched = [r for r in rows if hit(r)]
    if options.get("returnAllMatches") == "returnAllMatches" or p.get("returnFirstMatch") is False:
        return matched
    return matched[:1]


def _mapped(p: Params, mode: str) -> dict[str, Any]:
    if mode == "autoMapInputData":
        return dict(p.json)
    value = p.get("columns.value", {}) or {}
    if not isinstance(value, Mapping):
        value = {}
    return {k: v for k, v in value.items() if v is not None}


def _headers(
    sheet: _Sheet, data: list[list[Any]], header_row: int, entries: list[dict[str, Any]], p: Params
) -> list[str]:
    """The key row, with new columns for keys the sheet lacks (handlingExtraData)."""
    keys = [str(k) for k in data[header_row - 1]] if len(data) >= header_row else []
    handling = str(p.collection("options").get("handlingExtraData") or "insertInNewColumn")
    extra = [k for e in entries for k in e if k not in keys and k != "row_number"]
    extra = list(dict.fromkeys(extra))
    if extra and handling == "error" and keys:
        raise NodeExecutionError(
            f"Unexpected fields in node input: {', '.join(extra)}", node=p.ctx.node_name
        )
    if extra and (handling == "insertInNewColumn" or not keys):
        keys = keys + extra
        sheet.write(f"A{header_row}", [keys], "RAW")
    return keys


def _append_rows(
    sheet: _Sheet, data: list[list[Any]], keys: list[str], entries: list[dict[str, Any]], fmt: str
) -> None:
    rows = [[_cell(e.get(k, "")) for k in keys] for e in entries]
    last = max(len(data), 1) + 1
    # the sheet's grid may end at its last row: make room, as n8n does
    sheet.batch(
        [{"appendDimension": {"sheetId": sheet.sheet_id, "dimension": "ROWS", "length": len(rows)}}]
    )
    sheet.write(f"A{last}", rows, fmt)


def _write_all(sheet: _Sheet, ps: list[Params], operation: str) -> list[tuple[dict[str, Any], int]]:
    p0 = ps[0]
    version = p0.version
    options = p0.collection("options")
    header_row = int(
        ((options.get("locationDefine") or {}).get("values") or {}).get("headerRow") or 1
    )
    mode = p0.text("columns.mappingMode", "") or p0.text("dataMode", "autoMapInputData")
    if mode == "nothing":
        return []
    data = sheet.values()
    entries = [_mapped(p, mode) for p in ps]
    fmt = _cell_format(options, version)
    if operation == "append":
        keys = _headers(sheet, data, header_row, entries, p0)
        if options.get("useAppend"):
            sheet.client.request(
                "POST",
                f"{sheet.base()}/values/{sheet.quoted()}:append",
                qs={"valueInputOption": fmt},
                body={"values": [[_cell(e.get(k, "")) for k in keys] for e in entries]},
            )
        else:
            _append_rows(sheet, data, keys, entries, fmt)
    else:
        match = p0.get("columns.matchingColumns", None) or [p0.get("columnToMatchOn", None)]
        match_col = str((match or [""])[0] or "")
        if not match_col:
            raise NodeExecutionError(
                "The parameter 'columns.matchingColumns' is required", node=p0.ctx.node_name
            )
        keys = _headers(sheet, data, header_row, entries, p0)
        if match_col not in keys:
            raise NodeExecutionError(
                f"Could not find column for key '{match_col}'", node=p0.ctx.node_name
            )
        col = keys.index(match_col)
        updates: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        for entry in entries:
            target = next(
                (
                    i
                    for i in range(header_row, len(data))
                    if col < len(data[i]) and _same(data[i][col], entry.get(match_col))
                ),
                None,
            )
            if target is None:
                missing.append(entry)
                continue
            row = list(data[target]) + [""] * (len(keys) - len(data[target]))
            for j, key in enumerate(keys):
                if key in entry and key != "row_number":
                    row[j] = _cell(entry[key])
            data[target] = row
            end = column_letter(len(keys) - 1)
            updates.append(
                {
                    "range": f"{sheet.title}!A{target + 1}:{end}{target + 1}",
                    "values": [row],
                }
            )
        if updates:
            sheet.client.request(
                "POST",
                f"{sheet.base()}/values:batchUpdate",
                body={"valueInputOption": fmt, "data": updates},
            )
        if missing and operation == "appendOrUpdate":
            _append_rows(sheet, data, keys, missing, fmt)
    if mode == "autoMapInputData":
        return [(dict(p.json), p.index) for p in ps]
    return [(e, p.index) for e, p in zip(entries, ps, strict=True)]


def _clear(sheet: _Sheet, p: Params) -> dict[str, Any]:
    what = p.text("clear", "wholeSheet")
    keep_first = bool(p.get("keepFirstRow", False))
    if what == "specificRows":
        start = int(p.get("startIndex", 1))
        count = int(p.get("rowsToClear", 1))
        a1 = f"{start}:{start + count - 1}"
    elif what == "specificColumns":
        first = p.text("columnToClearStart", "") or p.text("columnToClear", "A")
        count = int(p.get("columnsToClear", 1))
        end = column_letter(_column_index(first) + count - 1)
        a1 = f"{first}{2 if keep_first else 1}:{end}" if keep_first else f"{first}:{end}"
    elif what == "specificRange":
        a1 = p.text("range", "")
    else:
        a1 = "A2:ZZZ" if keep_first else ""
    sheet.client.request("POST", f"{sheet.base()}/values/{sheet.quoted(a1)}:clear", body={})
    return dict(p.json)


def _delete(sheet: _Sheet, p: Params) -> dict[str, Any]:
    what = p.text("toDelete", "rows")
    count = int(p.get("numberToDelete", 1))
    if what == "columns":
        start = _column_index(p.text("startIndex", "A"))
        dimension = "COLUMNS"
    else:
        start = int(p.get("startIndex", 2)) - 1
        dimension = "ROWS"
    sheet.batch(
        [
            {
                "deleteDimension": {
                    "range": {
                        "sheetId": sheet.sheet_id,
                        "dimension": dimension,
                        "startIndex": start,
                        "endIndex": start + count,
                    }
                }
            }
        ]
    )
    return dict(p.json)


def _create_sheet(sheet: _Sheet, p: Params) -> dict[str, Any]:
    options = p.collection("options")
    props: dict[str, Any] = {"title": p.text("title", "n8n-sheet")}
    for name in ("hidden", "rightToLeft", "sheetId", "index"):
        if name in options:
            props[name] = options[name]
    if options.get("tabColor"):
        color = str(options["tabColor"]).lstrip("#")
        props["tabColor"] = {
            "red": int(color[0:2], 16) / 255,
            "green": int(color[2:4], 16) / 255,
            "blue": int(color[4:6], 16) / 255,
        }
    answer = sheet.batch([{"addSheet": {"properties": props}}])
    return dict(((answer.get("replies") or [{}])[0].get("addSheet") or {}).get("properties") or {})


def _remove_sheet(sheet: _Sheet, p: Params) -> dict[str, Any]:
    sheet.resolve()
    answer = sheet.batch([{"deleteSheet": {"sheetId": sheet.sheet_id}}])
    return dict(answer or {})


def _create_spreadsheet(client: ServiceClient, p: Params) -> dict[str, Any]:
    options = p.collection("options")
    body: dict[str, Any] = {"properties": {"title": p.text("title", "")}}
    for name in ("locale", "autoRecalc"):
        if options.get(name):
            body["properties"][name] = options[name]
    sheets = (p.get("sheetsUi", {}) or {}).get("sheetValues") or []
    if sheets:
        body["sheets"] = [
            {"properties": {"title": s.get("title"), "hidden": bool(s.get("hidden", False))}}
            for s in sheets
        ]
    return dict(client.request("POST", "v4/spreadsheets", body=body) or {})


@node(
    "googleSheets",
    versions=[1, 2, 4, 4.1, 4.2, 4.3, 4.4, 4.5, 4.6, 4.7],
    display_name="Google Sheets",
    fusible=False,
)
class GoogleSheets(Node):
    """Read, update and write data to Google Sheets."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if ctx.type_version < 4:
            return run_v1(ctx, inputs)  # n8n's GoogleSheetsV1 (versions 1 and 2)
        batch = inputs[0] if inputs else ItemBatch.empty()
        items = batch.to_items()
        if not items:
            return [ItemBatch.empty()]
        resource = str(ctx.param("resource", 0, "sheet") or "sheet")
        operation = str(ctx.param("operation", 0, "read") or "read")
        ps = [Params(ctx, i, item) for i, item in enumerate(items)]
        try:
            client = ServiceClient(ctx, SHEETS)
        except HetumindError as exc:
            raise NodeExecutionError(_reason(exc), node=ctx.node_name) from None
        out: list[tuple[dict[str, Any], int]] = []
        try:
            if resource == "spreadsheet" and operation == "create":
                out = [(_create_spreadsheet(client, p), p.index) for p in ps]
            elif resource == "sheet" and operation in ("append", "appendOrUpdate", "update"):
                sheet = _Sheet(client, ps[0])
                sheet.resolve()
                out = _write_all(sheet, ps, operation)
            elif resource == "sheet" and operation in (
                "read",
                "clear",
                "delete",
                "create",
                "remove",
            ):
                for p in ps:
                    try:
                        sheet = _Sheet(client, p)
                        if operation == "create":
                            out.append((_create_sheet(sheet, p), p.index))
                            continue
                        if operation == "remove":
                            out.append((_remove_sheet(sheet, p), p.index))
                            continue
                        sheet.resolve()
                        if operation == "read":
                            out.extend((row, p.index) for row in _read(sheet, p))
                        elif operation == "clear":
                            out.append((_clear(sheet, p), p.index))
                        else:
                            out.append((_delete(sheet, p), p.index))
                    except HetumindError as exc:
                        failed = item_error(ctx, p.index, _reason(exc), stop=exc)
                        out.append((failed, p.index))
            else:
                raise NodeExecutionError(
                    f'The operation "{operation}" of resource "{resource}" is not supported by '
                    "Hetumind's Google Sheets node",
                    node=ctx.node_name,
                )
        except NodeApiError:
            raise
        except HetumindError as exc:
            stop = (
                exc
                if isinstance(exc, NodeExecutionError)
                else NodeExecutionError(_reason(exc), node=ctx.node_name)
            )
            if operation not in ("append", "appendOrUpdate", "update"):
                raise stop from None
            # a batched write fails all its items at once: one onError decision for them all
            failed = item_error(ctx, None, _reason(exc), stop=stop)
            out = [(dict(failed), p.index) for p in ps]
        return [ItemBatch.from_json([o for o, _ in out], paired=[i for _, i in out])]


def _reason(exc: HetumindError) -> str:
    return exc.reason if isinstance(exc, NodeExecutionError) else exc.message


GoogleSheetsTool = as_tool(GoogleSheets)
"""n8n's Google Sheets as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
