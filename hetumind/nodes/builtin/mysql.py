"""MySQL (n8n's mySql node, versions 2 to 2.5, and 1 in _mysql_v1): queries and table
operations on MySQL or MariaDB.

The driver is PyMySQL: pure Python (no C client library to build), maintained, the one
SQLAlchemy documents first, and it escapes values on the client as mysql2 does, so the
text the server receives is the text n8n would send. It is synchronous, which suits a node
that runs in a task of its own (fusible=False); one connection per node run.

Statements are built by hetumind.nodes.builtin._mysql_sql the way n8n builds them, run in
n8n's three query-batching modes (single: one multi-statement query for all items;
independently: per item; transaction: per item inside one transaction, rolled back on the
first failure), and shaped as n8n shapes them: returned rows as items, `{"success": true}`
when nothing returned rows, `{"sql", "data"}` with options.detailedOutput.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pymysql
from pymysql.constants import CLIENT, FIELD_TYPE
from pymysql.converters import conversions, escape_item

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._mysql_sql import (
    Query,
    SqlInputError,
    escape_identifier,
    format_query,
    is_select,
    prepare_query,
    split_statements,
    where_clause,
)
from hetumind.nodes.builtin._mysql_v1 import js_date, run_v1
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.builtin._protocol import as_mapping, credential, pinned
from hetumind.nodes.builtin.set_fields import resolve_raw_data
from hetumind.nodes.item_wise import batch_error, item_error

OPERATIONS = ("deleteTable", "executeQuery", "insert", "select", "update", "upsert")
_RESOLVABLE = re.compile(r"{{[\s\S]*?}}")


class MySqlParams(NodeParams):
    operation: str = "insert"


class QueryFailed(Exception):
    """The server refused a statement; `message` is what n8n reports."""

    def __init__(self, message: str, item: int, sql: str = "", code: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.item = item
        self.sql = sql
        self.code = code


@node(
    "mySql",
    versions=[1, 2, 2.1, 2.2, 2.3, 2.4, 2.5],
    display_name="MySQL",
    params=MySqlParams,
    fusible=False,
)
class MySql(Node):
    """Runs SQL queries and table operations on MySQL and MariaDB."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if not len(batch):
            return [ItemBatch.empty()]
        operation = str(ctx.param("operation", 0, "insert"))
        if operation not in OPERATIONS:
            raise NodeExecutionError(
                f'The operation "{operation}" is not supported!', node=ctx.node_name
            )
        options = dict(as_mapping(ctx.param("options", 0, {})))
        if ctx.type_version < 2:
            return [self._v1(ctx, batch, options)]
        rows = batch.to_json()
        if options.get("replaceEmptyStrings"):
            rows = [{k: (None if v == "" else v) for k, v in r.items()} for r in rows]
        builder = _Builder(ctx, rows, options)
        try:
            queries = builder.build(operation)
        except (SqlInputError, HetumindError) as exc:
            message = exc.message if isinstance(exc, HetumindError) else str(exc)
            raise NodeExecutionError(
                message, node=ctx.node_name, item_index=builder.current
            ) from None
        conn = _connect(ctx, credential(ctx, "mySql"), options)
        try:
            return [_Runner(ctx, conn, rows, options).run(queries)]
        finally:
            conn.close()

    def _v1(self, ctx: NodeContext, batch: ItemBatch, options: Mapping[str, Any]) -> ItemBatch:
        conn = _connect(ctx, credential(ctx, "mySql"), options)
        try:
            runner = _Runner(ctx, conn, batch.to_json(), options)
            return run_v1(ctx, batch, runner.execute, _literal)
        except QueryFailed as exc:
            return batch_error(ctx, exc.message)
        finally:
            conn.close()


def _literal(value: Any) -> str:
    return str(escape_item(value, "utf8mb4"))


def _connect(
    ctx: NodeContext, cred: Mapping[str, Any], options: Mapping[str, Any]
) -> pymysql.connections.Connection[Any]:
    host = str(cred.get("host") or "localhost")
    port = int(cred.get("port") or 3306)
    address = pinned(ctx, host, port)
    conv = dict(conversions)
    if ctx.type_version >= 2.1:  # n8n sets mysql2's dateStrings from 2.1
        for field in (FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP, FIELD_TYPE.DATE):
            conv[field] = str
    for field in (FIELD_TYPE.TIME, FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL):
        conv[field] = str  # mysql2 gives DECIMAL and TIME as text
    timeout = float(cred.get("connectTimeout") or options.get("connectTimeout") or 10000)
    try:
        return pymysql.connect(
            host=address,
            port=port,
            user=str(cred.get("user") or ""),
            password=str(cred.get("password") or ""),
            database=str(cred.get("database") or "") or None,
            connect_timeout=max(1, int(timeout / 1000)),
            client_flag=CLIENT.MULTI_STATEMENTS,
            conv=conv,
            autocommit=True,
            charset="utf8mb4",
        )
    except pymysql.err.MySQLError as exc:
        raise NodeExecutionError(_error_text(exc), node=ctx.node_name) from None


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, pymysql.err.MySQLError) and len(exc.args) >= 2:
        code, text = exc.args[0], str(exc.args[1])
        if code == 2003 and "refused" in text.lower():
            return "Connection refused"
        return text
    return str(exc)


def _locator(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("value", "")
    return "" if value is None else js_string(value)


class _Builder:
    """Each item's query, read from its parameters as n8n's operations read them."""

    def __init__(
        self, ctx: NodeContext, rows: list[dict[str, Any]], options: Mapping[str, Any]
    ) -> None:
        self.ctx = ctx
        self.rows = rows
        self.options = options
        self.version = ctx.type_version
        self.current: int | None = None

    def p(self, name: str, i: int, default: Any = None) -> Any:
        self.current = i
        return self.ctx.param(name, i, default)

    def build(self, operation: str) -> list[Query]:
        if operation == "insert" and self._batching() == "single":
            return [self._insert_all()]
        method = getattr(self, f"_{operation}")
        return [method(i) for i in range(len(self.rows))]

    def _batching(self) -> str:
        return str(self.options.get("queryBatching") or "single")

    def _table(self, i: int) -> str:
        table = _locator(self.p("table", i, ""))
        if not table:
            raise SqlInputError("parameter 'table' is empty: choose the table to work on")
        return escape_identifier(table)

    def _item(self, i: int, match_legacy: bool = False) -> dict[str, Any]:
        """The row to write: n8n's `columns` mapper (mappingMode) or the older dataMode."""
        columns = as_mapping(self.ctx.raw_parameters.get("columns"))
        if "mappingMode" in columns:
            mapper = as_mapping(self.p("columns", i, {}))
            if mapper.get("mappingMode") == "autoMapInputData":
                return dict(self.rows[i])
            return dict(as_mapping(mapper.get("value")))
        mode = self.p("dataMode", i, "autoMapInputData")
        if mode == "autoMapInputData":
            return dict(self.rows[i])
        entries = as_mapping(self.p("valuesToSend", i, {})).get("values") or []
        item = {str(e.get("column")): e.get("value") for e in entries if isinstance(e, Mapping)}
        if match_legacy:
            item[self._match(i)[0]] = self.p("valueToMatchOn", i)
        return item

    def _match(self, i: int) -> list[str]:
        columns = as_mapping(self.ctx.raw_parameters.get("columns"))
        if "mappingMode" in columns:
            found = as_mapping(self.p("columns", i, {})).get("matchingColumns") or []
            return [str(c) for c in (found if isinstance(found, list) else [found])]
        return [str(self.p("columnToMatchOn", i, ""))]

    def _executeQuery(self, i: int) -> Query:
        raw = self.ctx.raw_parameters.get("query", "")
        if isinstance(raw, str) and not raw.startswith("=") and "{{" in raw:
            # n8n resolves {{ }} in the query even without the = prefix.
            self.current = i
            text = resolve_raw_data(raw, lambda e: self.ctx.evaluate(e, i, "query"))
        else:
            text = js_string(self.p("query", i, ""))
        replacement = as_mapping(self.p("options", i, {})).get("queryReplacement")
        if replacement is None or replacement == "":
            return Query(text, [], i)
        if isinstance(replacement, str):
            values: list[Any] = [v.strip() for v in replacement.split(",")]
        elif isinstance(replacement, list):
            values = list(replacement)
        elif isinstance(replacement, int | float):
            values = [replacement]
        else:
            raise SqlInputError(
                "Query Replacement must be a string of comma-separated values, or an array "
                "of values"
            )
        sql, bound = prepare_query(text, self.version, values)
        return Query(sql, bound, i)

    def _insert_all(self) -> Query:
        """queryBatching single: one INSERT with a row per item (n8n's shape)."""
        items = [self._item(i) for i in range(len(self.rows))]
        columns = list(dict.fromkeys(c for item in items for c in item))
        table = self._table(0)
        head = self._insert_head(self.options)
        placeholder = "(" + ",".join("?" for _ in columns) + ")"
        text = f"{head} INTO {table} ({', '.join(f'`{c}`' for c in columns)}) VALUES " + ",".join(
            placeholder for _ in items
        )
        values = [item.get(c) for item in items for c in columns]
        return Query(text, values, 0)

    @staticmethod
    def _insert_head(options: Mapping[str, Any]) -> str:
        parts = ["INSERT", str(options.get("priority") or "")]
        parts.append("IGNORE" if options.get("skipOnConflict") else "")
        return " ".join(p for p in parts if p)

    def _insert(self, i: int) -> Query:
        item = self._item(i)
        options = as_mapping(self.p("options", i, {}))
        columns = list(item)
        text = (
            f"{self._insert_head(options)} INTO {self._table(i)} "
            f"({', '.join(f'`{c}`' for c in columns)}) "
            f"VALUES ({','.join('?' for _ in columns)});"
        )
        return Query(text, list(item.values()), i)

    def _update(self, i: int) -> Query:
        match = self._match(i)
        item = self._item(i)
        legacy = "mappingMode" not in as_mapping(self.ctx.raw_parameters.get("columns"))
        if legacy and self.p("dataMode", i, "autoMapInputData") != "autoMapInputData":
            match_values = [self.p("valueToMatchOn", i)]
        else:
            match_values = [item.get(c) for c in match]
        updates = [c for c in item if c not in match]
        if not updates:
            raise SqlInputError(
                "Add values to update to the input item or set the 'Data Mode' to "
                "'Define Below' to define the values to update."
            )
        text = (
            f"UPDATE {self._table(i)} SET {', '.join(f'`{c}` = ?' for c in updates)} "
            f"WHERE {' AND '.join(f'`{c}` = ?' for c in match)}"
        )
        return Query(text, [item[c] for c in updates] + match_values, i)

    def _upsert(self, i: int) -> Query:
        match = self._match(i)
        item = self._item(i, match_legacy=True)
        columns = list(item)
        updates = [c for c in columns if c not in match]
        text = (
            f"INSERT INTO {self._table(i)}({', '.join(f'`{c}`' for c in columns)}) "
            f"VALUES({','.join('?' for _ in columns)}) ON DUPLICATE KEY UPDATE "
            + ", ".join(f"`{c}` = ?" for c in updates)
        )
        return Query(text, list(item.values()) + [item[c] for c in updates], i)

    def _conditions(self, i: int) -> tuple[str, list[Any]]:
        entries = as_mapping(self.p("where", i, {})).get("values") or []
        clauses = [e for e in entries if isinstance(e, Mapping)]
        return where_clause(clauses, str(self.p("combineConditions", i, "AND")))

    def _select(self, i: int) -> Query:
        options = as_mapping(self.p("options", i, {}))
        output = options.get("outputColumns") or ["*"]
        output = output if isinstance(output, list) else [output]
        columns = ", ".join("*" if c == "*" else escape_identifier(str(c)) for c in output)
        text = f"SELECT {columns} FROM {self._table(i)}"
        where, values = self._conditions(i)
        text += where
        rules = as_mapping(self.p("sort", i, {})).get("values") or []
        if rules:
            text += " ORDER BY " + ", ".join(
                f"{escape_identifier(str(r.get('column', '')))} {r.get('direction', 'ASC')}"
                for r in rules
                if isinstance(r, Mapping)
            )
        if not self.p("returnAll", i, False):
            limit = self.p("limit", i, 50)
            try:
                text += f" LIMIT {int(limit)}"
            except (TypeError, ValueError):
                raise SqlInputError(f"parameter 'limit' must be a number, got {limit!r}") from None
        return Query(text, values, i)

    def _deleteTable(self, i: int) -> Query:
        table = self._table(i)
        command = str(self.p("deleteCommand", i, "truncate"))
        if command == "drop":
            return Query(f"DROP TABLE IF EXISTS {table}", [], i)
        if command == "truncate":
            return Query(f"TRUNCATE TABLE {table}", [], i)
        if command != "delete":
            raise SqlInputError(f"unknown deleteCommand {command!r}")
        where, values = self._conditions(i)
        return Query(f"DELETE FROM {table}{where}", values, i)


class _Runner:
    """Runs the queries in n8n's batching modes and shapes the results."""

    def __init__(
        self,
        ctx: NodeContext,
        conn: pymysql.connections.Connection[Any],
        rows: list[dict[str, Any]],
        options: Mapping[str, Any],
    ) -> None:
        self.ctx = ctx
        self.conn = conn
        self.rows = rows
        self.options = options
        self.big_text = options.get("largeNumbersOutput") == "text"
        self.out: list[dict[str, Any]] = []
        self.paired: list[int] = []

    def _text(self, query: Query) -> str:
        return format_query(query.text, query.values, _literal)

    def run(self, queries: list[Query]) -> ItemBatch:
        mode = str(self.options.get("queryBatching") or "single")
        if mode == "single":
            self._single(queries)
        else:
            self._each(queries, transaction=mode == "transaction")
        return ItemBatch.from_json(self.out, paired=self.paired)

    def execute(self, text: str, item: int) -> list[Any]:
        """Every statement's result: a list of rows, or an OK packet dict."""
        results: list[Any] = []
        with self.conn.cursor() as cursor:
            try:
                cursor.execute(text)
                while True:
                    if cursor.description is not None:
                        names = [d[0] for d in cursor.description]
                        results.append(
                            [
                                {n: self._value(v) for n, v in zip(names, row, strict=True)}
                                for row in cursor.fetchall()
                            ]
                        )
                    else:
                        results.append(_ok_packet(cursor))
                    if not cursor.nextset():
                        break
            except pymysql.err.MySQLError as exc:
                code = exc.args[0] if exc.args else None
                raise QueryFailed(_error_text(exc), item, text, code) from None
        return results

    def _value(self, value: Any) -> Any:
        if isinstance(value, bool | str) or value is None:
            return value
        if isinstance(value, int):
            # supportBigNumbers: numbers beyond 2^53 come as text (all of them with
            # largeNumbersOutput text, mysql2's bigNumberStrings)
            return str(value) if self.big_text or abs(value) > 2**53 - 1 else value
        if isinstance(value, float):
            return value
        if isinstance(value, dt.datetime | dt.date):
            return js_date(value)  # before 2.1 n8n gets Dates (dateStrings is off)
        if isinstance(value, decimal.Decimal):
            return str(value)
        if isinstance(value, bytes | bytearray):
            return {"type": "Buffer", "data": list(value)}
        return str(value)

    def _emit(self, results: list[Any], statements: list[str], paired: int) -> None:
        emitted = False
        if self.options.get("detailedOutput"):
            for index, entry in enumerate(results):
                sql = statements[index] if index < len(statements) else ""
                self.out.append({"sql": sql, "data": entry})
                self.paired.append(paired)
                emitted = True
        else:
            for entry in results:
                if isinstance(entry, list):
                    self.out.extend(entry)
                    self.paired.extend([paired] * len(entry))
                    emitted = emitted or bool(entry)
        if not emitted and (self.ctx.type_version < 2.2 or not is_select(statements)):
            self.out.append({"success": True})
            self.paired.append(paired)

    def _fail(self, exc: QueryFailed, *, item_json: bool) -> None:
        # the onError decision; n8n's MySQL error item carries the statement and code too
        item_error(self.ctx, exc.item, exc.message)
        error = {"message": exc.message, "sql": exc.sql, "code": exc.code}
        if item_json:
            self.out.append(
                {
                    "message": exc.message,
                    "item": dict(self.rows[exc.item]) if exc.item < len(self.rows) else {},
                    "itemIndex": exc.item,
                    "error": error,
                }
            )
        else:
            self.out.append({"message": exc.message, "error": error})
        self.paired.append(exc.item)

    def _single(self, queries: list[Query]) -> None:
        texts = [self._text(q) for q in queries]
        text = ";".join(t.strip().rstrip(";") for t in texts) if len(texts) > 1 else texts[0]
        try:
            results = self.execute(text, 0)
        except QueryFailed as exc:
            self._fail(exc, item_json=False)
            return
        self._emit(results, split_statements(text), 0)

    def _each(self, queries: list[Query], *, transaction: bool) -> None:
        if transaction:
            self.conn.begin()
        for query in queries:
            text = self._text(query)
            statements = split_statements(text, drop_empty=False)
            try:
                results: list[Any] = []
                for statement in statements:
                    if statement:
                        results.extend(self.execute(statement, query.item))
            except QueryFailed as exc:
                if transaction:
                    self.conn.rollback()
                self._fail(exc, item_json=True)
                if transaction:
                    return
                continue
            self._emit(results, statements, query.item)
        if transaction:
            self.conn.commit()


def _ok_packet(cursor: Any) -> dict[str, Any]:
    """mysql2's ResultSetHeader for a statement that returns no rows."""
    result = getattr(cursor, "_result", None)
    packet: dict[str, Any] = {
        "fieldCount": 0,
        "affectedRows": max(cursor.rowcount, 0),
        "insertId": cursor.lastrowid or 0,
        "info": (getattr(result, "message", b"") or b"").decode(errors="replace")
        if isinstance(getattr(result, "message", None), bytes)
        else str(getattr(result, "message", "") or ""),
        "serverStatus": getattr(result, "server_status", 0) or 0,
        "warningStatus": getattr(result, "warning_count", 0) or 0,
    }
    changed = re.search(r"Changed: (\d+)", packet["info"])
    packet["changedRows"] = int(changed.group(1)) if changed else 0
    return packet


MySqlTool = as_tool(MySql)
"""n8n's MySQL as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
