"""SQL text for the Postgres node: identifiers quoted, values always bind parameters.

`Statement` is one SQL statement with its `$n` values. User queries (Execute Query) may hold
several statements and refer to any of the node's query parameters; `split_statements`
splits them with sqlparse's lexer (strings, quoted names, dollar quotes and comments are
respected) and renumbers each statement's placeholders to the values it uses, since the
server prepares each statement on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlparse
from sqlparse import tokens as T
from sqlparse.lexer import tokenize

__all__ = [
    "TABLE_COLUMNS",
    "Condition",
    "SqlError",
    "Statement",
    "delete_table",
    "insert",
    "is_select_query",
    "quote_ident",
    "row_exists",
    "select",
    "split_statements",
    "update",
    "upsert",
]


class SqlError(ValueError):
    """The query and its parameters don't fit together (a placeholder without a value)."""


@dataclass
class Statement:
    """One statement; `values[k]` binds `$k+1`."""

    sql: str
    values: list[Any] = field(default_factory=list)

    def param(self, value: Any) -> str:
        """Add a bind parameter; returns its placeholder."""
        self.values.append(value)
        return f"${len(self.values)}"


def quote_ident(name: Any) -> str:
    """A PostgreSQL quoted identifier: any text is safe inside (quotes doubled)."""
    text = str(name)
    if "\x00" in text:
        raise SqlError("identifiers cannot contain NUL characters")
    return '"' + text.replace('"', '""') + '"'


def split_statements(sql: str, values: Sequence[Any]) -> list[Statement]:
    """Each statement of `sql` with the values its placeholders use, renumbered from $1.

    `$n:name` (pg-promise's identifier filter, used in n8n queries for column and table
    names) becomes the quoted identifier; any other filter is refused.
    """
    out = []
    for text in sqlparse.split(sql):
        if not _has_code(text):
            continue
        out.append(_renumber(text, values))
    return out


def _has_code(text: str) -> bool:
    return any(
        ttype not in T.Comment and ttype not in T.Whitespace and value != ";"
        for ttype, value in tokenize(text)
    )


def _renumber(text: str, values: Sequence[Any]) -> Statement:
    tokens = list(tokenize(text))
    stmt = Statement("")
    numbers: dict[int, str] = {}
    parts: list[str] = []
    i = 0
    while i < len(tokens):
        ttype, value = tokens[i]
        i += 1
        if ttype not in T.Name.Placeholder or not re.fullmatch(r"\$\d+", value):
            parts.append(value)
            continue
        index = int(value[1:])
        if not 1 <= index <= len(values):
            raise SqlError(f"the query uses {value} but there are {len(values)} query parameter(s)")
        if i + 1 < len(tokens) and tokens[i][1] == ":" and tokens[i + 1][1].isidentifier():
            kind = tokens[i + 1][1]
            if kind != "name":
                raise SqlError(f"the {value}:{kind} placeholder filter is not supported")
            parts.append(quote_ident(values[index - 1]))
            i += 2
            continue
        if index not in numbers:
            numbers[index] = stmt.param(values[index - 1])
        parts.append(numbers[index])
    stmt.sql = "".join(parts).strip().rstrip(";")
    return stmt


def is_select_query(query: str) -> bool:
    """n8n's isSelectQuery, quirks and all: it decides whether an empty result is `[]` or
    `{"success": true}`."""
    text = re.sub(r"/\*.*?\*/", "", query).replace("\n", "")
    statements = [s for s in text.split(";") if s and not s.startswith("--")]
    return all(s.strip().lower().startswith("select") for s in statements)


# -- table operations ----------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    """One 'Select Rows' entry: column, operator (n8n's option values), value."""

    column: str
    condition: str
    value: Any = None


_OPERATORS = {"equal": "=", "=": "=", "!=": "!=", "LIKE": "LIKE"}
_NUMERIC_OPERATORS = (">", "<", ">=", "<=")
_NULL_OPERATORS = ("IS NULL", "IS NOT NULL")


def js_number(value: Any) -> float | int | None:
    """JavaScript's Number(value) for what a parameter holds; None where that is NaN."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    text = str(value).strip()
    if text == "":
        return 0
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and "." not in text and "e" not in text else number


def table_name(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def add_where(stmt: Statement, conditions: Sequence[Condition], combine: str) -> None:
    """Append n8n's WHERE clause; numeric operators need numbers (its error message)."""
    if not conditions:
        return
    joiner = " OR " if combine == "OR" else " AND "
    clauses = []
    for index, cond in enumerate(conditions):
        column = quote_ident(cond.column)
        if cond.condition in _NULL_OPERATORS:
            clauses.append(f"{column} {cond.condition}")
        elif cond.condition in _NUMERIC_OPERATORS:
            number = js_number(cond.value)
            if number is None:
                raise SqlError(
                    f"Operator in entry {index + 1} of 'Select Rows' works with numbers, "
                    f"but value {cond.value} is not a number"
                )
            clauses.append(f"{column} {cond.condition} {stmt.param(number)}")
        elif cond.condition in _OPERATORS:
            clauses.append(f"{column} {_OPERATORS[cond.condition]} {stmt.param(cond.value)}")
        else:
            raise SqlError(f"unknown operator {cond.condition!r} in entry {index + 1}")
    stmt.sql += " WHERE " + joiner.join(clauses)


def add_returning(stmt: Statement, output_columns: Sequence[str]) -> None:
    stmt.sql += " RETURNING " + _column_list(output_columns)


def _column_list(columns: Sequence[str]) -> str:
    if not columns or "*" in columns:
        return "*"
    return ", ".join(quote_ident(c) for c in columns)


def select(
    schema: str,
    table: str,
    *,
    output_columns: Sequence[str],
    where: Sequence[Condition],
    combine: str,
    sort: Sequence[tuple[str, str]],
    limit: int | None,
) -> Statement:
    stmt = Statement(f"SELECT {_column_list(output_columns)} FROM {table_name(schema, table)}")
    add_where(stmt, where, combine)
    if sort:
        rules = (f"{quote_ident(col)} {'DESC' if d == 'DESC' else 'ASC'}" for col, d in sort)
        stmt.sql += " ORDER BY " + ", ".join(rules)
    if limit is not None:
        stmt.sql += f" LIMIT {int(limit)}"
    return stmt


def insert(
    schema: str,
    table: str,
    row: dict[str, Any],
    *,
    output_columns: Sequence[str],
    skip_on_conflict: bool = False,
) -> Statement:
    stmt = Statement(f"INSERT INTO {table_name(schema, table)}")
    if row:
        names = ", ".join(quote_ident(c) for c in row)
        stmt.sql += f"({names}) VALUES({', '.join(stmt.param(v) for v in row.values())})"
    else:
        stmt.sql += " DEFAULT VALUES"
    if skip_on_conflict:
        stmt.sql += " ON CONFLICT DO NOTHING"
    add_returning(stmt, output_columns)
    return stmt


def _equalities(stmt: Statement, values: Mapping[str, Any]) -> list[str]:
    """`"column" = $n` for each column, its value bound as the next parameter of `stmt`
    (SET lists and WHERE matches alike)."""
    return [f"{quote_ident(c)} = {stmt.param(v)}" for c, v in values.items()]


def _except(row: Mapping[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """`row` without `columns`: the values an update sets beside those it matches on."""
    return {c: v for c, v in row.items() if c not in columns}


def update(
    schema: str,
    table: str,
    row: dict[str, Any],
    match: Sequence[str],
    *,
    output_columns: Sequence[str],
) -> Statement:
    stmt = Statement(f"UPDATE {table_name(schema, table)} SET ")
    stmt.sql += ", ".join(_equalities(stmt, _except(row, match)))
    stmt.sql += " WHERE " + " AND ".join(_equalities(stmt, {c: row[c] for c in match}))
    add_returning(stmt, output_columns)
    return stmt


def upsert(
    schema: str,
    table: str,
    row: dict[str, Any],
    match: Sequence[str],
    *,
    output_columns: Sequence[str],
) -> Statement:
    stmt = insert(schema, table, row, output_columns=())
    stmt.sql = stmt.sql.removesuffix(" RETURNING *")
    stmt.sql += f" ON CONFLICT ({', '.join(quote_ident(c) for c in match)})"
    updates = _equalities(stmt, _except(row, match))
    stmt.sql += f" DO UPDATE SET {', '.join(updates)}" if updates else " DO NOTHING"
    add_returning(stmt, output_columns)
    return stmt


def row_exists(schema: str, table: str, match: dict[str, Any]) -> Statement:
    stmt = Statement(f"SELECT EXISTS(SELECT 1 FROM {table_name(schema, table)} WHERE ")
    stmt.sql += " AND ".join(_equalities(stmt, match))
    stmt.sql += ") AS exists"
    return stmt


def delete_table(
    schema: str,
    table: str,
    command: str,
    *,
    cascade: bool = False,
    restart_sequences: bool = False,
    where: Sequence[Condition] = (),
    combine: str = "AND",
) -> Statement:
    name = table_name(schema, table)
    tail = " CASCADE" if cascade else ""
    if command == "drop":
        return Statement(f"DROP TABLE IF EXISTS {name}{tail}")
    if command == "truncate":
        identity = " RESTART IDENTITY" if restart_sequences else ""
        return Statement(f"TRUNCATE TABLE {name}{identity}{tail}")
    if command == "delete":
        stmt = Statement(f"DELETE FROM {name}")
        add_where(stmt, where, combine)
        return stmt
    raise SqlError("Invalid delete command, only drop, delete and truncate are supported")


TABLE_COLUMNS = (
    "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
    "WHERE table_schema = $1 AND table_name = $2"
)
