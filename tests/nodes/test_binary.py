"""hetumind.binary: entries carry a blob reference; bytes live in the blob store."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from helpers_files import use_tmp_blobs

from hetumind.binary import BLOB_MARKER, BinaryDataError, put_binary, read_binary


@pytest.fixture(autouse=True)
def _blobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_tmp_blobs(monkeypatch, tmp_path)


def test_put_then_read_round_trips_and_keeps_bytes_out_of_the_entry(tmp_path: Path) -> None:
    data = b"x" * 5000
    entry = put_binary(data, file_name="report.csv")
    assert read_binary(entry) == data
    assert entry["data"] == BLOB_MARKER and entry["id"].startswith("blob:")
    assert entry["mimeType"] == "text/csv" and entry["fileType"] == "text"
    assert entry["fileName"] == "report.csv" and entry["fileExtension"] == "csv"
    assert len(repr(entry)) < 300  # a reference, never the bytes
    stored = list((tmp_path / "home" / "blobs").rglob("*"))
    assert any(p.is_file() and p.read_bytes() == data for p in stored)


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1 kB"), (1536, "1.54 kB"), (12345, "12.3 kB"),
     (999_999, "1000 kB"), (5_000_000, "5 MB")],
)  # fmt: skip
def test_file_size_reads_like_n8n_pretty_bytes(size: int, text: str) -> None:
    assert put_binary(b"\0" * size)["fileSize"] == text


def test_file_name_with_directory_is_split_like_n8n() -> None:
    entry = put_binary(b"{}", file_name="/data/in/a.json")
    assert entry["fileName"] == "a.json" and entry["directory"] == "/data/in"
    assert entry["fileType"] == "json" and entry["mimeType"] == "application/json"


def test_unknown_type_and_explicit_mime() -> None:
    entry = put_binary(b"\x00\x01")
    assert entry["mimeType"] == "application/octet-stream" and "fileType" not in entry
    assert put_binary(b"<p>", mime_type="text/html")["fileType"] == "html"


def test_inline_base64_entries_from_n8n_exports_are_read() -> None:
    entry = {"data": base64.b64encode(b"hello").decode(), "mimeType": "text/plain"}
    assert read_binary(entry) == b"hello"


def test_bad_entries_are_clear_errors() -> None:
    with pytest.raises(BinaryDataError, match="field 'x' is not a binary entry"):
        read_binary("nope", where="field 'x'")  # type: ignore[arg-type]
    with pytest.raises(BinaryDataError, match="holds no data"):
        read_binary({"mimeType": "text/plain"})
    with pytest.raises(BinaryDataError, match="stored data is gone"):
        read_binary({"data": BLOB_MARKER, "id": "blob:binary/missing"})
    with pytest.raises(BinaryDataError, match="has no blob id"):
        read_binary({"data": BLOB_MARKER})
