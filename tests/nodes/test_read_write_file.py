"""Read/Write Files from Disk, path restrictions, and binary data through the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers_files import binary_of, file_bytes, file_items, run, use_tmp_blobs

from hetumind.binary import BLOB_MARKER
from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.read_write_file import ReadWriteFile
from hetumind.store.execution_data import decode_batch, encode_batch
from tests.engine.workflows import chain, node, start, workflow


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    use_tmp_blobs(monkeypatch, tmp_path)
    monkeypatch.delenv("HETUMIND_FILES_ROOT", raising=False)
    root = tmp_path / "files"
    (root / "sub").mkdir(parents=True)
    (root / "a.csv").write_text("x\n1\n")
    (root / "b.txt").write_text("hello")
    (root / "sub" / "c.csv").write_text("x\n2\n")
    (root / ".hidden.csv").write_text("x\n3\n")
    return root


def read(selector: str, **options: Any) -> ItemBatch:
    params = {"operation": "read", "fileSelector": selector, "options": options}
    return run(ReadWriteFile(), params, [{}])


def test_read_glob_gives_one_item_per_file_with_n8n_json(files: Path) -> None:
    out = read(f"{files}/**/*.csv")
    names = [r["fileName"] for r in out.to_json()]
    assert names == ["a.csv", "c.csv"]  # hidden files only when named
    assert out.to_json()[0] == {
        "mimeType": "text/csv",
        "fileType": "text",
        "fileName": "a.csv",
        "fileExtension": "csv",
        "fileSize": "4 B",
    }
    assert file_bytes(out, 1) == b"x\n2\n"
    assert binary_of(out, 0)["data"]["directory"] == str(files)
    assert out.paired is not None and out.paired.to_pylist() == [0, 0]


def test_read_options_override_entry(files: Path) -> None:
    out = read(str(files / "b.txt"), dataPropertyName="f", fileName="x.bin", mimeType="a/b")
    entry = binary_of(out, 0)["f"]
    assert (entry["fileName"], entry["mimeType"]) == ("x.bin", "a/b")
    assert file_bytes(out, prop="f") == b"hello"


def test_read_missing_file_is_an_error_and_empty_glob_is_nothing(files: Path) -> None:
    with pytest.raises(NodeExecutionError, match=r"item 0: The file .*nope.txt\" could not be"):
        read(str(files / "nope.txt"))
    assert read(f"{files}/*.nothing").to_json() == []


def test_files_root_restricts_read_and_write(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HETUMIND_FILES_ROOT", str(files / "sub"))
    assert len(read(f"{files}/sub/*.csv")) == 1
    with pytest.raises(NodeExecutionError, match="outside HETUMIND_FILES_ROOT"):
        read(str(files / "a.csv"))
    (files / "sub" / "link.csv").symlink_to(files / "a.csv")
    with pytest.raises(NodeExecutionError, match="not allowed"):
        read(str(files / "sub" / "link.csv"))
    params = {"operation": "write", "fileName": str(files / "out.txt")}
    with pytest.raises(NodeExecutionError, match="outside HETUMIND_FILES_ROOT"):
        run(ReadWriteFile(), params, file_items((b"x", "x.txt")))
    assert not (files / "out.txt").exists()


def test_hetumind_home_is_never_readable(files: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "encryption.key").write_text("secret")
    with pytest.raises(NodeExecutionError, match="inside the hetumind home"):
        read(str(home / "encryption.key"))


def test_write_then_append_and_keep_item(files: Path) -> None:
    target = files / "new" / "out.txt"
    batch = ItemBatch.from_json([{"k": 1}], binary=file_items((b"ab", "a.txt")).binary)
    params: dict[str, Any] = {"operation": "write", "fileName": str(target)}
    out = run(ReadWriteFile(), params, batch)
    assert target.read_bytes() == b"ab"
    assert out.to_json() == [{"k": 1, "fileName": str(target)}]
    assert "data" in binary_of(out, 0)
    run(ReadWriteFile(), {**params, "options": {"append": True}}, batch)
    assert target.read_bytes() == b"abab"


def test_write_missing_binary_errors_or_continues(files: Path) -> None:
    params = {"operation": "write", "fileName": str(files / "o.txt")}
    with pytest.raises(NodeExecutionError, match="item 0: This operation expects"):
        run(ReadWriteFile(), params, [{"a": 1}])
    out = run(ReadWriteFile(), params, [{"a": 1}], continue_on_fail=True)
    assert out.to_json()[0]["error"].startswith("This operation expects")


def test_binary_survives_the_engine_as_small_references(backend: str) -> None:
    # No private blob store here: Ray workers keep the environment they started with,
    # so the file is written and read back inside the workflow.
    rows = [{"id": i, "text": f"row {i} " + "x" * 40} for i in range(3000)]
    nodes = [
        start(),
        node("Data", "code", 2, parameters={"jsCode": f"return {rows!r}.map(j => ({{json: j}}));"}),
        node("ToCsv", "convertToFile", 1.1, parameters={"operation": "csv"}),
        node("Back", "extractFromFile", 1.1, parameters={"operation": "csv"}),
    ]
    edges = chain("Start", "Data", "ToCsv", "Back")
    wf = workflow(nodes, edges, name="binary through the engine")
    result = run_workflow(wf, backend=backend)
    assert result.status == "success", result.error
    back = result.outputs("Back")[0]
    assert len(back) == 3000 and back[2999] == {"id": "2999", "text": rows[2999]["text"]}
    assert result.backend is not None
    (csv_batch,) = result.backend.outputs(result.run_data["ToCsv"][0].outputs)
    entry = binary_of(csv_batch, 0)["data"]
    assert entry["data"] == BLOB_MARKER and entry["fileSize"].endswith("kB")
    stored = encode_batch(csv_batch)  # what execution data keeps for this run
    assert len(stored) < 2000
    assert decode_batch(stored).binary == [{"data": entry}]
    assert entry["id"].startswith("blob:")
