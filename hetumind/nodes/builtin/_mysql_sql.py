"""SQL text for the MySQL node, built as n8n's MySQL v2 builds it.

n8n formats values into the text on the client (mysql2's `format`: each `?` becomes an
escaped literal, `??` an escaped identifier) and sends one text query; this module does the
same with PyMySQL's escaping, so the statements the server sees are those n8n sends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Query",
    "SqlInputError",
    "escape_identifier",
    "format_query",
    "is_select",
    "prepare_query",
    "split_statements",
    "where_clause",
]

Literal = Callable[[Any], str]


class SqlInputError(ValueError):
    """A parameter that cannot become SQL (a bad operator value, a missing $n value)."""


@dataclass
class Query:
    """One item's query: text with `?` placeholders and the values for them."""

    text: str
    values: list[Any]
    item: int


def escape_identifier(identifier: str) -> str:
    """n8n's escapeSqlIdentifier: each dotted part in backticks unless it already is."""
    parts = re.findall(r"(`[^`]*`|[^.`]+)", identifier)
    out = []
    for part in parts:
        part = part.strip()
        out.append(part if part.startswith("`") and part.endswith("`") else f"`{part}`")
    return ".".join(out)


def _inside_quotes(text: str, index: int) -> bool:
    before = text[:index]
    return before.count("'") % 2 != 0 or before.count('"') % 2 != 0


def prepare_query(raw: str, version: float, replacements: Sequence[Any]) -> tuple[str, list[Any]]:
    """`$1` → `?` with its value, `$1:name` → an escaped identifier (n8n's
    prepareQueryAndReplacements; from 2.5 placeholders inside quotes are left alone and a
    missing value is an error)."""
    matches = list(re.finditer(r"\$(\d+)(?::name)?", raw))
    if version >= 2.5:
        matches = [m for m in matches if not _inside_quotes(raw, m.start())]
        for m in matches:
            index = int(m.group(1)) - 1
            if not 0 <= index < len(replacements):
                raise SqlInputError(
                    f"Parameter ${m.group(1)} referenced in query but no replacement value "
                    f"provided at index {index + 1}"
                )
    values: list[Any] = []
    pieces: list[str] = []
    last = 0
    numbered: list[tuple[int, Any]] = []
    for m in matches:
        index = int(m.group(1)) - 1
        if not 0 <= index < len(replacements):
            continue
        pieces.append(raw[last : m.start()])
        if m.group(0).endswith(":name"):
            pieces.append(escape_identifier(str(replacements[index])))
        else:
            pieces.append("?")
            numbered.append((index, replacements[index]))
        last = m.end()
    pieces.append(raw[last:])
    if version >= 2.5:
        # values go in the order of their numbers, as n8n's extractValuesFromMatches does
        numbered.sort(key=lambda pair: pair[0])
    values = [value for _, value in numbered]
    return "".join(pieces), values


def format_query(text: str, values: Sequence[Any], literal: Literal) -> str:
    """mysql2's format: `??` takes an identifier, `?` a literal, in order."""
    queue = list(values)
    out: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if not queue:
            return match.group(0)
        value = queue.pop(0)
        if match.group(0) == "??":
            return escape_identifier(str(value))
        return _literal(value, literal)

    out.append(re.sub(r"\?\??", replace, text))
    return "".join(out)


def _literal(value: Any, literal: Literal) -> str:
    if isinstance(value, list):
        return ", ".join(_literal(v, literal) for v in value)
    if isinstance(value, Mapping):
        return literal(json.dumps(value, separators=(",", ":")))
    return literal(value)


_END_OF_STATEMENT = re.compile(r";(?=(?:[^'\\]|'[^']*?'|\\[\s\S])*?$)")


def split_statements(query: str, drop_empty: bool = True) -> list[str]:
    """n8n's splitQueryToStatements: split on semicolons outside quotes."""
    parts = [s.strip() for s in _END_OF_STATEMENT.split(query.replace("\n", ""))]
    return [s for s in parts if s] if drop_empty else parts


def is_select(statements: Sequence[str]) -> bool:
    return all(
        re.sub(r"/\*.*?\*/", "", s).replace("\n", "").lower().startswith("select")
        for s in statements
        if not s.startswith("--")
    )


def where_clause(conditions: Sequence[Mapping[str, Any]], combine: str) -> tuple[str, list[Any]]:
    """n8n's addWhereClauses: ` WHERE a = ? AND b IS NULL` and its values."""
    if not conditions:
        return "", []
    joiner = "OR" if combine == "OR" else "AND"
    parts: list[str] = []
    values: list[Any] = []
    for index, clause in enumerate(conditions):
        condition = str(clause.get("condition") or "equal")
        if condition == "equal":
            condition = "="
        value = clause.get("value")
        if condition in (">", "<", ">=", "<="):
            try:
                value = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise SqlInputError(
                    f"Operator in entry {index + 1} of 'Select Rows' works with numbers, but "
                    f"value {value} is not a number"
                ) from None
            value = int(value) if value.is_integer() else value
        text = f"{escape_identifier(str(clause.get('column') or ''))} {condition}"
        if condition not in ("IS NULL", "IS NOT NULL"):
            text += " ?"
            values.append(value)
        parts.append(text)
    return " WHERE " + f" {joiner} ".join(parts), values
