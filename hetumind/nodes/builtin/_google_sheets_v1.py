"""Google Sheets typeVersions 1 and 2 (n8n's GoogleSheetsV1): the legacy node that
addresses cells by an A1 `range` ("Sheet1!A:F", or "A:F" for the first sheet) and a
0-based `keyRow` / `dataStartRow`, over the same Sheets v4 REST API as version 4.

Sheet operations: append, clear, create (a sheet), delete (rows / columns through the
`toDelete` collection), lookup (lookupColumn / lookupValue per item, returnAllMatches,
continue), read (rawData + dataProperty or rows keyed by the key row, valueRenderMode),
update and upsert (by `key`, or rawData ranges; valueInputMode), remove (a sheet by id);
spreadsheet create. Version 1 authenticates with a service account by default, version 2
with googleSheetsOAuth2Api, as n8n's `authentication` defaults are. Append, clear,
delete and update run once per node run with the first item's parameters and pass the
input items on, as n8n's do. See docs/nodes/google-sheets-v1.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import Params, ServiceClient
from hetumind.integrations.client import Service
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.google.auth import google_service
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.item_wise import batch_error, item_error

__all__ = ["run_v1"]

_OAUTH = google_service(
    "Google Sheets",
    "https://sheets.googleapis.com",
    "googleSheetsOAuth2Api",
    [
        "https://www.googleapis.com/auth/drive.file",
        "https://www.googleapis.com/auth/spreadsheets",
    ],
)
_ACCOUNT_FIRST = dataclasses.replace(
    _OAUTH,
    credentials={
        "googleApi": _OAUTH.credentials["googleApi"],
        "googleSheetsOAuth2Api": _OAUTH.credentials["googleSheetsOAuth2Api"],
    },
)


def _service(version: float) -> Service:
    """Version 1 defaults to a service account, version 2 to OAuth2."""
    return _ACCOUNT_FIRST if version < 2 else _OAUTH


def _js(value: Any) -> str:
    """A value as JavaScript's toString writes it (the legacy node writes text cells)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, Mapping):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join("" if v is None else _js(v) for v in value)
    return str(value)


def _strict_eq(a: Any, b: Any) -> bool:
    """JavaScript's ===: numbers by value, everything else by type and value."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _truthy_key(key: Any) -> bool:
    return key not in (None, "", 0, False)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _col_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _split(a1: str) -> tuple[str | None, str]:
    """'Sheet1!A:F' -> ('Sheet1', 'A:F'); 'A:F' -> (None, 'A:F')."""
    if "!" in a1:
        sheet, cells = a1.split("!", 1)
        return sheet, cells
    return None, a1


def _join(sheet: str | None, cells: str) -> str:
    return f"{sheet}!{cells}" if sheet is not None else cells


def _get_path(item: Mapping[str, Any], path: str) -> Any:
    """lodash's get: the key itself when the item has it, else a dotted / [n] path."""
    if path in item:
        return item[path]
    current: Any = item
    for part in [p for p in re.split(r"[.\[\]]", path) if p != ""]:
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is None:
            return None
    return current


class _Book:
    """One spreadsheet's calls, ranges as the user wrote them."""

    def __init__(self, client: ServiceClient, spreadsheet_id: str, node: str) -> None:
        if not spreadsheet_id:
            raise NodeExecutionError("The parameter 'sheetId' is required", node=node)
        self.client = client
        self.id = spreadsheet_id
        self.node = node

    def base(self) -> str:
        return f"v4/spreadsheets/{quote(self.id, safe='')}"

    def values_path(self, a1: str, verb: str = "") -> str:
        return f"{self.base()}/values/{quote(a1, safe='')}{':' + verb if verb else ''}"

    def get(self, a1: str, render: str) -> list[list[Any]] | None:
        answer = self.client.request("GET", self.values_path(a1), qs={"valueRenderOption": render})
        values = (answer or {}).get("values")
        return [list(r) for r in values] if isinstance(values, list) else None

    def clear(self, a1: str) -> Any:
        return self.client.request(
            "POST", self.values_path(a1, "clear"), body={"spreadsheetId": self.id, "range": a1}
        )

    def append(self, a1: str, rows: list[list[str]], value_input: str) -> Any:
        return self.client.request(
            "POST",
            self.values_path(a1, "append"),
            qs={"valueInputOption": value_input},
            body={"range": a1, "values": rows},
        )

    def batch_values(self, data: list[dict[str, Any]], value_input: str) -> Any:
        return self.client.request(
            "POST",
            f"{self.base()}/values:batchUpdate",
            body={"data": data, "valueInputOption": value_input},
        )

    def batch(self, requests: list[dict[str, Any]]) -> Any:
        return self.client.request(
            "POST", f"{self.base()}:batchUpdate", body={"requests": requests}
        )

    # -- n8n's GoogleSheet helpers ---------------------------------------------------------

    def rows_for(
        self, items: Sequence[Mapping[str, Any]], a1: str, key_row: int, path: bool
    ) -> list[list[str]]:
        """The items as rows in the order of the key row's columns."""
        sheet, cells = _split(a1)
        parts = cells.split(":")
        start = re.sub(r"\d+$", "", parts[0])
        end = re.sub(r"\d+$", "", parts[1] if len(parts) > 1 else parts[0])
        header = self.get(
            _join(sheet, f"{start}{key_row + 1}:{end}{key_row + 1}"), "UNFORMATTED_VALUE"
        )
        if header is None:
            raise NodeExecutionError("Could not retrieve the column data!", node=self.node)
        keys = header[0] if header else []
        rows: list[list[str]] = []
        for item in items:
            row: list[str] = []
            for key in keys:
                name = _js(key)
                value = _get_path(item, name) if path else item.get(name)
                row.append("" if value is None else _js(value))
            rows.append(row)
        return rows

    def append_items(
        self,
        items: Sequence[Mapping[str, Any]],
        a1: str,
        key_row: int,
        value_input: str,
        path: bool,
    ) -> Any:
        return self.append(a1, self.rows_for(items, a1, key_row, path), value_input)

    def update_items(
        self,
        items: Sequence[Mapping[str, Any]],
        key: str,
        a1: str,
        key_row: int,
        data_start: int,
        value_input: str,
        render: str,
        upsert: bool,
    ) -> Any:
        sheet, full = _split(a1)
        halves = full.split(":")
        pattern = r"([a-zA-Z]{1,10})([0-9]{0,10})"
        first = re.search(pattern, halves[0])
        last = re.search(pattern, halves[1]) if len(halves) > 1 else None
        if first is None or last is None:
            raise NodeExecutionError(f'The range "{a1}" is not valid.', node=self.node)
        start_col, start_row = first.group(1), first.group(2)
        end_col, end_row = last.group(1), last.group(2)
        header = self.get(_join(sheet, f"{start_col}{key_row + 1}:{end_col}{key_row + 1}"), render)
        if header is None:
            raise NodeExecutionError("Could not retrieve the key row!", node=self.node)
        order = [_js(k) for k in header[0]]
        if key not in order:
            raise NodeExecutionError(f'Could not find column for key "{key}"!', node=self.node)
        key_col = _col_letters(_col_index(start_col) + order.index(key))
        column = self.get(
            _join(sheet, f"{key_col}{start_row or data_start}:{key_col}{end_row}"), render
        )
        if column is None:
            raise NodeExecutionError("Could not retrieve the key column!", node=self.node)
        lookup = [row[0] if row else None for row in column[1:]]
        updates: list[dict[str, Any]] = []
        for item in items:
            wanted = item.get(key)
            found = next(
                (i for i, v in enumerate(lookup) if wanted is not None and _strict_eq(v, wanted)),
                None,
            )
            if found is None:
                if upsert:
                    self.append_items([item], a1, key_row, value_input, False)
                continue
            row_number = found + data_start + 1
            for name in order:
                if name == key or item.get(name) is None:
                    continue
                col = _col_letters(_col_index(start_col) + order.index(name))
                updates.append(
                    {"range": _join(sheet, f"{col}{row_number}"), "values": [[item[name]]]}
                )
        return self.batch_values(updates, value_input)


def _structure(
    data: list[list[Any]], start: int, keys: list[Any], add_empty: bool = False
) -> list[dict[str, Any]]:
    """n8n's structureData: cells under a truthy key, empty rows left out."""
    out: list[dict[str, Any]] = []
    for row in data[start:]:
        entry: dict[str, Any] = {}
        for j, value in enumerate(row):
            if j < len(keys) and _truthy_key(keys[j]):
                entry[_js(keys[j])] = value
        if entry or add_empty:
            out.append(entry)
    return out


def _by_column(data: list[list[Any]], key_row: int, data_start: int) -> list[dict[str, Any]]:
    if key_row < 0 or data_start < key_row or key_row >= len(data):
        return []
    return _structure(data, data_start, list(data[key_row]))


def _lookup(
    data: list[list[Any]],
    key_row: int,
    data_start: int,
    lookups: list[tuple[str, Any, int]],
    all_matches: bool,
    node: str,
) -> list[tuple[dict[str, Any], int]]:
    if key_row < 0 or data_start < key_row or key_row >= len(data):
        raise NodeExecutionError("The key row does not exist!", node=node)
    keys = list(data[key_row])
    names = [_js(k) for k in keys]
    rows = [list(r) + [""] * (len(keys) - len(r)) for r in data]
    out: list[tuple[dict[str, Any], int]] = []
    for column, value, index in lookups:
        if column not in names:
            raise NodeExecutionError(f'The column "{column}" could not be found!', node=node)
        col = names.index(column)
        matched = False
        for row in rows[data_start:]:
            if col < len(row) and row[col] is not None and _js(row[col]) == _js(value):
                out.extend((e, index) for e in _structure([row], 0, keys, True))
                matched = True
                if not all_matches:
                    break
        if not matched and not all_matches:
            out.append(({}, index))
    return out


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value).strip()) if value not in (None, "") else default
    except ValueError:
        return default


def _sheet_id(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


def _hex_rgb(color: str, node: str) -> dict[str, float]:
    found = re.fullmatch(r"#?([a-fA-F\d]{2})([a-fA-F\d]{2})([a-fA-F\d]{2})", color.strip())
    if not found:
        raise NodeExecutionError(f"Invalid tab color {color!r}", node=node)
    red, green, blue = (int(g, 16) / 255 for g in found.groups())
    return {"red": red, "green": green, "blue": blue}


def _reason(exc: HetumindError) -> str:
    return exc.reason if isinstance(exc, NodeExecutionError) else exc.message


def _once(
    ctx: NodeContext, items: list[dict[str, Any]], client: ServiceClient, operation: str
) -> list[tuple[dict[str, Any], int]] | None:
    """Operations that run once with item 0's parameters; None: pass the input on."""
    p = Params(ctx, 0, items[0])
    book = _Book(client, p.text("sheetId"), ctx.node_name)
    options = p.collection("options")
    value_input = str(options.get("valueInputMode") or "RAW")
    render = str(options.get("valueRenderMode") or "UNFORMATTED_VALUE")
    a1 = "" if operation == "delete" else p.text("range", "A:F")
    jsons = [dict(i.get("json") or {}) for i in items]
    if operation == "append":
        book.append_items(
            jsons,
            a1,
            _int(p.get("keyRow", 0), 0),
            value_input,
            bool(options.get("usePathForKeyRow")),
        )
        return None
    if operation == "clear":
        book.clear(a1)
        return None
    if operation == "delete":
        requests: list[dict[str, Any]] = []
        spec = p.get("toDelete", {}) or {}
        for name, dimension in (("columns", "COLUMNS"), ("rows", "ROWS")):
            for entry in (spec.get(name) or []) if isinstance(spec, Mapping) else []:
                start = _int(entry.get("startIndex", 0), 0)
                requests.append(
                    {
                        "deleteDimension": {
                            "range": {
                                "sheetId": _sheet_id(entry.get("sheetId")),
                                "dimension": dimension,
                                "startIndex": start,
                                "endIndex": start + _int(entry.get("amount", 1), 1),
                            }
                        }
                    }
                )
        book.batch(requests)
        return None
    if operation in ("update", "upsert"):
        if p.get("rawData", False):
            prop = p.text("dataProperty", "data") or "data"
            data = [{"range": a1, "values": j.get(prop)} for j in jsons]
            book.batch_values(data, value_input)
        else:
            book.update_items(
                jsons,
                p.text("key", "id"),
                a1,
                _int(p.get("keyRow", 0), 0),
                _int(p.get("dataStartRow", 1), 1),
                value_input,
                render,
                operation == "upsert",
            )
        return None
    sheet_data = book.get(a1, render)
    keep_going = bool(options.get("continue"))
    if operation == "lookup":
        if sheet_data is None:
            return []
        lookups = [
            (
                Params(ctx, i, item).text("lookupColumn"),
                Params(ctx, i, item).get("lookupValue", ""),
                i,
            )
            for i, item in enumerate(items)
        ]
        all_matches = bool(options.get("returnAllMatches"))
        found = _lookup(
            sheet_data,
            _int(p.get("keyRow", 0), 0),
            _int(p.get("dataStartRow", 1), 1),
            lookups,
            all_matches,
            ctx.node_name,
        )
        if not found and keep_going and all_matches:
            return [({}, 0)]
        if len(found) == 1 and not found[0][0] and not keep_going and not all_matches:
            return []
        return found
    # read
    rows: list[dict[str, Any]]
    if sheet_data is None:
        rows = []
    elif p.get("rawData", False):
        rows = [{p.text("dataProperty", "data") or "data": sheet_data}]
    else:
        rows = _by_column(
            sheet_data, _int(p.get("keyRow", 0), 0), _int(p.get("dataStartRow", 1), 1)
        )
    if not rows and keep_going:
        rows = [{}]
    return [(r, 0) for r in rows]


def _each(
    ctx: NodeContext,
    items: list[dict[str, Any]],
    client: ServiceClient,
    resource: str,
    operation: str,
) -> list[tuple[dict[str, Any], int]]:
    """Operations that call once per item (sheet create / remove, spreadsheet create)."""
    out: list[tuple[dict[str, Any], int]] = []
    for i, item in enumerate(items):
        p = Params(ctx, i, item)
        try:
            if resource == "spreadsheet":
                options = p.collection("options")
                props: dict[str, Any] = {"title": p.text("title")}
                for name in ("autoRecalc", "locale"):
                    if options.get(name):
                        props[name] = options[name]
                sheets_ui = p.get("sheetsUi", {}) or {}
                sheets = [
                    {"properties": s["propertiesUi"]}
                    for s in (
                        sheets_ui.get("sheetValues") or [] if isinstance(sheets_ui, Mapping) else []
                    )
                    if isinstance(s, Mapping) and s.get("propertiesUi")
                ]
                answer = client.request(
                    "POST", "v4/spreadsheets", body={"properties": props, "sheets": sheets}
                )
                out.append((dict(answer or {}), i))
                continue
            book = _Book(client, p.text("sheetId"), ctx.node_name)
            if operation == "create":
                properties = p.collection("options")
                if properties.get("tabColor"):
                    properties["tabColor"] = _hex_rgb(str(properties["tabColor"]), ctx.node_name)
                answer = dict(book.batch([{"addSheet": {"properties": properties}}]) or {})
                if Params(ctx, 0, items[0]).get("simple", True):
                    replies = answer.pop("replies", None) or [{}]
                    answer.update((replies[0].get("addSheet") or {}).get("properties") or {})
                out.append((answer, i))
            else:
                answer = dict(
                    book.batch([{"deleteSheet": {"sheetId": _sheet_id(p.get("id"))}}]) or {}
                )
                answer.pop("replies", None)
                out.append((answer, i))
        except HetumindError as exc:
            out.append((item_error(ctx, i, _reason(exc), stop=exc), i))
    return out


def run_v1(ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
    """Google Sheets 1 and 2 on the node's input."""
    batch = inputs[0] if inputs else ItemBatch.empty()
    items = batch.to_items()
    if not items:
        return [ItemBatch.empty()]
    resource = str(ctx.param("resource", 0, "sheet") or "sheet")
    operation = str(ctx.param("operation", 0, "read" if resource == "sheet" else "create"))
    sheet_ops = ("append", "clear", "delete", "lookup", "read", "update", "upsert")
    if not (
        (resource == "sheet" and operation in (*sheet_ops, "create", "remove"))
        or (resource == "spreadsheet" and operation == "create")
    ):
        raise NodeExecutionError(
            f'The operation "{operation}" of resource "{resource}" is not supported by '
            "Hetumind's Google Sheets node",
            node=ctx.node_name,
        )
    try:
        client = ServiceClient(ctx, _service(ctx.type_version))
    except HetumindError as exc:
        raise NodeExecutionError(_reason(exc), node=ctx.node_name) from None
    if resource == "spreadsheet" or operation in ("create", "remove"):
        try:
            out = _each(ctx, items, client, resource, operation)
        except NodeApiError:
            raise
        except NodeExecutionError:
            raise
        except HetumindError as exc:
            raise NodeExecutionError(_reason(exc), node=ctx.node_name) from None
    else:
        try:
            result = _once(ctx, items, client, operation)
        except HetumindError as exc:
            stop = exc if isinstance(exc, NodeExecutionError) else None
            return [batch_error(ctx, _reason(exc), stop=stop)]
        if result is None:
            return [batch]
        out = result
    return [ItemBatch.from_json([o for o, _ in out], paired=[i for _, i in out])]
