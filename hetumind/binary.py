"""Binary item data: bytes live in the blob store, items carry a small reference.

An n8n item's `binary` maps a property name ("data") to an entry such as
``{"mimeType": "text/csv", "fileName": "a.csv", "fileExtension": "csv", "fileSize": "12 B",
"fileType": "text", "data": "hetumind-blob", "id": "blob:binary/3f…"}``. The bytes are
never put in Arrow columns or the database: nodes call `put_binary` to store them and
`read_binary` to get them back. Entries from n8n exports that carry base64 in `data` are
read as they are, so pinned data and recorded items keep working.

The blob store is the one `HETUMIND_BLOB_URL` names (a local directory under HETUMIND_HOME
by default, or S3), opened once per process: every Ray worker on a machine sees the same
directory, and with S3 every machine of a cluster sees the same bucket.
"""

from __future__ import annotations

import base64
import math
import mimetypes
import threading
import uuid
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from hetumind.errors import HetumindError

__all__ = ["BLOB_MARKER", "BinaryDataError", "put_binary", "read_binary", "reset_blob_store"]

BLOB_MARKER = "hetumind-blob"
"""The `data` value of an entry whose bytes are in the blob store (n8n: "filesystem-v2")."""
_ID_PREFIX = "blob:"
_KEY_PREFIX = "binary/"
_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")
_FILE_TYPES = (
    ("application/json", "json"),
    ("text/html", "html"),
    ("image/", "image"),
    ("audio/", "audio"),
    ("video/", "video"),
    ("text/", "text"),
    ("application/javascript", "text"),
    ("application/pdf", "pdf"),
)

_lock = threading.Lock()
_stores: dict[str | None, Any] = {}
"""Pool: one open blob store per URL in this process (None: the process's default)."""


class BinaryDataError(HetumindError):
    """A binary entry that cannot be read (missing, malformed, or its blob is gone)."""


def _blob_store() -> Any:
    """The blob store of the running execution's services (hetumind.execution_services),
    opened once per URL in this process."""
    from hetumind.execution_services import current

    url = current().blob_url
    with _lock:
        store = _stores.get(url)
        if store is None:
            from hetumind.store.blobs import open_blob_store

            store = _stores[url] = open_blob_store(url)
        return store


def reset_blob_store() -> None:
    """Forget the opened stores (tests that point HETUMIND_BLOB_URL elsewhere)."""
    with _lock:
        _stores.clear()


def _human_size(size: int) -> str:
    """n8n's `fileSize` text (the pretty-bytes package): "512 B", "1.5 kB", "12.3 MB"."""
    if size < 1:
        return f"{size} B"
    exponent = min(int(math.log10(size) // 3), len(_UNITS) - 1)
    value = size / 1000**exponent
    # toPrecision(3), then Number(): three significant digits without trailing zeros
    text = f"{float(f'{value:.3g}'):f}".rstrip("0").rstrip(".")
    return f"{text} {_UNITS[exponent]}"


def _file_type(mime_type: str) -> str | None:
    """n8n's fileTypeFromMimeType."""
    for prefix, kind in _FILE_TYPES:
        if mime_type.startswith(prefix):
            return kind
    return None


def put_binary(
    data: bytes,
    *,
    mime_type: str | None = None,
    file_name: str | None = None,
    directory: str | None = None,
) -> dict[str, Any]:
    """Store `data` and return the item's binary entry for it.

    The MIME type is guessed from `file_name` when not given (application/octet-stream
    when nothing is known). A `file_name` with a directory part is split as n8n does:
    `fileName` keeps the base name and `directory` the rest (unless `directory` is given).
    """
    if mime_type is None and file_name:
        mime_type = mimetypes.guess_type(file_name)[0]
    mime = mime_type or "application/octet-stream"
    key = f"{_KEY_PREFIX}{uuid.uuid4().hex}"
    _blob_store().put(key, bytes(data))
    entry: dict[str, Any] = {"mimeType": mime, "fileSize": _human_size(len(data))}
    if file_type := _file_type(mime):
        entry["fileType"] = file_type
    if file_name:
        path = PurePosixPath(file_name)
        if directory is None and str(path.parent) not in (".", ""):
            directory = str(path.parent)
        entry["fileName"] = path.name
        if path.suffix:
            entry["fileExtension"] = path.suffix[1:]
    elif guessed := mimetypes.guess_extension(mime):
        entry["fileExtension"] = guessed[1:]
    if directory:
        entry["directory"] = directory
    entry["data"] = BLOB_MARKER
    entry["id"] = _ID_PREFIX + key
    return entry


def read_binary(entry: Mapping[str, Any], *, where: str = "binary data") -> bytes:
    """The bytes of a binary entry (from the blob store, or base64 inline as n8n exports)."""
    if not isinstance(entry, Mapping):
        raise BinaryDataError(f"{where} is not a binary entry")
    data = entry.get("data")
    ref = entry.get("id")
    if data == BLOB_MARKER or (isinstance(ref, str) and ref.startswith(_ID_PREFIX)):
        if not isinstance(ref, str) or not ref.startswith(_ID_PREFIX):
            raise BinaryDataError(f"{where} has no blob id")
        if not ref.startswith(_ID_PREFIX + _KEY_PREFIX):
            # Items are workflow-controlled: an id naming another key of the blob store
            # (stored execution data, other executions' inputs) must not read it.
            raise BinaryDataError(f"{where}: {ref!r} is not a binary data id")
        try:
            return bytes(_blob_store().get(ref[len(_ID_PREFIX) :]))
        except Exception as exc:
            raise BinaryDataError(f"{where}: its stored data is gone ({exc})") from None
    if isinstance(data, str):
        try:
            return base64.b64decode(data, validate=False)
        except ValueError as exc:
            raise BinaryDataError(f"{where} holds invalid base64 data ({exc})") from None
    raise BinaryDataError(f"{where} holds no data")
