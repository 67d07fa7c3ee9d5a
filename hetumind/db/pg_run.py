"""Running the Postgres node's statements with n8n's query batching modes.

* single: every item's statements in one transaction (n8n sends them as one multi-statement
  query, which PostgreSQL runs atomically); the first failure rolls everything back.
* transaction: the same, item by item; on failure the items before it are reported but
  rolled back too.
* independently: each item in its own transaction; a failure affects that item only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from hetumind.db.pg_pool import PgTarget, connection_failure, get_pool
from hetumind.db.pg_sql import Statement, quote_ident
from hetumind.db.pg_types import to_json_value

__all__ = ["ConnectionFailed", "ItemOutcome", "ItemQuery", "fetch", "run_queries"]

_LARGE_NUMBERS = {"int8": int, "numeric": float}


class ConnectionFailed(Exception):
    """The server could not be reached or refused us: nothing ran."""


@dataclass
class ItemQuery:
    """What one input item runs: its statements and the query text they came from."""

    item: int
    statements: list[Statement]
    text: str = ""


@dataclass
class ItemOutcome:
    item: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


async def fetch(target: PgTarget, sql: str, *values: Any) -> list[dict[str, Any]]:
    """One read on a pooled connection (table schemas, existence checks)."""
    pool = await get_pool(target)
    conn = await _acquire(pool, target)
    try:
        return [dict(r) for r in await conn.fetch(sql, *values)]
    finally:
        await pool.release(conn)


async def run_queries(
    target: PgTarget,
    queries: Sequence[ItemQuery],
    batching: str,
    *,
    large_numbers: bool = False,
) -> list[ItemOutcome]:
    """Run every item's statements; stops at the first failure unless `independently`."""
    pool = await get_pool(target)
    conn = await _acquire(pool, target)
    outcomes: list[ItemOutcome] = []
    try:
        if batching == "independently":
            for query in queries:
                outcomes.append(await _run_item(conn, query, large_numbers))
            return outcomes
        try:
            async with conn.transaction():
                for query in queries:
                    outcome = await _run_item(conn, query, large_numbers, raise_errors=True)
                    outcomes.append(outcome)
        except _ItemFailed as failed:
            outcomes.append(ItemOutcome(failed.item, error=failed.message))
        return outcomes
    finally:
        await pool.release(conn)


class _ItemFailed(Exception):
    def __init__(self, item: int, message: str) -> None:
        super().__init__(message)
        self.item = item
        self.message = message


async def _acquire(pool: asyncpg.Pool, target: PgTarget) -> asyncpg.Connection:
    try:
        return await pool.acquire()
    except Exception as exc:
        message = connection_failure(exc, target)
        if message is None:
            raise
        raise ConnectionFailed(message) from None


async def _run_item(
    conn: asyncpg.Connection, query: ItemQuery, large_numbers: bool, raise_errors: bool = False
) -> ItemOutcome:
    outcome = ItemOutcome(query.item)
    try:
        if raise_errors:  # already inside the batch's transaction
            for stmt in query.statements:
                outcome.rows.extend(await _run_statement(conn, stmt, large_numbers))
        else:
            async with conn.transaction():
                for stmt in query.statements:
                    outcome.rows.extend(await _run_statement(conn, stmt, large_numbers))
    except (asyncpg.PostgresError, asyncpg.DataError) as exc:
        message = database_message(exc)
        if raise_errors:
            raise _ItemFailed(query.item, message) from None
        return ItemOutcome(query.item, error=message)
    return outcome


async def _run_statement(
    conn: asyncpg.Connection, stmt: Statement, large_numbers: bool
) -> list[dict[str, Any]]:
    prepared = await conn.prepare(stmt.sql)
    values = await _arrays_from_text(conn, prepared, stmt.values)
    records = await prepared.fetch(*values)
    if not records:
        return []
    convert = {
        a.name: _LARGE_NUMBERS[a.type.name]
        for a in prepared.get_attributes()
        if large_numbers and a.type.name in _LARGE_NUMBERS
    }
    rows = []
    for record in records:
        row = {}
        for name, value in record.items():
            row[name] = convert[name](value) if name in convert and value is not None else value
        rows.append({k: to_json_value(v) for k, v in row.items()})
    return rows


async def _arrays_from_text(
    conn: asyncpg.Connection, prepared: Any, values: list[Any]
) -> list[Any]:
    """A string for an array parameter ('{1,2}') is parsed by the server, as pg-promise's
    formatted literal would have been."""
    out = list(values)
    for k, ptype in enumerate(prepared.get_parameters()):
        if k < len(out) and ptype.kind == "array" and isinstance(out[k], str):
            element = ptype.name.removesuffix("[]")  # asyncpg names arrays "text[]"
            type_name = f"{quote_ident(ptype.schema)}.{quote_ident(element)}[]"
            out[k] = await conn.fetchval(f"SELECT $1::text::{type_name}", out[k])
    return out


def database_message(exc: Exception) -> str:
    """The server's message, with its detail and hint when it gave them."""
    message = getattr(exc, "message", None) or str(exc)
    for extra in ("detail", "hint"):
        text = getattr(exc, extra, None)
        if text:
            message += f" ({extra}: {text})" if extra == "hint" else f" ({text})"
    return str(message)
