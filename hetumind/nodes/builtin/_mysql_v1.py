"""The MySQL node's version 1 (n8n's MySqlV1): executeQuery, insert, update.

Version 1 differs from 2 in shape, not only in options: one query per item without
multiple statements, the table and column names go into the SQL as written, a write
answers with mysql2's result header (affectedRows, insertId, ...) as its item, dates come
as JavaScript Dates (ISO text in UTC), and a failure fails the whole node (or, under
continue-on-fail, becomes the node's only item).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._mysql_sql import format_query
from hetumind.nodes.builtin._protocol import as_mapping
from hetumind.nodes.item_wise import batch_error

__all__ = ["run_v1"]

Execute = Callable[[str, int], list[Any]]


def js_date(value: dt.date) -> str:
    """A DATE or DATETIME as mysql2 gives it without dateStrings: a Date read in the
    process's zone, as JSON (UTC, milliseconds)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.astimezone()  # naive: the local zone, as mysql2's default
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def run_v1(
    ctx: NodeContext, batch: ItemBatch, execute: Execute, literal: Callable[[Any], str]
) -> ItemBatch:
    operation = str(ctx.param("operation", 0, "insert"))
    rows = batch.to_json()
    try:
        out, paired = _run(ctx, rows, operation, execute, literal)
    except _Failed as exc:
        message = str(exc)
        return batch_error(ctx, message)
    return ItemBatch.from_json(out, paired=paired)


class _Failed(Exception):
    pass


def _columns(text: Any) -> list[str]:
    return [c.strip() for c in js_string(text or "").split(",")]


def _table(ctx: NodeContext) -> str:
    value = ctx.param("table", 0, "")
    if isinstance(value, dict):
        value = value.get("value", "")
    return js_string(value or "")


def _run(
    ctx: NodeContext,
    rows: list[dict[str, Any]],
    operation: str,
    execute: Execute,
    literal: Callable[[Any], str],
) -> tuple[list[dict[str, Any]], list[int]]:
    out: list[dict[str, Any]] = []
    paired: list[int] = []
    if operation == "executeQuery":
        for i in range(len(rows)):
            (result,) = execute(js_string(ctx.param("query", i, "")), i) or [[]]
            entries = result if isinstance(result, list) else [result]
            out.extend(entries)
            paired.extend([i] * len(entries))
        return out, paired
    if operation == "insert":
        column_text = js_string(ctx.param("columns", 0, "") or "")
        columns = _columns(column_text)
        options = as_mapping(ctx.param("options", 0, {}))
        head = " ".join(
            p
            for p in (
                "INSERT",
                str(options.get("priority") or ""),
                "IGNORE" * bool(options.get("ignore")),
            )
            if p
        )
        placeholder = "(" + ",".join("?" for _ in columns) + ")"
        sql = f"{head} INTO {_table(ctx)}({column_text}) VALUES " + ",".join(
            placeholder for _ in rows
        )
        values = [row.get(c) for row in rows for c in columns]
        (result,) = execute(format_query(sql + ";", values, literal), 0)
        return [result], [0]
    if operation == "update":
        key = js_string(ctx.param("updateKey", 0, "id") or "id")
        columns = _columns(ctx.param("columns", 0, ""))
        if key not in columns:
            columns.insert(0, key)
        sql = f"UPDATE {_table(ctx)} SET {','.join(f'{c} = ?' for c in columns)} WHERE {key} = ?;"
        for i, row in enumerate(rows):
            values = [row.get(c) for c in columns] + [row.get(key)]
            (result,) = execute(format_query(sql, values, literal), i)
            out.append(result)
            paired.append(i)
        return out, paired
    raise _Failed(f'The operation "{operation}" is not supported!')
