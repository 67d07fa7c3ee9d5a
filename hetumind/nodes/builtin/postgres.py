"""Postgres (n8n's Postgres node, versions 2 to 2.6): queries and table operations.

Parameters are read per item, turned into `Statement`s (quoted identifiers, bind values)
by hetumind.db.pg_sql, and run on the process's asyncpg pool by hetumind.db.pg_run with
n8n's query batching. Output follows n8n: returned rows as items, `{"success": true}` where
a write returns none, and `{"message", "item", "error"}` items for failures under onError
continue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from hetumind.asyncbridge import run_sync
from hetumind.capabilities import CapabilityDenied, capabilities_of, pin_host
from hetumind.db.pg_pool import PgTarget
from hetumind.db.pg_run import ConnectionFailed, ItemOutcome, ItemQuery, fetch, run_queries
from hetumind.db.pg_sql import (
    TABLE_COLUMNS,
    Condition,
    SqlError,
    Statement,
    is_select_query,
    split_statements,
)
from hetumind.db.pg_sql import delete_table as delete_statement
from hetumind.db.pg_sql import insert as insert_statement
from hetumind.db.pg_sql import row_exists as row_exists_statement
from hetumind.db.pg_sql import select as select_statement
from hetumind.db.pg_sql import update as update_statement
from hetumind.db.pg_sql import upsert as upsert_statement
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string, json_stringify
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.builtin.set_fields import resolve_raw_data
from hetumind.nodes.item_wise import item_error

OPERATIONS = ("deleteTable", "executeQuery", "insert", "select", "update", "upsert")
_RESOLVABLE = re.compile(r"{{[\s\S]*?}}")


class PostgresParams(NodeParams):
    operation: str = "insert"


class ItemError(Exception):
    """A problem with one item's parameters or data (n8n's NodeOperationError)."""


@node(
    "postgres",
    versions=[2, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6],
    display_name="Postgres",
    params=PostgresParams,
    fusible=False,
)
class Postgres(Node):
    """Runs SQL queries and table operations on PostgreSQL."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if not len(batch):
            return [ItemBatch.empty()]
        operation = str(ctx.param("operation", 0, "insert"))
        if operation not in OPERATIONS:
            raise NodeExecutionError(
                f'The operation "{operation}" is not supported!', node=ctx.node_name
            )
        credential = ctx.credentials("postgres")
        if not credential:
            raise NodeExecutionError(
                'Node does not have any credentials set for "postgres"', node=ctx.node_name
            )
        options = _mapping(ctx.param("options", 0, {}))
        target = PgTarget.from_credential(credential, float(options.get("connectionTimeout") or 30))
        try:
            where = f"node {ctx.node_name!r}"
            pinned = pin_host(capabilities_of(ctx), target.host, target.port, what=where)
        except CapabilityDenied as exc:
            raise NodeExecutionError(exc.message, node=ctx.node_name) from None
        target = replace(target, host=pinned)
        rows = _rows(batch, bool(options.get("replaceEmptyStrings")), operation)
        run = _Run(ctx, target, rows, operation)
        try:
            built = run.build()
            outcomes = run_sync(
                run_queries(
                    target,
                    [q for q in built if isinstance(q, ItemQuery)],
                    str(options.get("queryBatching") or "single"),
                    large_numbers=options.get("largeNumbersOutput") == "numbers",
                )
            )
        except ConnectionFailed as exc:
            item_error(ctx, None, str(exc))  # stops unless onError continues
            return [_error_items(rows, range(len(rows)), str(exc))]
        batching = str(options.get("queryBatching") or "single")
        return [run.output(built, outcomes, batching)]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _rows(batch: ItemBatch, replace_empty: bool, operation: str) -> list[dict[str, Any]]:
    rows = batch.to_json()
    if replace_empty and operation in ("insert", "update", "upsert", "executeQuery"):
        rows = [{k: (None if v == "" else v) for k, v in row.items()} for row in rows]
    return rows


def _error_items(
    rows: Sequence[dict[str, Any]], items: Sequence[int] | range, message: str
) -> ItemBatch:
    out = [{"message": message, "item": rows[i], "error": message} for i in items]
    return ItemBatch.from_json(out, paired=list(items))


class _Run:
    """One node run: reads parameters per item and shapes the results."""

    def __init__(
        self, ctx: NodeContext, target: PgTarget, rows: list[dict[str, Any]], operation: str
    ) -> None:
        self.ctx = ctx
        self.target = target
        self.rows = rows
        self.operation = operation
        self.version = ctx.type_version
        self._schemas: dict[tuple[str, str], list[dict[str, Any]]] = {}

    # building ---------------------------------------------------------------------------
    def build(self) -> list[ItemQuery | ItemError]:
        """Each item's statements, or the error its parameters gave (raised unless onError
        continues, so a bad item stops the run before anything is sent)."""
        builder: Callable[[int], list[Statement]] = getattr(self, f"_{self.operation}")
        built: list[ItemQuery | ItemError] = []
        for i in range(len(self.rows)):
            try:
                statements = builder(i)
            except (ItemError, SqlError, HetumindError) as exc:
                message = exc.message if isinstance(exc, HetumindError) else str(exc)
                item_error(self.ctx, i, message)  # stops unless onError continues
                built.append(ItemError(message))
                continue
            text = (
                statements[0].sql if len(statements) == 1 else ";".join(s.sql for s in statements)
            )
            built.append(ItemQuery(i, statements, text))
        return built

    def _param(self, name: str, i: int, default: Any = None) -> Any:
        return self.ctx.param(name, i, default)

    def _table(self, i: int) -> tuple[str, str]:
        schema = _locator(self._param("schema", i, "public")) or "public"
        table = _locator(self._param("table", i, ""))
        if not table:
            raise ItemError("parameter 'table' is empty: choose the table to work on")
        return schema, table

    def _output_columns(self, i: int) -> list[str]:
        columns = _mapping(self._param("options", i, {})).get("outputColumns", ["*"])
        return [str(c) for c in columns] if isinstance(columns, list) else [str(columns)]

    def _executeQuery(self, i: int) -> list[Statement]:
        query = self._query_text(i)
        values = self._query_values(i)
        options = _mapping(self._param("options", i, {}))
        replacement = _mapping(self.ctx.raw_parameters.get("options")).get("queryReplacement")
        if not replacement or options.get("treatQueryParametersInSingleQuotesAsText"):
            for literal in re.findall(r"'\$[0-9]+'", query):
                values.append(literal.strip("'"))
                query = query.replace(literal, f"${len(values)}", 1)
        if not query.strip():
            raise ItemError("parameter 'query' is empty")
        return split_statements(query, values)

    def _query_text(self, i: int) -> str:
        raw = self.ctx.raw_parameters.get("query", "")
        if isinstance(raw, str) and not raw.startswith("=") and "{{" in raw:
            # n8n resolves {{ }} in the query even without the = prefix.
            return resolve_raw_data(raw, lambda e: self.ctx.evaluate(e, i, "query"))
        return js_string(self._param("query", i, ""))

    def _query_values(self, i: int) -> list[Any]:
        """options.queryReplacement as n8n reads it: comma-separated text, one value per
        {{ }} (a JSON value stays whole), or an expression giving an array."""
        value = _mapping(self._param("options", i, {})).get("queryReplacement", "")
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = js_string(value)
        if isinstance(value, list):
            return list(value)
        if not isinstance(value, str):
            raise ItemError(
                "Query Parameters must be a string of comma-separated values or an array of values"
            )
        raw = _mapping(self.ctx.raw_parameters.get("options")).get("queryReplacement")
        if not raw or not isinstance(raw, str):
            return []
        text = raw.lstrip("=")
        resolvables = _RESOLVABLE.findall(text)
        if self.version >= 2.5:
            if not resolvables:
                return _split_values(text)
            out: list[Any] = []
            for resolvable in resolvables:
                rendered = _rendered(self.ctx.evaluate("=" + resolvable, i, "queryReplacement"))
                out.extend([rendered] if _is_json(rendered) else _split_values(rendered))
            return out
        values: list[Any] = []
        for part in _split_values(text):
            found = _RESOLVABLE.findall(part)
            if not found:
                values.append(part)
            for resolvable in found:
                values.append(self.ctx.evaluate("=" + resolvable, i, "queryReplacement"))
        return values

    def _item_values(self, i: int, match_legacy: bool = False) -> dict[str, Any]:
        """The row to write: the input item (auto-map) or the mapped columns."""
        if self.version < 2.2:
            mode = self._param("dataMode", i, "autoMapInputData")
        else:
            mode = _mapping(self._param("columns", i, {})).get("mappingMode", "defineBelow")
        if mode == "autoMapInputData":
            return dict(self.rows[i])
        if mode != "defineBelow":
            raise ItemError(f"unknown data mode {mode!r}")
        if self.version < 2.2:
            entries = _mapping(self._param("valuesToSend", i, {})).get("values") or []
            item = {str(e.get("column")): e.get("value") for e in entries if isinstance(e, dict)}
            if match_legacy:
                item[str(self._param("columnToMatchOn", i, ""))] = self._param("valueToMatchOn", i)
            return item
        value = _mapping(self._param("columns", i, {})).get("value")
        return dict(value) if isinstance(value, Mapping) else {}

    def _match_columns(self, i: int) -> list[str]:
        if self.version < 2.2:
            return [str(self._param("columnToMatchOn", i, ""))]
        columns = _mapping(self._param("columns", i, {})).get("matchingColumns") or []
        return [str(c) for c in (columns if isinstance(columns, list) else [columns])]

    def _checked(self, i: int, schema: str, table: str, item: dict[str, Any]) -> dict[str, Any]:
        """n8n's checks against the table's columns; arrays for array columns."""
        columns = self._schemas.get((schema, table))
        if columns is None:
            columns = run_sync(fetch(self.target, TABLE_COLUMNS, schema, table))
            self._schemas[(schema, table)] = columns
        if not columns:
            return item  # no such table: the database says so when the statement runs
        info = {c["column_name"]: c for c in columns}
        out = dict(item)
        for key, value in item.items():
            column = info.get(key)
            if column is None:
                raise ItemError(f"Column '{key}' does not exist in selected table")
            nullable = column["is_nullable"] == "YES"
            if value is None and not nullable:
                raise ItemError(f"Column '{key}' is not nullable")
            if column["data_type"] == "ARRAY" and isinstance(value, str):
                out[key] = _json_array(value)
        return out

    def _insert(self, i: int) -> list[Statement]:
        schema, table = self._table(i)
        item = self._checked(i, schema, table, self._item_values(i))
        options = _mapping(self._param("options", i, {}))
        if not item and self.version < 2.6:
            raise ItemError("there are no columns to insert")
        return [
            insert_statement(
                schema,
                table,
                item,
                output_columns=self._output_columns(i),
                skip_on_conflict=bool(options.get("skipOnConflict")),
            )
        ]

    def _update(self, i: int) -> list[Statement]:
        schema, table = self._table(i)
        match = self._match_columns(i)
        item = self._item_values(i, match_legacy=True)
        if self.version < 2.2 and not item.get(match[0]):
            raise ItemError(
                "Column to match on not found in input item. Add a column to match on or set "
                "the 'Data Mode' to 'Define Below' to define the value to match on."
            )
        if self.version >= 2.2:
            self._require_row(schema, table, {c: item.get(c) for c in match})
        item = self._checked(i, schema, table, item)
        if not [c for c in item if c not in match]:
            raise ItemError(
                "Add values to update to the input item or set the 'Data Mode' to "
                "'Define Below' to define the values to update."
            )
        for column in match:
            item.setdefault(column, None)
        return [
            update_statement(schema, table, item, match, output_columns=self._output_columns(i))
        ]

    def _require_row(self, schema: str, table: str, match: dict[str, Any]) -> None:
        stmt = row_exists_statement(schema, table, match)
        found = run_sync(fetch(self.target, stmt.sql, *stmt.values))
        if not found or not found[0].get("exists"):
            pairs = ", ".join(f"{c}={js_string(v)}" for c, v in match.items())
            raise ItemError(
                "The row you are trying to update doesn't exist: no rows matching the provided "
                f'values ({pairs}) were found in the table "{table}".'
            )

    def _upsert(self, i: int) -> list[Statement]:
        schema, table = self._table(i)
        match = self._match_columns(i)
        item = self._item_values(i, match_legacy=True)
        if not match or not item.get(match[0]):
            raise ItemError(
                "Column to match on not found in input item. Add a column to match on or set "
                "the 'Data Mode' to 'Define Below' to define the value to match on."
            )
        if len(item) == 1:
            raise ItemError(
                "Add values to update or insert to the input item or set the 'Data Mode' to "
                "'Define Below' to define the values to insert or update."
            )
        item = self._checked(i, schema, table, item)
        return [
            upsert_statement(schema, table, item, match, output_columns=self._output_columns(i))
        ]

    def _conditions(self, i: int) -> tuple[list[Condition], str]:
        entries = _mapping(self._param("where", i, {})).get("values") or []
        conditions = [
            Condition(str(e.get("column", "")), str(e.get("condition", "equal")), e.get("value"))
            for e in entries
            if isinstance(e, dict)
        ]
        return conditions, str(self._param("combineConditions", i, "AND"))

    def _select(self, i: int) -> list[Statement]:
        schema, table = self._table(i)
        where, combine = self._conditions(i)
        rules = _mapping(self._param("sort", i, {})).get("values") or []
        sort = [(str(r.get("column", "")), str(r.get("direction", "ASC"))) for r in rules]
        limit = None
        if not self._param("returnAll", i, False):
            limit = _whole_number(self._param("limit", i, 50), "limit")
        return [
            select_statement(
                schema,
                table,
                output_columns=self._output_columns(i),
                where=where,
                combine=combine,
                sort=sort,
                limit=limit,
            )
        ]

    def _deleteTable(self, i: int) -> list[Statement]:
        schema, table = self._table(i)
        where, combine = self._conditions(i)
        options = _mapping(self._param("options", i, {}))
        return [
            delete_statement(
                schema,
                table,
                str(self._param("deleteCommand", i, "truncate")),
                cascade=bool(options.get("cascade")),
                restart_sequences=bool(self._param("restartSequences", i, False)),
                where=where,
                combine=combine,
            )
        ]

    # output -----------------------------------------------------------------------------
    def output(
        self, built: list[ItemQuery | ItemError], outcomes: list[ItemOutcome], batching: str
    ) -> ItemBatch:
        by_item = {o.item: o for o in outcomes}
        queries = [q for q in built if isinstance(q, ItemQuery)]
        failed = next((o for o in outcomes if o.error is not None), None)
        if failed is not None:  # stops unless onError continues
            item_error(self.ctx, failed.item, str(failed.error))
        if batching == "single" and failed is not None:
            message = str(failed.error)
            return ItemBatch.from_json(
                [{"message": message, "error": message}], paired=[failed.item]
            )
        rows: list[dict[str, Any]] = []
        paired: list[int] = []
        for i, entry in enumerate(built):
            if isinstance(entry, ItemError):
                rows.append({"message": str(entry), "item": self.rows[i], "error": str(entry)})
                paired.append(i)
                continue
            outcome = by_item.get(i)
            if outcome is None:
                continue  # after a failed transaction: never ran
            if outcome.error is not None:
                rows.append(
                    {"message": outcome.error, "item": self.rows[i], "error": outcome.error}
                )
                paired.append(i)
                continue
            result = outcome.rows
            if not result and batching != "single":
                result = self._empty_result(entry.text)
            rows.extend(result)
            paired.extend([i] * len(result))
        if batching == "single" and not any(o.rows for o in outcomes) and queries:
            empty = self._empty_result(*(q.text for q in queries))
            rows.extend(empty)
            paired.extend([queries[0].item] * len(empty))
        return ItemBatch.from_json(rows, paired=paired)

    def _empty_result(self, *texts: str) -> list[dict[str, Any]]:
        """n8n's output for statements that returned no rows."""
        if self.version < 2.3:
            return [] if self.operation == "select" else [{"success": True}]
        return [] if all(is_select_query(t) for t in texts) else [{"success": True}]


def _locator(value: Any) -> str:
    """A resource locator's value ({"__rl": true, "mode": ..., "value": ...}) or a plain name."""
    if isinstance(value, Mapping):
        value = value.get("value", "")
    return "" if value is None else js_string(value)


def _split_values(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part]


def _rendered(value: Any) -> str:
    """n8n's evaluateExpression helper: the value as text for the comma split."""
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return json_stringify(value)
    return js_string(value)


def _is_json(text: str) -> bool:
    try:
        json.loads(text.strip())
    except ValueError:
        return False
    return True


def _json_array(text: str) -> Any:
    """A JSON list given as text for an array column; other text goes as it is (a literal
    like '{1,2}', which the server parses)."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, list) else text


def _whole_number(value: Any, name: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ItemError(f"parameter '{name}' must be a number, got {value!r}") from None
    if not number.is_integer() or number < 0:
        raise ItemError(f"parameter '{name}' must be a whole number, got {value!r}")
    return int(number)


PostgresTool = as_tool(Postgres)
"""n8n's Postgres as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
