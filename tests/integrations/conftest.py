"""Fakes of the SaaS APIs on loopback, a clean blob store, and a way to run one node."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hetumind.binary import reset_blob_store
from hetumind.items import ItemBatch
from hetumind.nodes.registry import default_registry
from tests.nodes.context import node_context


@pytest.fixture(autouse=True)
def blob_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    reset_blob_store()
    yield
    reset_blob_store()


def run_node(
    type_name: str,
    parameters: Mapping[str, Any],
    credentials: Mapping[str, Any],
    items: list[dict[str, Any]] | None = None,
    *,
    version: float = 1,
    continue_on_fail: bool = False,
    node_name: str = "Node",
) -> list[dict[str, Any]]:
    """Run the registered node `type_name` on `items` (default one empty item); its first
    output's items (json and binary)."""
    cls = default_registry().get(type_name)
    assert cls is not None, type_name
    batch = ItemBatch.from_items(items if items is not None else [{"json": {}}])
    ctx = node_context(
        parameters,
        [batch],
        version=version,
        continue_on_fail=continue_on_fail,
        node_name=node_name,
        node_type=type_name,
        credentials=credentials,
    )
    return cls().run(ctx, [batch])[0].to_items()
