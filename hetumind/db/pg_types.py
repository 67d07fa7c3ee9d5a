"""How values cross the asyncpg boundary, in the shapes n8n's Postgres node (node-postgres)
gives and takes.

Scalar types get text-format codecs on every pooled connection: bind parameters go to the
server as text and the server parses them, as pg-promise's client-side formatting made it do
(the string "5" binds to an integer column; a dict binds to json). Results come back as
node-postgres's parsers return them: int8 and numeric as strings, dates and timestamps as ISO
strings in UTC with milliseconds, json parsed. Arrays use these element codecs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

__all__ = ["init_connection", "to_json_value", "to_text"]


def to_text(value: Any) -> str:
    """A bind parameter as PostgreSQL's text input (None never gets here: asyncpg sends NULL)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))  # 3.0 fits an integer column, as JS's 3 does
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _iso_millis(moment: datetime) -> str:
    """JavaScript's Date.toISOString: UTC, milliseconds, a Z."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _timestamp(text: str) -> str:
    try:
        return _iso_millis(datetime.fromisoformat(_pad_offset(text)))
    except ValueError:  # infinity, BC dates, years past 9999
        return text


def _pad_offset(text: str) -> str:
    # PostgreSQL writes offsets as +00 or +05:30; fromisoformat wants +00:00.
    if len(text) > 3 and text[-3] in "+-" and text[-2:].isdigit():
        return text + ":00"
    return text


def _date(text: str) -> str:
    try:
        return _iso_millis(datetime.fromisoformat(text))
    except ValueError:
        return text


def _float(text: str) -> float | None:
    value = float(text)
    return None if math.isnan(value) or math.isinf(value) else value  # JSON has neither


_DECODERS: dict[str, Callable[[str], Any]] = {
    "int2": int,
    "int4": int,
    "oid": int,
    "int8": str,
    "numeric": str,
    "money": str,
    "float4": _float,
    "float8": _float,
    "bool": lambda text: text == "t",
    "json": json.loads,
    "jsonb": json.loads,
    "date": _date,
    "timestamp": _timestamp,
    "timestamptz": _timestamp,
    "time": str,
    "timetz": str,
    "interval": str,
    "uuid": str,
    "inet": str,
    "cidr": str,
    "macaddr": str,
    "xml": str,
    "text": str,
    "varchar": str,
    "bpchar": str,
    "name": str,
    "char": str,
}


async def init_connection(conn: asyncpg.Connection) -> None:
    """Install the text codecs on a new pooled connection."""
    for type_name, decoder in _DECODERS.items():
        await conn.set_type_codec(
            type_name, schema="pg_catalog", encoder=to_text, decoder=decoder, format="text"
        )


def to_json_value(value: Any) -> Any:
    """Anything asyncpg still returns in its own types (bytea, composites, ranges) as JSON."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, asyncpg.Record):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return {"type": "Buffer", "data": list(value)}  # a Node.js Buffer's JSON
    if isinstance(value, datetime):
        return _iso_millis(value)
    if isinstance(value, Decimal | UUID | date | time):
        return str(value)
    return str(value)
