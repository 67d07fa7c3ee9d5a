"""n8n's legacy nodes: Move Binary Data, Spreadsheet File, Read/Write Binary File(s),
Execution Data and Debug Helper (workflow cases from n8n: tests/conformance/cases/legacy_*)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from helpers_files import binary_of, file_bytes, file_items, run, use_tmp_blobs

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.binary_file_legacy import (
    ReadBinaryFile,
    ReadBinaryFiles,
    WriteBinaryFile,
)
from hetumind.nodes.builtin.debug_helper import MAX_MEMORY_MB, DebugHelper
from hetumind.nodes.builtin.execution_data import CUSTOM_DATA_KEY, ExecutionData
from hetumind.nodes.builtin.move_binary_data import MoveBinaryData
from hetumind.nodes.builtin.spreadsheet_file import SpreadsheetFile
from tests.nodes.context import node_context


@pytest.fixture(autouse=True)
def blobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return use_tmp_blobs(monkeypatch, tmp_path)


ROWS = [{"id": 1, "name": "Ada", "tags": {"a": 1}}, {"id": 2, "name": "Bob, Jr."}]


def test_move_binary_round_trip_and_options() -> None:
    to_file = run(MoveBinaryData(), {"mode": "jsonToBinary", "options": {}}, ROWS, version=1.1)
    assert to_file.to_json() == [{}, {}]
    entry = binary_of(to_file)["data"]
    assert (entry["mimeType"], entry["fileName"]) == ("application/json", "file.json")
    assert json.loads(file_bytes(to_file)) == ROWS[0]
    back = run(MoveBinaryData(), {"mode": "binaryToJson", "options": {}}, to_file)
    assert back.to_json() == ROWS
    raw = run(
        MoveBinaryData(),
        {
            "mode": "jsonToBinary",
            "convertAllData": False,
            "sourceKey": "name",
            "destinationKey": "txt",
            "options": {"useRawData": True, "encoding": "latin1", "keepSource": True},
        },
        ROWS,
    )
    assert raw.to_json() == ROWS and file_bytes(raw, 1, "txt") == "Bob, Jr.".encode("latin-1")
    b64 = run(
        MoveBinaryData(),
        {
            "mode": "binaryToJson",
            "setAllData": False,
            "sourceKey": "txt",
            "options": {"keepAsBase64": True},
        },
        raw,
    )
    assert b64.to_json()[0]["data"] == "QWRh" and b64.binary in (None, [None, None])


def test_move_binary_skips_missing_sources_and_reports_bad_json() -> None:
    missing = {"mode": "jsonToBinary", "convertAllData": False, "sourceKey": "nope", "options": {}}
    assert len(run(MoveBinaryData(), missing, ROWS)) == 0
    assert len(run(MoveBinaryData(), {"mode": "binaryToJson", "options": {}}, ROWS)) == 0
    bad = file_items((b"{not json", "x.json"))
    with pytest.raises(NodeExecutionError, match="is not valid JSON"):
        run(MoveBinaryData(), {"mode": "binaryToJson", "options": {}}, bad)
    out = run(MoveBinaryData(), {"mode": "binaryToJson", "options": {}}, bad, continue_on_fail=True)
    assert "not valid JSON" in out.to_json()[0]["error"]
    with pytest.raises(NodeExecutionError, match='"sideways" is not known'):
        run(MoveBinaryData(), {"mode": "sideways"}, ROWS)


@pytest.mark.parametrize("fmt", ["csv", "html", "xlsx"])
@pytest.mark.parametrize("version", [1, 2])
def test_spreadsheet_round_trip(fmt: str, version: int) -> None:
    sheet = run(
        SpreadsheetFile(),
        {"operation": "toFile", "fileFormat": fmt, "options": {}},
        ROWS,
        version=version,
    )
    assert binary_of(sheet)["data"]["fileName"] == f"spreadsheet.{fmt}"
    back = run(
        SpreadsheetFile(),
        {"operation": "fromFile", "fileFormat": "autodetect", "options": {}},
        sheet,
        version=version,
    )
    rows = back.to_json()
    assert [r["name"] for r in rows] == ["Ada", "Bob, Jr."]
    # SheetJS (v1 for every format, v2 for workbooks) types numbers; v2 reads CSV as text
    assert rows[0]["id"] == ("1" if (version == 2 and fmt == "csv") else 1)
    assert back.paired is not None and back.paired.to_pylist() == [0, 0]


def test_spreadsheet_formats_n8n_has_and_we_do_not_are_clear() -> None:
    with pytest.raises(NodeExecutionError, match="'ods' is an n8n format hetumind cannot"):
        run(SpreadsheetFile(), {"operation": "toFile", "fileFormat": "ods"}, ROWS)
    with pytest.raises(NodeExecutionError, match="not supported"):
        run(SpreadsheetFile(), {"operation": "sideways"}, ROWS)
    with pytest.raises(NodeExecutionError, match="binary"):
        run(SpreadsheetFile(), {"operation": "fromFile", "options": {}}, ROWS)


def test_write_then_read_binary_files(tmp_path: Path) -> None:
    items = file_items((b"one", "a.txt"), (b"two", "b.txt"))
    target = str(tmp_path / "out") + "-{{ $json.n }}.txt"
    (tmp_path / "out-0.txt").touch()
    written = run(WriteBinaryFile(), {"fileName": "=" + target, "dataPropertyName": "data"}, items)
    assert [r["fileName"] for r in written.to_json()] == [
        str(tmp_path / "out-0.txt"),
        str(tmp_path / "out-1.txt"),
    ]
    assert (tmp_path / "out-1.txt").read_bytes() == b"two"
    run(
        WriteBinaryFile(),
        {"fileName": str(tmp_path / "out-1.txt"), "options": {"append": True}},
        file_items((b"!", "c.txt")),
    )
    assert (tmp_path / "out-1.txt").read_bytes() == b"two!"
    one = run(
        ReadBinaryFile(),
        {"filePath": str(tmp_path / "out-0.txt"), "dataPropertyName": "f"},
        [{"k": 1}],
    )
    assert one.to_json() == [{"k": 1}] and file_bytes(one, 0, "f") == b"one"
    assert binary_of(one)["f"]["fileName"] == "out-0.txt"
    many = run(ReadBinaryFiles(), {"fileSelector": str(tmp_path / "out-*.txt")}, [{}])
    assert [file_bytes(many, i) for i in range(len(many))] == [b"one", b"two!"]
    with pytest.raises(NodeExecutionError, match="ENOENT: no such file or directory"):
        run(ReadBinaryFile(), {"filePath": str(tmp_path / "missing.txt")}, [{}])


def test_legacy_file_nodes_keep_out_of_the_hetumind_home(blobs: Path) -> None:
    blobs.mkdir(parents=True, exist_ok=True)
    secret = blobs / "secret.txt"
    secret.write_text("x")
    with pytest.raises(NodeExecutionError, match="not allowed"):
        run(ReadBinaryFile(), {"filePath": str(secret)}, [{}])
    with pytest.raises(NodeExecutionError, match="not allowed"):
        run(WriteBinaryFile(), {"fileName": str(blobs / "w.txt")}, file_items((b"x", "x.txt")))


def test_execution_data_records_custom_data_and_passes_items_through() -> None:
    params = {
        "dataToSave": {"values": [{"key": "order", "value": "={{ $json.id }}"}, {"key": "empty"}]}
    }
    inputs = [ItemBatch.from_json(ROWS)]
    extra: dict[str, Any] = {}
    ctx = node_context(params, inputs, version=1.1)
    ctx._extra = extra  # the run data the engine would keep
    (out,) = ExecutionData().run(ctx, inputs)
    assert out.to_json() == ROWS
    assert extra[CUSTOM_DATA_KEY] == {"order": "2", "empty": ""}
    too_many = {"dataToSave": {"values": [{"key": f"k{i}", "value": "v"} for i in range(11)]}}
    with pytest.raises(NodeExecutionError, match="at most 10 keys"):
        run(ExecutionData(), too_many, ROWS)


def test_debug_helper_errors_memory_and_seeded_random_data() -> None:
    with pytest.raises(NodeExecutionError, match="custom failure"):
        run(DebugHelper(), {"category": "throwError", "throwErrorMessage": "custom failure"}, [{}])
    out = run(
        DebugHelper(),
        {"category": "throwError", "throwErrorMessage": "x"},
        [{}, {}],
        continue_on_fail=True,
    )
    assert out.to_json() == [{"error": "x"}, {"error": "x"}]
    assert len(run(DebugHelper(), {"category": "doNothing"}, [{}])) == 0
    used = run(DebugHelper(), {"category": "oom", "memorySizeValue": 1}, [{}]).to_json()[0]
    assert used["heapUsed"] == 1024 * 1024 and used["rss"] > 0
    with pytest.raises(NodeExecutionError, match="Out of memory"):
        run(DebugHelper(), {"category": "oom", "memorySizeValue": MAX_MEMORY_MB + 1}, [{}])
    params = {
        "category": "randomData",
        "randomDataType": "user",
        "randomDataCount": 3,
        "randomDataSeed": "7",
    }
    first, again = (run(DebugHelper(), params, [{}]).to_json() for _ in range(2))
    assert first == again and len(first) == 3
    assert set(first[0]) == {"uid", "email", "firstname", "lastname", "password"}
    card = run(
        DebugHelper(),
        {**params, "randomDataType": "creditCard", "randomDataSingleArray": True},
        [{}],
    )
    (single,) = card.to_json()
    number = single["generatedItems"][0]["number"]
    digits = [int(d) for d in reversed(number)]
    assert (
        sum(d if i % 2 == 0 else (2 * d - 9 if d > 4 else 2 * d) for i, d in enumerate(digits)) % 10
        == 0
    )
    nano = run(
        DebugHelper(),
        {**params, "randomDataType": "nanoid", "nanoidAlphabet": "ab", "nanoidLength": "5"},
        [{}],
    )
    assert all(len(r["nanoId"]) == 5 and set(r["nanoId"]) <= {"a", "b"} for r in nano.to_json())
    with pytest.raises(NodeExecutionError, match="Unknown randomDataType"):
        run(DebugHelper(), {**params, "randomDataType": "dragons"}, [{}])


# n8n's packages/nodes-base/nodes/SpreadsheetFile/test/SpreadsheetFile.test.ts (workflow.json,
# workflow.empty.json, workflow.bom.json) with its spreadsheet.csv: version 1 reads CSV as
# SheetJS does. Its ODS/RTF/XLS writes are formats we refuse (test above).
N8N_CSV = b"A,B,C\n1,2,3\n4,5,6"


@pytest.mark.parametrize(
    ("options", "want"),
    [
        ({}, [{"A": 1, "B": 2, "C": 3}, {"A": 4, "B": 5, "C": 6}]),
        ({"range": "A2:B3"}, [{"1": 4, "2": 5}]),
        ({"headerRow": False}, [{"row": ["A", "B", "C"]}, {"row": [1, 2, 3]}, {"row": [4, 5, 6]}]),
        ({"rawData": True}, [{"A": "1", "B": "2", "C": "3"}, {"A": "4", "B": "5", "C": "6"}]),
        ({"readAsString": True}, [{"A": 1, "B": 2, "C": 3}, {"A": 4, "B": 5, "C": 6}]),
    ],
)
def test_n8n_spreadsheet_v1_reads(options: dict[str, Any], want: list[dict[str, Any]]) -> None:
    items = file_items((N8N_CSV, "spreadsheet.csv"))
    assert run(SpreadsheetFile(), {"options": options}, items).to_json() == want


def test_n8n_spreadsheet_v1_csv_write_and_empty_cells() -> None:
    rows = [{"A": 1, "B": 2, "C": 3}, {"A": 4, "B": 5, "C": 6}]
    out = run(SpreadsheetFile(), {"operation": "toFile", "fileFormat": "csv", "options": {}}, rows)
    entry = binary_of(out)["data"]
    assert (entry["mimeType"], entry["fileName"], entry["fileSize"]) == (
        "text/csv",
        "spreadsheet.csv",
        "20 B",
    )
    assert file_bytes(out) == "\ufeffA,B,C\n1,2,3\n4,5,6".encode()
    empty = file_items((b"A,B,C\n1,,3", "includeempty.csv"))
    v2 = {"fileFormat": "csv"}
    assert run(
        SpreadsheetFile(), {**v2, "options": {"includeEmptyCells": True}}, empty, version=2
    ).to_json() == [{"A": "1", "B": "", "C": "3"}]
    assert run(SpreadsheetFile(), {**v2, "options": {}}, empty, version=2).to_json() == [
        {"A": "1", "C": "3"}
    ]


def test_n8n_move_binary_data_workflow(tmp_path: Path) -> None:
    """n8n's MoveBinaryData.test.ts expectations (its sample.json read with Read Binary File)."""
    sample = b'{\n\t"id": 1,\n\t"title": "My Title",\n\t"description": "Lorem Ipsum ..."\n}'
    (tmp_path / "sample.json").write_bytes(sample)
    read = run(ReadBinaryFile(), {"filePath": str(tmp_path / "sample.json")}, [{}])
    b64 = base64.b64encode(sample).decode()
    doc = {"id": 1, "title": "My Title", "description": "Lorem Ipsum ..."}
    cases: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
        ({"options": {}}, [doc]),
        ({"setAllData": False, "options": {}}, [{"data": sample.decode()}]),
        ({"setAllData": False, "options": {"jsonParse": True}}, [{"data": doc}]),
        ({"setAllData": False, "options": {"encoding": "base64"}}, [{"data": b64}]),
        ({"setAllData": False, "options": {"keepAsBase64": True}}, [{"data": b64}]),
    ]
    for params, want in cases:
        assert run(MoveBinaryData(), params, read).to_json() == want, params
    as_json = run(MoveBinaryData(), {"options": {}}, read)
    all_data = run(MoveBinaryData(), {"mode": "jsonToBinary", "options": {}}, as_json)
    entry = binary_of(all_data)["data"]
    assert all_data.to_json() == [{}]
    assert (entry["mimeType"], entry["fileType"], entry["fileSize"], entry["fileExtension"]) == (
        "application/json",
        "json",
        "59 B",
        "json",
    )
    assert "fileName" not in entry
    assert base64.b64encode(file_bytes(all_data)).decode() == (
        "eyJpZCI6MSwidGl0bGUiOiJNeSBUaXRsZSIsImRlc2NyaXB0aW9uIjoiTG9yZW0gSXBzdW0gLi4uIn0="
    )
    one = run(
        MoveBinaryData(),
        {
            "mode": "jsonToBinary",
            "convertAllData": False,
            "sourceKey": "title",
            "options": {"fileName": "example.json"},
        },
        as_json,
    )
    assert one.to_json() == [{"id": 1, "description": "Lorem Ipsum ..."}]
    entry = binary_of(one)["data"]
    assert (entry["fileName"], entry["fileSize"], entry["mimeType"]) == (
        "example.json",
        "10 B",
        "application/json",
    )
    assert file_bytes(one) == b'"My Title"'
