"""Binary data a Code node returns n8n-style (base64 inline in `data`) leaves the node as
blob-store references, never as bytes in the items; and the node reads the execution's
facts through the public `ctx.execution`."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hetumind.binary
from hetumind.binary import BLOB_MARKER, put_binary, read_binary
from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.code import Code
from hetumind.nodes.builtin.code_output import CodeOutputError, normalize_all, normalize_each
from hetumind.sandbox.assets import ensure_assets
from hetumind.workflow import Node as WorkflowNode

HELLO = base64.b64encode(b"hello").decode()


@pytest.fixture(autouse=True)
def blob_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    hetumind.binary.reset_blob_store()
    yield tmp_path
    hetumind.binary.reset_blob_store()


def only_entry(batch: ItemBatch, index: int = 0, prop: str = "data") -> dict[str, Any]:
    assert batch.binary is not None
    binary = batch.binary[index]
    assert binary is not None
    entry: dict[str, Any] = binary[prop]
    return entry


def test_all_items_inline_base64_is_stored() -> None:
    out = normalize_all(
        [
            {
                "json": {"n": 1},
                "binary": {"data": {"data": HELLO, "mimeType": "text/plain", "fileName": "a.txt"}},
            },
            {"json": {"n": 2}},
        ]
    )
    entry = only_entry(out)
    assert entry["data"] == BLOB_MARKER and entry["id"].startswith("blob:")
    assert HELLO not in str(entry)
    assert read_binary(entry) == b"hello"
    assert entry["fileName"] == "a.txt" and entry["fileExtension"] == "txt"
    assert entry["fileSize"] == "5 B" and entry["mimeType"] == "text/plain"
    assert out.binary is not None and out.binary[1] is None
    assert out.to_json() == [{"n": 1}, {"n": 2}]


def test_each_item_inline_base64_is_stored() -> None:
    batch = ItemBatch.from_json([{"a": 1}, {"a": 2}])
    results = [None, {"json": {"b": 2}, "binary": {"file": {"data": HELLO}}}]
    out = normalize_each(results, batch, continue_on_fail=False)
    entry = only_entry(out, 0, "file")
    assert read_binary(entry) == b"hello"
    assert entry["mimeType"] == "application/octet-stream"
    assert out.to_json() == [{"b": 2}]


def test_code_metadata_is_kept_and_size_recomputed() -> None:
    given = {"data": HELLO, "fileExtension": "bin", "directory": "in", "fileSize": "9 GB"}
    entry = only_entry(normalize_all({"json": {}, "binary": {"data": given}}))
    assert entry["fileExtension"] == "bin" and entry["directory"] == "in"
    assert entry["fileSize"] == "5 B"
    assert read_binary(entry) == b"hello"


def test_blob_references_pass_unchanged() -> None:
    ref = put_binary(b"kept", file_name="k.txt")
    out = normalize_all([{"json": {"x": 1}, "binary": {"data": ref}}])
    assert only_entry(out) == ref


def test_base64_with_line_breaks_is_read() -> None:
    wrapped = base64.b64encode(b"x" * 100).decode()
    wrapped = wrapped[:40] + "\n" + wrapped[40:]
    entry = only_entry(normalize_all({"json": {}, "binary": {"data": {"data": wrapped}}}))
    assert read_binary(entry) == b"x" * 100


@pytest.mark.parametrize(
    ("binary", "message"),
    [
        ("not an object", "A 'binary' property isn't an object [item 1]"),
        ({"data": "text"}, "Binary property 'data' isn't an object [item 1]"),
        ({"data": {"mimeType": "text/plain"}}, "Binary property 'data' has no data"),
        ({"data": {"data": 42}}, "Binary property 'data' has no data"),
        ({"data": {"data": "not base64!"}}, "Binary property 'data' holds invalid base64"),
    ],
    ids=["binary-not-object", "entry-not-object", "no-data", "data-not-text", "bad-base64"],
)
def test_bad_binary_is_a_clear_error(binary: Any, message: str) -> None:
    items = [{"json": {}}, {"json": {}, "binary": binary}]
    with pytest.raises(CodeOutputError) as err:
        normalize_all(items)
    assert message in err.value.message and "[item 1]" in err.value.message


def test_empty_binary_object_means_no_binary() -> None:
    out = normalize_all([{"json": {"a": 1}, "binary": {}}])
    assert out.binary is None or out.binary[0] is None


def run_code(js: str, **facts: Any) -> ItemBatch:
    ensure_assets()
    inputs = [ItemBatch.from_json([{"name": "Ada"}])]
    info = ExecutionInfo(
        **{"execution_id": "test", "workflow_id": None, "workflow_name": "test", **facts}
    )
    ctx = NodeRunContext(
        WorkflowNode(
            name="Code",
            type="n8n-nodes-base.code",
            typeVersion=2,
            parameters={"language": "javaScript", "jsCode": js},
        ),
        inputs,
        run_index=0,
        info=info,
        state={},
        references={},
        continue_on_fail=False,
    )
    (out,) = Code().run(ctx, inputs)
    return out


def test_code_node_returns_references_only() -> None:
    out = run_code(
        "return [{json: {ok: true}, binary: {data: {data: '" + HELLO + "', "
        "mimeType: 'text/plain', fileName: 'hi.txt'}}}];"
    )
    entry = only_entry(out)
    assert entry["data"] == BLOB_MARKER and read_binary(entry) == b"hello"
    assert out.to_json() == [{"ok": True}]


def test_code_node_bad_base64_names_the_item() -> None:
    with pytest.raises(NodeExecutionError, match=r"invalid base64.*\[item 0\]"):
        run_code("return [{json: {}, binary: {data: {data: '%%%'}}}];")


def test_code_node_reads_execution_facts() -> None:
    out = run_code(
        "return [{json: {wf: $workflow.name, id: $workflow.id, ex: $execution.id, "
        "mode: $execution.mode}}];",
        execution_id="ex-7",
        workflow_id="wf-1",
        workflow_name="Facts",
        mode="webhook",
    )
    assert out.to_json() == [{"wf": "Facts", "id": "wf-1", "ex": "ex-7", "mode": "production"}]
