"""Airtable version 1's operations (append, delete, list, read, update): n8n's AirtableV1
shapes. Items are sent in bulk (options.bulkSize, default 10) as n8n does: the rows of
several items go in one request, whose records pair with the item that completed it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hetumind.integrations import Cursor, Operation, Params
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.paging import collect

__all__ = ["V1_DEPRECATED", "V1_OPERATIONS"]

V1_DEPRECATED = (
    "The API Key connection was deprecated by Airtable, please use Access Token or OAuth2 instead."
)


def _endpoint(p: Params) -> str:
    application = p.ctx.param("application", 0, "")
    table = p.ctx.param("table", 0, "")
    app = application.get("value") if isinstance(application, dict) else application
    tab = table.get("value") if isinstance(table, dict) else table
    # n8n: the table name goes through encodeURI (spaces and unicode escaped, '/' kept)
    return f"{app}/{quote(str(tab or ''), safe='/')}"


def _bulk(p: Params) -> int:
    options = p.collection("options")
    try:
        return int(options.get("bulkSize") or 10)
    except (TypeError, ValueError):
        return 10


def _flush_at(client: ServiceClient, p: Params, row: Any) -> list[Any] | None:
    """Collect `row`; the rows to send when this item completes a bulk (else None)."""
    rows: list[Any] = client.cache.setdefault("rows", [])
    rows.append(row)
    if len(rows) >= _bulk(p) or p.index == p.total - 1:
        client.cache["rows"] = []
        return rows
    return None


def _fields(p: Params, all_flag: str) -> dict[str, Any]:
    if p.get(all_flag, True):
        fields = {k: v for k, v in p.json.items() if k != "id"}
        ignore = str(p.collection("options").get("ignoreFields") or "")
        names = [f.strip() for f in ignore.split(",") if f.strip()]
        if all_flag == "updateAllFields" and names:
            fields = {k: v for k, v in p.json.items() if k not in names}
        return fields
    # a field the item lacks is undefined in n8n, which JSON leaves out
    return {name: p.json[name] for name in p.get("fields", []) or [] if name in p.json}


def _append(client: ServiceClient, p: Params) -> Any:
    rows = _flush_at(client, p, {"fields": _fields(p, "addAllFields")})
    if rows is None:
        return []
    body: dict[str, Any] = {"records": rows}
    if p.collection("options").get("typecast") is True:
        body = {"typecast": True, **body}
    return client.request("POST", _endpoint(p), body=body, item_index=p.index)["records"]


def _update(client: ServiceClient, p: Params) -> Any:
    rows = _flush_at(client, p, {"fields": _fields(p, "updateAllFields"), "id": p.text("id")})
    if rows is None:
        return []
    body = {"records": rows, "typecast": bool(p.collection("options").get("typecast"))}
    return client.request("PATCH", _endpoint(p), body=body, item_index=p.index)["records"]


def _delete(client: ServiceClient, p: Params) -> Any:
    rows = _flush_at(client, p, p.text("id"))
    if rows is None:
        return []
    answer = client.request("DELETE", _endpoint(p), qs={"records": rows}, item_index=p.index)
    return answer["records"]


def _read(client: ServiceClient, p: Params) -> Any:
    return client.request("GET", f"{_endpoint(p)}/{p.text('id')}", item_index=p.index)


def _list(client: ServiceClient, p: Params) -> Any:
    qs: dict[str, Any] = {}
    for key, value in p.collection("additionalOptions").items():
        if key == "sort" and isinstance(value, dict) and "property" in value:
            qs[key] = value["property"]
        else:
            qs[key] = value
    endpoint = _endpoint(p)
    if p.ctx.param("returnAll", 0, True) is True:

        def fetch(page: Any) -> Any:
            return client.request("GET", endpoint, qs={**qs, **page.qs}, item_index=0)

        return collect(
            fetch, Cursor("offset", "offset", page_size_param="pageSize", page_size=100), "records"
        )
    qs["maxRecords"] = p.ctx.param("limit", 0, 100)
    return client.request("GET", endpoint, qs=qs, item_index=0)["records"]


V1_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("record", "append"): Operation(run=_append),
    ("record", "update"): Operation(run=_update),
    ("record", "delete"): Operation(run=_delete),
    ("record", "read"): Operation(run=_read),
    ("record", "list"): Operation(run=_list, once=lambda version: True),
}
