"""A loopback HTTP server for the module, and a clean blob store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from http_server import LoopbackServer, serving

from hetumind.binary import reset_blob_store


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with serving() as s:
        yield s


@pytest.fixture(autouse=True)
def blob_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    reset_blob_store()
    yield
    reset_blob_store()
