"""Convert to File: items become one file (or one per item) in a binary property."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers_files import binary_of, file_bytes, run, use_tmp_blobs

from hetumind.binary import BLOB_MARKER
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.convert_to_file import ConvertToFile

ROWS = [
    {"id": 1, "name": "Ada, Countess", "ok": True, "note": 'say "hi"', "tags": ["a"]},
    {"id": 2, "name": "Grace", "ok": False, "note": None, "meta": {"x": 2.5}},
]


@pytest.fixture(autouse=True)
def _blobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_tmp_blobs(monkeypatch, tmp_path)


def test_csv_is_one_file_with_flattened_union_header_like_sheetjs() -> None:
    out = run(ConvertToFile(), {"operation": "csv", "options": {}}, ROWS, version=1.1)
    assert out.to_json() == [{}] and out.paired is not None
    assert out.paired.to_pylist() == [None]
    assert file_bytes(out).decode("utf-8") == (
        "\ufeffid,name,ok,note,tags.0,meta.x\n"
        '1,"Ada, Countess",TRUE,"say ""hi""",a,\n'
        "2,Grace,FALSE,,,2.5"
    )
    entry = binary_of(out, 0)["data"]
    assert entry["fileName"] == "File.csv" and entry["mimeType"] == "text/csv"
    assert entry["data"] == BLOB_MARKER  # the bytes are in the blob store, not the item


def test_csv_options_delimiter_no_header_file_name_and_property() -> None:
    params = {
        "operation": "csv",
        "binaryPropertyName": "sheet",
        "options": {"delimiter": ";", "headerRow": False, "fileName": "out.txt"},
    }
    out = run(ConvertToFile(), params, [{"a": "x;y", "b": 1}, {"a": "z", "b": 2}])
    assert file_bytes(out, prop="sheet").decode() == '\ufeff"x;y";1\nz;2'
    assert binary_of(out, 0)["sheet"]["fileName"] == "out.txt"


def test_html_escapes_text_and_marks_cell_types() -> None:
    out = run(ConvertToFile(), {"operation": "html"}, [{"a": "<b>", "n": 2, "z": None}])
    text = file_bytes(out).decode()
    assert '<td data-t="s" data-v="&lt;b&gt;" id="sjs-A2">&lt;b&gt;</td>' in text
    assert '<td data-t="n" data-v="2" id="sjs-B2">2</td>' in text
    assert '<td data-t="z" id="sjs-C2"></td>' in text


def test_to_json_once_pretty_and_each_compact() -> None:
    once = run(ConvertToFile(), {"operation": "toJson", "options": {"format": True}}, ROWS)
    assert json.loads(file_bytes(once)) == ROWS
    assert file_bytes(once).startswith(b'[\n  {\n    "id": 1,')
    each = run(ConvertToFile(), {"operation": "toJson", "mode": "each"}, ROWS)
    assert len(each) == 2 and each.paired is not None and each.paired.to_pylist() == [0, 1]
    assert file_bytes(each, 1) == b'{"id":2,"name":"Grace","ok":false,"note":null,"meta":{"x":2.5}}'
    assert binary_of(each, 0)["data"]["fileName"] == "file.json"


def test_to_text_encoding_bom_and_missing_source() -> None:
    params = {"operation": "toText", "sourceProperty": "t", "options": {"encoding": "utf16le"}}
    out = run(ConvertToFile(), params, [{"t": "hé"}])
    assert file_bytes(out) == "hé".encode("utf-16-le")
    bom = run(ConvertToFile(), {**params, "options": {"addBOM": True}}, [{"t": "x"}])
    assert file_bytes(bom) == b"\xef\xbb\xbfx"
    with pytest.raises(NodeExecutionError, match=r"node 'Node', item 1: The value in \"t\""):
        run(ConvertToFile(), params, [{"t": "a"}, {"u": "b"}])


def test_to_text_continue_on_fail_keeps_other_items() -> None:
    params = {"operation": "toText", "sourceProperty": "t"}
    out = run(ConvertToFile(), params, [{"u": 1}, {"t": 5}], continue_on_fail=True)
    assert out.to_json() == [{"error": 'The value in "t" is not set'}, {}]
    assert file_bytes(out, 1) == b"5"


def test_to_binary_decodes_base64_and_rejects_garbage() -> None:
    params = {"operation": "toBinary", "sourceProperty": "b", "options": {"mimeType": "image/png"}}
    out = run(ConvertToFile(), params, [{"b": "aGk="}], version=1.1)
    assert file_bytes(out) == b"hi"
    assert binary_of(out, 0)["data"]["fileType"] == "image"
    with pytest.raises(NodeExecutionError, match="not valid base64"):
        run(ConvertToFile(), params, [{"b": "abc"}], version=1.1)


def test_xlsx_keeps_formula_like_text_as_text() -> None:
    from openpyxl import load_workbook

    params = {"operation": "xlsx", "options": {"sheetName": "People"}}
    out = run(ConvertToFile(), params, [{"f": "=1+1", "n": 3}])
    book = load_workbook(io.BytesIO(file_bytes(out)))
    assert book.sheetnames == ["People"]
    assert [[c.value for c in row] for row in book["People"].iter_rows()] == [
        ["f", "n"],
        ["=1+1", 3],
    ]
    assert book["People"]["A2"].data_type == "s"


def test_parquet_keeps_types_and_json_encoded_columns() -> None:
    rows = [{"a": 1, "b": {"x": 1}}, {"a": 2, "c": "only here"}]
    out = run(ConvertToFile(), {"operation": "parquet"}, rows)
    table = pq.read_table(pa.BufferReader(file_bytes(out)))
    assert table.column("a").to_pylist() == [1, 2]
    assert binary_of(out, 0)["data"]["fileName"] == "File.parquet"


def test_unsupported_operation_and_no_fields() -> None:
    with pytest.raises(NodeExecutionError, match="'iCal' is an n8n operation hetumind does not"):
        run(ConvertToFile(), {"operation": "iCal"}, ROWS)
    with pytest.raises(NodeExecutionError, match="no fields to write"):
        run(ConvertToFile(), {"operation": "parquet"}, ItemBatch.from_json([{}]))


def test_empty_input_still_makes_an_empty_file() -> None:
    out = run(ConvertToFile(), {"operation": "csv"}, [])
    assert len(out) == 1 and file_bytes(out) == b"\xef\xbb\xbf"
    assert run(ConvertToFile(), {"operation": "toText", "sourceProperty": "t"}, []).to_json() == []
