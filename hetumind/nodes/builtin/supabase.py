"""Supabase (n8n `supabase` 1): rows of a table over Supabase's REST API (PostgREST at
`<host>/rest/v1/<table>`), with the supabaseApi credential (`host`, `serviceRole`: sent
as both the `apikey` header and the bearer token, as n8n's credential does).

Row operations (n8n's values): create (every item in one POST, `dataToSend` defineBelow
(`fieldsUi.fieldValues`) or autoMapInputData (`inputsToIgnore`)), delete, get (`filters.
conditions` as `eq.` filters), getAll (`returnAll` follows `offset` while a page is full,
1000 rows as Supabase's max-rows; else `limit`, default 50) and update. Delete, getAll and
update filter with `filterType` manual (`filters.conditions`: keyName, condition eq / neq
/ gt / gte / lt / lte / like / ilike / is / fullText with searchFunction fts / plfts /
phfts / wfts, keyValue; `matchType` anyFilter as `or=(...)`, allFilters as one filter per
column, or `and=(...)` for getAll, as n8n builds them) or string (`filterString`, a
PostgREST query string). Every request asks `Prefer: return=representation`, so items
are the rows PostgREST returns. `useCustomSchema` + `schema` send Accept-Profile (reads)
or Content-Profile (writes). See docs/nodes/supabase.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.http.request import RequestSpec
from hetumind.integrations import Params, Service, ServiceClient
from hetumind.integrations.auth import field
from hetumind.integrations.errors import NodeApiError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.item_wise import batch_error, item_error

__all__ = ["Supabase", "SupabaseTool"]

PAGE = 1000
"""n8n keeps asking for the next offset while a page has this many rows (Supabase's
default max-rows)."""

_URI_SAFE = ";,/?:@&=+$-_.!~*'()#"
"""What JavaScript's encodeURI leaves as it is (besides letters and digits)."""


@dataclasses.dataclass(frozen=True)
class _ServiceRole:
    """supabaseApi: `apikey: <serviceRole>` and `Authorization: Bearer <serviceRole>`."""

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec:
        key = field(data, "serviceRole", kind)
        return dataclasses.replace(
            spec,
            headers={**spec.headers, "apikey": key, "Authorization": f"Bearer {key}"},
            secret_names=spec.secret_names | {"apikey", "authorization"},
        )


SUPABASE = Service(
    name="Supabase",
    default_base_url="",
    credentials={"supabaseApi": _ServiceRole()},
)


def _text(value: Any) -> str:
    """A parameter value as n8n's template strings write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _term(condition: Mapping[str, Any], with_column: bool) -> str:
    """n8n's buildOrQuery (`col.op.value`) or buildQuery's value (`op.value`)."""
    op = _text(condition.get("condition"))
    if op == "fullText":
        op = _text(condition.get("searchFunction"))
    value = f"{op}.{_text(condition.get('keyValue'))}"
    return f"{_text(condition.get('keyName'))}.{value}" if with_column else value


def _conditions(p: Params) -> list[Mapping[str, Any]]:
    found = p.get("filters.conditions", []) or []
    return [c for c in found if isinstance(c, Mapping)] if isinstance(found, list) else []


def _required_conditions(p: Params) -> list[Mapping[str, Any]]:
    keys = _conditions(p)
    if not keys:
        raise NodeExecutionError(
            "At least one select condition must be defined",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    return keys


def _record(p: Params, mode: str) -> dict[str, Any]:
    """The row to send: the item's fields (less inputsToIgnore) or fieldsUi's."""
    if mode == "autoMapInputData":
        ignore = {k.strip() for k in p.text("inputsToIgnore", "").split(",")}
        return {k: v for k, v in p.json.items() if k not in ignore}
    fields = p.get("fieldsUi.fieldValues", []) or []
    return {
        _text(f.get("fieldId")): f.get("fieldValue")
        for f in (fields if isinstance(fields, list) else [])
        if isinstance(f, Mapping)
    }


class _Table:
    """Calls on one table, with the run's schema headers."""

    def __init__(self, ctx: NodeContext, client: ServiceClient, table: str) -> None:
        host = str(client.data.get("host") or "").rstrip("/")
        if not host:
            raise NodeExecutionError(
                "the 'supabaseApi' credential has no 'host'", node=ctx.node_name
            )
        self.ctx = ctx
        self.client = client
        self.url = f"{host}/rest/v1/{quote(table, safe='')}"
        self.schema = (
            _text(ctx.param("schema", 0, "public")) or "public"
            if ctx.param("useCustomSchema", 0, False)
            else None
        )

    def call(
        self,
        method: str,
        p: Params,
        *,
        qs: Mapping[str, Any] | None = None,
        body: Any = None,
        filter_string: str | None = None,
    ) -> Any:
        headers = {"Prefer": "return=representation"}
        if self.schema is not None:
            profile = "Accept-Profile" if method == "GET" else "Content-Profile"
            headers[profile] = self.schema
        url = self.url
        if filter_string is not None:
            url = f"{url}?{quote(filter_string, safe=_URI_SAFE)}"
        return self.client.request(
            method, url, qs=qs, body=body, headers=headers, item_index=p.index
        )

    def filters(self, p: Params, *, tree: str) -> tuple[dict[str, Any], str | None]:
        """Query and filter string of delete / update (`tree` "" for allFilters as one
        filter per column) or getAll (`tree` "and")."""
        kind = _first(p, "filterType")
        if kind == "string":
            return {}, p.text("filterString", "")
        if kind != "manual":
            return {}, None
        keys = _conditions(p) if tree else _required_conditions(p)
        if not keys:
            return {}, None
        match = _first(p, "matchType", "anyFilter")
        if match == "allFilters" and not tree:
            return {_text(k.get("keyName")): _term(k, False) for k in keys}, None
        name = "and" if match == "allFilters" else "or"
        return {name: f"({','.join(_term(k, True) for k in keys)})"}, None


def _first(p: Params, name: str, default: str = "manual") -> str:
    """A parameter n8n reads at item 0."""
    return _text(p.ctx.param(name, 0, default)) or default


def _rows(answer: Any) -> list[dict[str, Any]]:
    if isinstance(answer, list):
        return [dict(r) if isinstance(r, Mapping) else {"value": r} for r in answer]
    if isinstance(answer, Mapping):
        return [dict(answer)]
    return []


def _description(exc: HetumindError) -> str:
    """n8n puts the error's description in continueOnFail items (its message for get)."""
    if isinstance(exc, NodeApiError) and exc.description:
        return exc.description
    return exc.reason if isinstance(exc, NodeExecutionError) else exc.message


def _reason(exc: HetumindError) -> str:
    return exc.reason if isinstance(exc, NodeExecutionError) else exc.message


@node(
    "supabase",
    versions=[1],
    display_name="Supabase",
    description="Add, get, delete and update data in a table",
    fusible=False,
)
class Supabase(Node):
    """Add, get, delete and update data in a table."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        items = batch.to_items()
        if not items:
            return [ItemBatch.empty()]
        resource = _text(ctx.param("resource", 0, "row")) or "row"
        operation = _text(ctx.param("operation", 0, "create")) or "create"
        if resource != "row" or operation not in ("create", "delete", "get", "getAll", "update"):
            raise NodeExecutionError(
                f'The operation "{operation}" of resource "{resource}" is not supported by '
                "Hetumind's Supabase node",
                node=ctx.node_name,
            )
        ps = [Params(ctx, i, item, len(items)) for i, item in enumerate(items)]
        table_id = _text(ctx.param("tableId", 0, ""))
        if not table_id:
            raise NodeExecutionError("The parameter 'tableId' is required", node=ctx.node_name)
        try:
            client = ServiceClient(ctx, SUPABASE)
        except HetumindError as exc:
            raise NodeExecutionError(_reason(exc), node=ctx.node_name) from None
        table = _Table(ctx, client, table_id)
        out: list[tuple[dict[str, Any], int]] = []
        if operation == "create":
            mode = _first(ps[0], "dataToSend", "defineBelow")
            records = [_record(p, mode) for p in ps]
            try:
                created = _rows(table.call("POST", ps[0], body=records))
            except HetumindError as exc:
                stop = _node_error(exc, ctx)
                return [batch_error(ctx, _description(exc), stop=stop)]
            last = len(items) - 1
            out = [(row, min(i, last)) for i, row in enumerate(created)]
            return [ItemBatch.from_json([o for o, _ in out], paired=[i for _, i in out])]
        for p in ps:
            # n8n checks the conditions before its try: continueOnFail does not cover it
            if operation == "get" or (
                operation in ("delete", "update") and _first(p, "filterType") == "manual"
            ):
                _required_conditions(p)
            try:
                out.extend((row, p.index) for row in self._one(table, operation, p))
            except HetumindError as exc:
                text = _reason(exc) if operation == "get" else _description(exc)
                out.append((item_error(ctx, p.index, text, stop=_node_error(exc, ctx)), p.index))
        return [ItemBatch.from_json([o for o, _ in out], paired=[i for _, i in out])]

    @staticmethod
    def _one(table: _Table, operation: str, p: Params) -> list[dict[str, Any]]:
        if operation == "get":
            qs = {_text(k.get("keyName")): f"eq.{_text(k.get('keyValue'))}" for k in _conditions(p)}
            return _rows(table.call("GET", p, qs=qs))
        if operation == "delete":
            qs, text = table.filters(p, tree="")
            return _rows(table.call("DELETE", p, qs=qs, filter_string=text))
        if operation == "update":
            qs, text = table.filters(p, tree="")
            record = _record(p, _first(p, "dataToSend", "defineBelow"))
            return _rows(table.call("PATCH", p, qs=qs, body=record, filter_string=text))
        # getAll
        found, text = table.filters(p, tree="and")
        query: dict[str, Any] = dict(found)
        return_all = bool(p.ctx.param("returnAll", 0, False))
        limit = int(p.ctx.param("limit", 0, 50) or 50)
        if not return_all:
            query["limit"] = limit
        rows: list[dict[str, Any]] = []
        while True:
            page = _rows(table.call("GET", p, qs=query, filter_string=text))
            rows.extend(page)
            if len(page) < PAGE or (not return_all and len(rows) >= limit):
                break
            query["offset"] = len(rows)
        return rows if return_all else rows[:limit]


def _node_error(exc: HetumindError, ctx: NodeContext) -> NodeExecutionError:
    if isinstance(exc, NodeExecutionError):
        return exc
    return NodeExecutionError(_reason(exc), node=ctx.node_name)


SupabaseTool = as_tool(Supabase)
"""n8n's Supabase as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
