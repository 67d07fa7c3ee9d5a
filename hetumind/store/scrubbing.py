"""Keeping secrets out of stored execution data: replace them in every string, also
inside nested values and JSON-encoded columns, with Arrow compute (no per-item Python)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.errors import HetumindError
from hetumind.items import ItemBatch

__all__ = ["MASK", "credential_secrets", "scrub", "scrub_batch"]

MASK = "***"


def credential_secrets(credentials: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every secret of resolved credential data (keyed by hetumind.credentials'
    `credential_key`, "type:id:name"), with the forms a request carries them in: a Basic
    token, URL-encoding. Longest first, so a secret inside another is masked as a whole."""
    from hetumind.store.credential_types import secret_values

    found: set[str] = set()
    for key, data in credentials.items():
        kind = key.split(":", 1)[0]
        try:
            values = secret_values(kind, dict(data))
        except HetumindError:  # a type the store does not know: mask every string
            values = [str(v) for v in data.values() if isinstance(v, str) and v]
        found.update(values)
        found.update(quote(v, safe="") for v in values)
        if kind == "httpBasicAuth" and data.get("user"):
            pair = f"{data.get('user')}:{data.get('password') or ''}"
            found.add(base64.b64encode(pair.encode()).decode())
    return sorted((s for s in found if s), key=len, reverse=True)


def scrub(value: Any, secrets: Sequence[str]) -> Any:
    """`value` with every secret replaced by MASK in its strings, however deeply nested."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value


def _array(arr: pa.Array, secrets: Sequence[str]) -> pa.Array:
    kind = arr.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        for secret in secrets:
            arr = pc.replace_substring(arr, pattern=secret, replacement=MASK)
        return arr
    if pa.types.is_struct(kind):
        if kind.num_fields == 0:  # `{}` columns: nothing to mask, and no child gives a length
            return arr
        children = [_array(arr.field(i), secrets) for i in range(kind.num_fields)]
        return pa.StructArray.from_arrays(
            children, fields=list(kind), mask=arr.is_null() if arr.null_count else None
        )
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        cls = pa.ListArray if pa.types.is_list(kind) else pa.LargeListArray
        return cls.from_arrays(
            arr.offsets,
            _array(arr.values, secrets),
            type=kind,
            mask=arr.is_null() if arr.null_count else None,
        )
    return arr


def scrub_batch(batch: ItemBatch, secrets: Sequence[str]) -> ItemBatch:
    """The batch with secrets masked in every string column, nested or JSON-encoded."""
    secrets = [s for s in secrets if s]
    if not secrets or not batch.table.num_columns:
        return batch
    columns = [
        pa.chunked_array([_array(c, secrets) for c in col.chunks], type=col.type)
        for col in batch.table.columns
    ]
    table = pa.Table.from_arrays(columns, schema=batch.table.schema)
    binary = None if batch.binary is None else scrub(batch.binary, secrets)
    return ItemBatch(table, batch.num_items, binary=binary)
