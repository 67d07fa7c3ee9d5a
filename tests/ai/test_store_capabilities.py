"""Vector stores and chat memories obey the execution's capabilities like the Postgres and
HTTP nodes: in server mode a database or Qdrant host outside the network policy is refused
before anything connects, and Qdrant's local mode may write only inside the files root."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hetumind.capabilities import Capabilities
from hetumind.credentials import credential_key
from hetumind.engine import run_workflow
from tests.ai.bow_embeddings import BagOfWordsServer
from tests.ai.test_retrieval import embeddings, workflow
from tests.ai.workflows import L


@pytest.fixture(scope="module")
def bow() -> Iterator[str]:
    with BagOfWordsServer() as server:
        yield server.base_url


def server_caps(tmp_path: Path) -> Capabilities:
    # the embeddings stand-in listens on 127.0.0.1: only that address is allowed
    return Capabilities.server_mode(
        {"HETUMIND_HOME": str(tmp_path / "home"), "HETUMIND_ALLOWED_HOSTS": "127.0.0.1"}
    )


def load_with(
    kind: str, credential_type: str, data: dict[str, Any], bow: str, tmp_path: Path, **params: Any
) -> Any:
    ref = {"id": "c1", "name": "stored"}
    store = {
        "name": "Store",
        "type": f"{L}.{kind}",
        "typeVersion": 1.1,
        "parameters": {"mode": "load", "prompt": "cats", **params},
        "credentials": {credential_type: ref},
    }
    wf = workflow(
        f"wf-{uuid.uuid4().hex}",
        [store, embeddings(bow)],
        [("Embeddings", "ai_embedding", "Store")],
    )
    return run_workflow(
        wf,
        input_items=[{}],
        capabilities=server_caps(tmp_path),
        credentials={credential_key(credential_type, ref): data},
    )


def test_pgvector_host_outside_the_policy_is_refused(bow: str, tmp_path: Path) -> None:
    data = {"host": "127.0.0.2", "port": 5432, "database": "x", "user": "u", "password": "p"}
    result = load_with("vectorStorePGVector", "postgres", data, bow, tmp_path)
    assert result.status == "error"
    assert "node 'Store'" in result.error["message"]
    assert "127.0.0.2" in result.error["message"]


def test_qdrant_url_outside_the_policy_is_refused(bow: str, tmp_path: Path) -> None:
    data = {"qdrantUrl": "http://169.254.169.254:6333"}
    result = load_with("vectorStoreQdrant", "qdrantApi", data, bow, tmp_path,
                       qdrantCollection="c")  # fmt: skip
    assert result.status == "error"
    assert "169.254.169.254" in result.error["message"]


def test_qdrant_local_mode_may_not_write_outside_the_files_root(bow: str, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    data = {"qdrantUrl": f"path:{outside}"}
    result = load_with("vectorStoreQdrant", "qdrantApi", data, bow, tmp_path,
                       qdrantCollection="c")  # fmt: skip
    assert result.status == "error"
    assert not outside.exists()
