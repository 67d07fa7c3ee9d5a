"""Shared pieces of the file node tests: a private blob store and a node runner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from context import node_context

import hetumind.binary
from hetumind.binary import put_binary, read_binary
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node


def use_tmp_blobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point HETUMIND_HOME (and so the blob store) at a fresh folder for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("HETUMIND_HOME", str(home))
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    hetumind.binary.reset_blob_store()
    return home


def file_items(*files: tuple[bytes, str], prop: str = "data") -> ItemBatch:
    """One item per (bytes, file name), each carrying the file in binary property `prop`."""
    binary: list[dict[str, Any] | None] = [
        {prop: put_binary(data, file_name=name)} for data, name in files
    ]
    return ItemBatch.from_json([{"n": i} for i in range(len(files))], binary=binary)


def run(
    node: Node,
    parameters: Mapping[str, Any],
    batch: ItemBatch | Sequence[dict[str, Any]],
    *,
    version: float = 1,
    continue_on_fail: bool = False,
) -> ItemBatch:
    inputs = [batch if isinstance(batch, ItemBatch) else ItemBatch.from_json(list(batch))]
    ctx = node_context(parameters, inputs, version=version, continue_on_fail=continue_on_fail)
    (out,) = node.run(ctx, inputs)
    return out


def binary_of(batch: ItemBatch, index: int = 0) -> dict[str, Any]:
    """Item `index`'s binary dict (failing the test when it has none)."""
    assert batch.binary is not None
    binary = batch.binary[index]
    assert binary is not None
    return binary


def file_bytes(batch: ItemBatch, index: int = 0, prop: str = "data") -> bytes:
    return read_binary(binary_of(batch, index)[prop])
