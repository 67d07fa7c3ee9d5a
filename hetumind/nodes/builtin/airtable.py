"""Airtable (n8n `airtable` 1-2.1): records (create, upsert, update, get, search, delete)
and bases (getMany, getSchema) over the Web API; version 1's operations are in
_airtable_v1.

Requests are n8n's: `https://api.airtable.com/v0/<base>/<table>[/<id>]` with a bearer
token (airtableTokenApi, the legacy airtableApi key, or airtableOAuth2Api), JSON bodies,
`offset` pagination with pageSize 100, updates in PATCH batches of 10, and n8n's item
shapes: search and get flatten a record's fields beside its id; create, update, upsert and
delete return the record as Airtable answers. Version 2 runs search once per node run,
2.1 once per item. options.downloadFields stores attachments as binary `<field>_<n>`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from hetumind.binary import put_binary
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import (
    Cursor,
    IntegrationNode,
    OAuth2,
    Operation,
    Params,
    Service,
    WithBinary,
    bearer,
)
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.operations import run_operations
from hetumind.integrations.paging import collect
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext, node
from hetumind.nodes.builtin._airtable_v1 import V1_DEPRECATED, V1_OPERATIONS
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["Airtable", "AirtableTool"]

AIRTABLE = Service(
    name="Airtable",
    default_base_url="https://api.airtable.com",
    base_url="{baseUrl}/v0",
    credentials={
        "airtableTokenApi": bearer("accessToken"),
        "airtableOAuth2Api": OAuth2(),
        "airtableApi": bearer("apiKey"),
    },
)

_BASE_URL = r"https://airtable.com/([a-zA-Z0-9]{2,})"
_TABLE_URL = r"https://airtable.com/[a-zA-Z0-9]{2,}/([a-zA-Z0-9]{2,})"
_PAGES = Cursor("offset", "offset", page_size_param="pageSize", page_size=100)


def _endpoint(p: Params) -> str:
    base = p.locator("base", _BASE_URL)
    table = p.locator("table", _TABLE_URL)
    return f"{quote(base, safe='')}/{quote(table, safe='')}"


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in record.items() if k != "fields"}
    return {**rest, **(record.get("fields") or {})}


def _ignored(fields: dict[str, Any], ignore: Any) -> dict[str, Any]:
    if not ignore:
        return fields
    names = [f.strip() for f in ignore.split(",")] if isinstance(ignore, str) else list(ignore)
    return {k: v for k, v in fields.items() if k not in names}


def _mapped_fields(p: Params) -> dict[str, Any]:
    """The columns resource mapper: the item's json (autoMapInputData) or the values set
    in the node (defineBelow)."""
    options = p.collection("options")
    if p.text("columns.mappingMode", "defineBelow") == "autoMapInputData":
        return _ignored(dict(p.json), options.get("ignoreFields"))
    value = p.get("columns.value", {})
    return dict(value) if isinstance(value, dict) else {}


def _all_records(client: ServiceClient, endpoint: str, qs: dict[str, Any], i: int) -> list[Any]:
    def fetch(page: Any) -> Any:
        return client.request("GET", endpoint, qs={**qs, **page.qs}, item_index=i)

    return collect(fetch, _PAGES, "records")


def _not_a_record(exc: NodeApiError, record_id: str) -> NodeApiError:
    # n8n's processAirtableError: an unknown id says so
    if record_id and (
        exc.description == "NOT_FOUND"
        or "You must provide an array of up to 10 record objects" in (exc.description or "")
    ):
        exc.description = f"{record_id} is not a valid Record ID"
    return exc


def _batch_update(
    client: ServiceClient, endpoint: str, body: dict[str, Any], records: list[Any], i: int
) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(records), 10):
        answer = client.request(
            "PATCH", endpoint, body={**body, "records": records[start : start + 10]}, item_index=i
        )
        out.extend(answer.get("records") or [])
    return out


def _matches(
    table: list[dict[str, Any]], keys: list[str], fields: dict[str, Any], every: bool, p: Params
) -> list[dict[str, Any]]:
    found = [r for r in table if all((r.get("fields") or {}).get(k) == fields.get(k) for k in keys)]
    if not found:
        raise NodeExecutionError(
            "No records match provided keys"
            if every
            else "Record matching provided keys was not found",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    return found if every else found[:1]


def _create(client: ServiceClient, p: Params) -> Any:
    body = {"typecast": bool(p.collection("options").get("typecast")), "fields": _mapped_fields(p)}
    return client.request("POST", _endpoint(p), body=body, item_index=p.index)


def _keys(p: Params) -> list[str]:
    keys = p.get("columns.matchingColumns", []) or []
    return [str(k) for k in keys]


def _update(client: ServiceClient, p: Params) -> Any:
    endpoint, options, keys = _endpoint(p), p.collection("options"), _keys(p)
    fields = _mapped_fields(p)
    records: list[dict[str, Any]] = []
    record_id = ""
    if "id" in keys:
        record_id = str(fields.pop("id", "") or "")
        records.append({"id": record_id, "fields": fields})
    else:
        # n8n reads the table once per node run, before the first item
        if "table" not in client.cache:
            client.cache["table"] = _all_records(client, endpoint, {"fields": keys}, p.index)
        table = client.cache["table"]
        drop = keys if p.text("columns.mappingMode", "defineBelow") == "defineBelow" else []
        for match in _matches(table, keys, fields, bool(options.get("updateAllMatches")), p):
            records.append({"id": match["id"], "fields": _ignored(fields, drop)})
    try:
        return _batch_update(
            client, endpoint, {"typecast": bool(options.get("typecast"))}, records, p.index
        )
    except NodeApiError as exc:
        raise _not_a_record(exc, record_id) from None


def _upsert(client: ServiceClient, p: Params) -> Any:
    endpoint, options, keys = _endpoint(p), p.collection("options"), _keys(p)
    fields = _mapped_fields(p)
    if "id" in keys:
        record: dict[str, Any] = {"id": fields.pop("id", None), "fields": fields}
    else:
        record = {"fields": fields}
    body: dict[str, Any] = {"typecast": bool(options.get("typecast"))}
    if "id" not in keys:
        body["performUpsert"] = {"fieldsToMergeOn": keys}
    try:
        return _batch_update(client, endpoint, body, [record], p.index)
    except NodeApiError as exc:
        if exc.http_code == 422 and "id" in keys:
            # no record has that id: create it
            answer = client.request(
                "POST", endpoint, body={**body, "records": [{"fields": fields}]}, item_index=p.index
            )
            return answer.get("records") or []
        if "Cannot update more than one record" in (exc.description or ""):
            formula = ",".join(f"{{{k}}} = '{fields.get(k)}'" for k in keys)
            found = _all_records(
                client, endpoint, {"fields": keys, "filterByFormula": f"AND({formula})"}, p.index
            )
            targets = found if options.get("updateAllMatches") else found[:1]
            return _batch_update(
                client,
                endpoint,
                body,
                [{"id": r["id"], "fields": fields} for r in targets],
                p.index,
            )
        raise


def _by_id(method: str, shape: Callable[[Any], Any]) -> Callable[[ServiceClient, Params], Any]:
    def run(client: ServiceClient, p: Params) -> Any:
        record_id = p.text("id")
        try:
            answer = client.request(
                method, f"{_endpoint(p)}/{quote(record_id, safe='')}", item_index=p.index
            )
        except NodeApiError as exc:
            raise _not_a_record(exc, record_id) from None
        return shape(answer)

    return run


def _get(client: ServiceClient, p: Params) -> Any:
    record = _by_id("GET", lambda answer: answer)(client, p)
    download = p.ctx.param("options.downloadFields", 0, None)  # n8n reads item 0's
    return _with_attachments(client, record, download, p) if download else _flatten(record)


def _search(client: ServiceClient, p: Params) -> Any:
    options = p.collection("options")
    qs: dict[str, Any] = {}
    if p.get("filterByFormula"):
        qs["filterByFormula"] = p.get("filterByFormula")
    fields = options.get("fields")
    if fields:
        qs["fields"] = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else fields
    sort = p.collection("sort").get("property")
    if sort:
        qs["sort"] = sort
    view = options.get("view")
    if view:
        qs["view"] = view.get("value") if isinstance(view, dict) else view
    endpoint = _endpoint(p)
    if p.get("returnAll", True) is True:
        records = _all_records(client, endpoint, qs, p.index)
    else:
        qs["maxRecords"] = p.get("limit", 100)
        records = client.request("GET", endpoint, qs=qs, item_index=p.index).get("records") or []
    download = options.get("downloadFields")
    if download:
        return [_with_attachments(client, r, download, p) for r in records]
    return [_flatten(r) for r in records]


def _with_attachments(client: ServiceClient, record: dict[str, Any], fields: Any, p: Params) -> Any:
    """n8n's downloadRecordAttachments: each attachment of the named fields as binary
    `<field>_<index>` (the request carries the credential, as n8n's does)."""
    names = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else list(fields)
    if not names:
        raise NodeExecutionError(
            "Specify field to download in 'Download Attachments' option",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    binary: dict[str, Any] = {}
    for name in names:
        for index, attachment in enumerate((record.get("fields") or {}).get(name) or []):
            response = client.request(
                "GET", str(attachment.get("url")), raw=True, item_index=p.index
            )
            binary[f"{name}_{index}"] = put_binary(
                response.content,
                mime_type=attachment.get("type") or None,
                file_name=attachment.get("filename"),
            )
    return WithBinary(_flatten(record), binary) if binary else _flatten(record)


def _message_and_error(exc: HetumindError) -> dict[str, Any]:
    # n8n's Airtable writes: {message, error} (the error object itself)
    message = exc.reason if isinstance(exc, NodeExecutionError) else exc.message
    error: dict[str, Any] = {"message": message}
    if isinstance(exc, NodeApiError):
        error.update(description=exc.description, httpCode=str(exc.http_code))
    return {"message": message, "error": error}


def _bases(client: ServiceClient, p: Params) -> Any:
    options = p.collection("options")

    def fetch(page: Any) -> Any:
        return client.request("GET", "meta/bases", qs=dict(page.qs), item_index=p.index)

    limit = None if p.get("returnAll", True) is True else int(p.get("limit", 100))
    bases = collect(fetch, Cursor("offset", "offset"), "bases", limit=limit)
    permission = options.get("permissionLevel")
    if permission:
        wanted = permission if isinstance(permission, list) else [permission]
        bases = [b for b in bases if b.get("permissionLevel") in wanted]
    return bases


def _schema(client: ServiceClient, p: Params) -> Any:
    base = quote(p.locator("base", _BASE_URL), safe="")
    return client.request("GET", f"meta/bases/{base}/tables", item_index=p.index).get("tables")


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("record", "create"): Operation(run=_create, error_json=_message_and_error),
    ("record", "update"): Operation(run=_update, error_json=_message_and_error),
    ("record", "upsert"): Operation(run=_upsert, error_json=_message_and_error),
    ("record", "get"): Operation(run=_get),
    ("record", "deleteRecord"): Operation(run=_by_id("DELETE", lambda answer: answer)),
    ("record", "search"): Operation(
        run=_search, once=lambda version: version < 2.1, error_json=_message_and_error
    ),
    ("base", "getMany"): Operation(run=_bases),
    ("base", "getSchema"): Operation(run=_schema),
}


@node("airtable", versions=[1, 2, 2.1], display_name="Airtable", fusible=False)
class Airtable(IntegrationNode):
    """Read, update, write and delete data from Airtable."""

    service = AIRTABLE
    operations = OPERATIONS
    default_resource = "record"
    default_operations = {"record": "get", "base": "getMany"}

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if ctx.type_version < 2:  # version 1: no resource, its own operations
            if ctx.param("authentication", 0, None) == "airtableApi":
                raise NodeExecutionError(V1_DEPRECATED, node=ctx.node_name)
            return run_operations(
                ctx, inputs, AIRTABLE, V1_OPERATIONS, "record", {"record": "read"}
            )
        return super().run(ctx, inputs)


AirtableTool = as_tool(Airtable)
"""n8n's Airtable as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
