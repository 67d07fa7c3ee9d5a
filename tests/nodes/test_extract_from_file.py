"""Extract from File: CSV, JSON, text, XLSX, Parquet files become items (and round trips)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from helpers_files import binary_of, file_items, run, use_tmp_blobs

from hetumind.binary import BLOB_MARKER, put_binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.convert_to_file import ConvertToFile
from hetumind.nodes.builtin.extract_from_file import ExtractFromFile

PEOPLE = [
    {"name": "Ada, Countess", "age": 36, "note": 'say "hi"'},
    {"name": "Grace", "age": 45, "note": "two\nlines"},
    {"name": "Ünïcødé ✓", "age": 41, "note": ""},
]


@pytest.fixture(autouse=True)
def _blobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_tmp_blobs(monkeypatch, tmp_path)


def extract(params: dict[str, Any], batch: ItemBatch, **kwargs: Any) -> list[dict[str, Any]]:
    return run(ExtractFromFile(), params, batch, **kwargs).to_json()


def convert(operation: str, rows: list[dict[str, Any]], **options: Any) -> ItemBatch:
    return run(ConvertToFile(), {"operation": operation, "options": options}, rows, version=1.1)


def test_csv_round_trip_gives_the_items_back_as_text() -> None:
    out = extract(
        {"operation": "csv", "options": {"includeEmptyCells": True}}, convert("csv", PEOPLE)
    )
    assert out == [{k: str(v) for k, v in row.items()} for row in PEOPLE]


def test_json_round_trip_once_and_each() -> None:
    once = extract({"operation": "fromJson"}, convert("toJson", PEOPLE))
    assert once == [{"data": PEOPLE}]
    each = run(ConvertToFile(), {"operation": "toJson", "mode": "each"}, PEOPLE)
    assert extract({"operation": "fromJson", "destinationKey": "p.q"}, each) == [
        {"p": {"q": row}} for row in PEOPLE
    ]


def test_xlsx_round_trip_keeps_numbers_and_booleans() -> None:
    rows = [{"name": "Ada", "age": 36, "ok": True}, {"name": "=SUM(1)", "age": 4.5, "ok": False}]
    assert extract({"operation": "xlsx"}, convert("xlsx", rows)) == rows


def test_xlsx_options_sheet_range_no_header_and_missing_sheet() -> None:
    book = convert("xlsx", PEOPLE, sheetName="S")
    assert extract({"operation": "xlsx", "options": {"range": "A1:B2"}}, book) == [
        {"name": "Ada, Countess", "age": 36}
    ]
    assert extract({"operation": "xlsx", "options": {"headerRow": False, "range": 3}}, book) == [
        {"row": ["Ünïcødé ✓", 41, None]}
    ]
    with pytest.raises(NodeExecutionError, match='does not contain sheet called "Nope"'):
        extract({"operation": "xlsx", "options": {"sheetName": "Nope"}}, book)


def test_parquet_round_trip_is_exact_including_irregular_fields() -> None:
    rows = [{"a": 1, "b": {"x": [1, 2]}, "c": None}, {"a": 2, "d": "only", "c": 1.5}]
    out = run(ExtractFromFile(), {"operation": "parquet"}, convert("parquet", rows))
    assert out.to_json() == rows
    assert out.paired is not None and out.paired.to_pylist() == [0, 0]


def test_parquet_foreign_types_become_json_values() -> None:
    import datetime as dt
    import decimal
    import io

    import pyarrow.parquet as pq

    table = pa.table(
        {
            "when": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5)], pa.timestamp("ms")),
            "price": pa.array([decimal.Decimal("1.25")], pa.decimal128(5, 2)),
            "raw": pa.array([b"\x00\x01"], pa.binary()),
            "cat": pa.array(["x"]).dictionary_encode(),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    out = extract({"operation": "parquet"}, file_items((sink.getvalue(), "t.parquet")))
    assert out == [{"when": "2024-01-02T03:04:05", "price": 1.25, "raw": "AAE=", "cat": "x"}]


@pytest.mark.slow
def test_large_parquet_round_trip_keeps_bytes_out_of_items() -> None:
    n = 100_000
    batch = ItemBatch.from_arrow(
        pa.table({"i": pa.array(range(n)), "s": [f"r{i}" for i in range(n)]})
    )
    file_batch = run(ConvertToFile(), {"operation": "parquet"}, batch)
    entry = binary_of(file_batch, 0)["data"]
    assert entry["data"] == BLOB_MARKER and len(repr(entry)) < 400
    assert file_batch.table.num_columns == 0  # nothing of the file in Arrow columns
    out = run(ExtractFromFile(), {"operation": "parquet"}, file_batch)
    assert len(out) == n and out.binary is None
    assert out.table.column("i")[n - 1].as_py() == n - 1
    assert out.table.column("s")[12345].as_py() == "r12345"


def test_csv_options_delimiter_from_line_max_rows_no_header() -> None:
    text = b"skip me\na;b\n1;2\n3;\n5;6\n"
    batch = file_items((text, "x.csv"))
    opts = {"delimiter": ";", "fromLine": 2, "maxRowCount": 2}
    assert extract({"operation": "csv", "options": opts}, batch) == [
        {"a": "1", "b": "2"},
        {"a": "3"},
    ]
    no_header = {"delimiter": ";", "fromLine": 2, "headerRow": False, "includeEmptyCells": True}
    assert extract({"operation": "csv", "options": no_header}, batch) == [
        {"row": ["a", "b"]}, {"row": ["1", "2"]}, {"row": ["3", ""]}, {"row": ["5", "6"]},
    ]  # fmt: skip


def test_csv_encoding_option_and_bom_is_stripped() -> None:
    batch = file_items(("a\ncafé\n".encode("latin-1"), "x.csv"), ("\ufeffa\nb\n".encode(), "y.csv"))
    out = extract({"operation": "csv", "options": {"encoding": "latin1"}}, batch)
    assert out[0] == {"a": "café"}
    assert extract({"operation": "csv"}, file_items(("\ufeffa\nb\n".encode(), "y.csv"))) == [
        {"a": "b"}
    ]


def test_bad_csv_record_names_node_item_and_cause() -> None:
    batch = file_items((b"a,b\n1,2\n", "ok.csv"), (b"a,b\n1,2,3\n", "bad.txt"))
    with pytest.raises(NodeExecutionError) as err:
        extract({"operation": "csv"}, batch, version=1.1)
    assert err.value.item_index == 1 and err.value.node == "Node"
    assert "not in csv format (Invalid Record Length: expect 2, got 3" in str(err.value)
    # version 1 kept what it had parsed and ignored the rest
    assert extract({"operation": "csv"}, batch, version=1) == [{"a": "1", "b": "2"}]


def test_unparseable_files_error_or_continue() -> None:
    batch = file_items((b"{nope", "a.json"), (b"[1]", "b.json"), (b"", "c.json"))
    with pytest.raises(NodeExecutionError, match=r"item 0: .*not in JSON format \(Expecting"):
        extract({"operation": "fromJson"}, batch)
    out = extract({"operation": "fromJson"}, batch, continue_on_fail=True)
    assert "not in JSON format" in out[0]["error"]
    assert out[1:] == [{"data": [1]}, {"data": {}}]
    with pytest.raises(NodeExecutionError, match=r"not in xlsx format .*BadZipFile"):
        extract({"operation": "xlsx"}, file_items((b"plain text", "t.txt")))
    with pytest.raises(NodeExecutionError, match="not in parquet format"):
        extract({"operation": "parquet"}, file_items((b"plain text", "t.txt")))


def test_missing_binary_property() -> None:
    plain = ItemBatch.from_json([{"a": 1}])
    with pytest.raises(
        NodeExecutionError, match="expects the node's input data to contain a binary"
    ):
        extract({"operation": "csv"}, plain)
    with pytest.raises(NodeExecutionError, match="The item has no binary field 'other'"):
        extract({"operation": "csv", "binaryPropertyName": "other"}, file_items((b"a", "a.csv")))
    out = extract({"operation": "csv"}, plain, continue_on_fail=True)
    assert out[0]["error"].startswith("This operation expects")
    # n8n's text/json/base64 operations skip items without the file
    assert extract({"operation": "text"}, plain) == []


def test_text_base64_and_keep_source() -> None:
    batch = file_items(("héllo".encode(), "a.txt"))
    assert extract({"operation": "text"}, batch) == [{"data": "héllo"}]
    assert extract({"operation": "binaryToPropery", "destinationKey": "b64"}, batch) == [
        {"b64": base64.b64encode("héllo".encode()).decode()}
    ]
    both = run(ExtractFromFile(), {"operation": "text", "options": {"keepSource": "both"}}, batch)
    assert both.to_json() == [{"n": 0, "data": "héllo"}]
    assert "data" in binary_of(both, 0)
    dropped = run(ExtractFromFile(), {"operation": "text"}, batch)
    assert dropped.binary is None


def test_text_detects_a_non_utf8_encoding() -> None:
    text = "Grüße aus Köln, schöne Straße. " * 5
    out = extract({"operation": "text"}, file_items((text.encode("latin-1"), "a.txt")))
    assert out == [{"data": text}]


def test_inline_base64_entries_are_read_too() -> None:
    entry = {"data": base64.b64encode(b"x,y\n1,2").decode(), "mimeType": "text/csv"}
    batch = ItemBatch.from_json([{}], binary=[{"data": entry}])
    assert extract({"operation": "csv"}, batch) == [{"x": "1", "y": "2"}]


def test_unsupported_operation_is_a_clear_error() -> None:
    with pytest.raises(NodeExecutionError, match="'pdf' is an n8n operation hetumind does not"):
        extract({"operation": "pdf"}, file_items((b"%PDF", "a.pdf")))


def test_empty_input_gives_no_items() -> None:
    assert extract({"operation": "csv"}, ItemBatch.empty()) == []
    assert put_binary(b"")["fileSize"] == "0 B"


def test_html_round_trip_and_table_parsing() -> None:
    rows = [{"name": "Ada & <co>", "n": 1.5, "ok": True}, {"name": "007", "n": 2, "ok": False}]
    assert extract({"operation": "html"}, convert("html", rows)) == rows
    page = (
        b"<p>x</p><table><tr><th>a</th><th>b</th></tr>"
        b"<tr><td>1,234</td><td>x<br/>y</td></tr><tr><td>50%</td><td></td></tr></table>"
    )
    assert extract({"operation": "html"}, file_items((page, "t.html"))) == [
        {"a": 1234, "b": "x\ny"},
        {"a": 0.5},
    ]
    with pytest.raises(NodeExecutionError, match=r"not in html format \(Invalid HTML: could not"):
        extract({"operation": "html"}, file_items((b"<p>no table</p>", "t.txt")))
