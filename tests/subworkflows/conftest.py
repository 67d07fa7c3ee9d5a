"""A store of its own per test (SQLite under a tmp HETUMIND_HOME, or PostgreSQL), the
same one the Execute Workflow node opens from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hetumind.binary import reset_blob_store
from hetumind.store import ExecutionData, Store
from hetumind.subworkflows import drain, execution_data, reset_store
from tests.store.conftest import new_pg_database, pg_scratch  # noqa: F401 - fixture


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    monkeypatch.delenv("HETUMIND_DATABASE_URL", raising=False)
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    reset_blob_store()
    reset_store()
    yield tmp_path
    drain(30)
    reset_store()
    reset_blob_store()


@pytest.fixture
def data(home: Path) -> ExecutionData:
    """The store the node uses in this process (opened from the environment)."""
    return execution_data()


@pytest.fixture
def store(data: ExecutionData) -> Store:
    return data.store


def save(store: Store, doc: dict[str, Any], **kwargs: Any) -> str:
    record = store.run_sync(store.workflows.create(doc, **kwargs))
    return str(record.id)
