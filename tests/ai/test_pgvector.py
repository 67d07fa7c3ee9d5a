"""The Postgres PGVector Store node on a real PostgreSQL with pgvector (PGlite, see
tests/ai/pglite.py): insert and load in LangChain's table layout, collections, metadata
filters, the three distance strategies, and the errors a user can cause."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from tests.ai.bow_embeddings import BagOfWordsServer
from tests.ai.pglite import PGliteServer
from tests.ai.store_runs import run_insert, run_load
from tests.ai.test_retrieval import FACTS
from tests.ai.workflows import L


@pytest.fixture(scope="module")
def pg() -> Iterator[PGliteServer]:
    with PGliteServer() as server:
        yield server


@pytest.fixture(scope="module")
def bow() -> Iterator[str]:
    with BagOfWordsServer() as server:
        yield server.base_url


def store(pg: dict[str, Any], mode: str, **parameters: Any) -> dict[str, Any]:
    return {
        "name": "Store",
        "type": f"{L}.vectorStorePGVector",
        "typeVersion": 1.1,
        "parameters": {"mode": mode, **parameters},
        "credentials": {"postgres": {"id": "p", "name": "pg", "data": pg}},
    }


def insert(pg: dict[str, Any], bow: str, facts: list[str] = FACTS, **params: Any) -> Any:
    return run_insert(store(pg, "insert", **params), bow, facts)


def load(pg: dict[str, Any], bow: str, question: str, **params: Any) -> Any:
    params.setdefault("topK", 1)
    return run_load(store(pg, "load", prompt="={{ $json.q }}", **params), bow, question)


def query(pg: dict[str, Any], sql: str) -> list[asyncpg.Record]:
    async def main() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(**pg)
        try:
            return list(await conn.fetch(sql))
        finally:
            conn.terminate()  # pglite-socket does not answer a graceful close

    return asyncio.run(main())


def table() -> str:
    return f"vectors_{uuid.uuid4().hex[:10]}"


def test_insert_then_load_in_langchains_layout(pg: PGliteServer, bow: str) -> None:
    name = table()
    inserted = insert(pg.credential, bow, tableName=name)
    assert inserted.status == "success", inserted.error
    assert [d["pageContent"] for d in inserted.outputs("Store")[0]] == FACTS

    rows = query(pg.credential, f"SELECT id, text, metadata, embedding::text AS e FROM {name}")
    assert sorted(r["text"] for r in rows) == sorted(FACTS)
    assert all(isinstance(r["id"], uuid.UUID) for r in rows)
    stored = {r["text"]: json.loads(r["metadata"]) for r in rows}
    assert stored[FACTS[1]]["origin"] == "fact-1"
    assert stored[FACTS[1]]["loc"] == {"lines": {"from": 1, "to": 1}}
    columns = query(
        pg.credential,
        "SELECT column_name, udt_name FROM information_schema.columns "
        f"WHERE table_name = '{name}' ORDER BY ordinal_position",
    )
    assert [(c["column_name"], c["udt_name"]) for c in columns] == [
        ("id", "uuid"), ("text", "text"), ("metadata", "jsonb"), ("embedding", "vector"),
    ]  # fmt: skip

    result = load(pg.credential, bow, "particles energy barriers", tableName=name, topK=3)
    assert result.status == "success", result.error
    found = result.outputs("Store")[0]
    assert found[0]["document"]["pageContent"] == FACTS[1]
    assert found[0]["document"]["metadata"]["origin"] == "fact-1"
    # scores are cosine distances, as LangChain reports them: nearest first, smallest
    scores = [f["score"] for f in found]
    assert scores == sorted(scores) and 0 <= scores[0] < scores[-1] <= 2


def test_collections_keep_their_documents_apart(pg: PGliteServer, bow: str) -> None:
    name = table()

    def collection(label: str) -> dict[str, Any]:
        values = {"useCollection": True, "collectionName": label,
                  "collectionTableName": f"{name}_collections"}  # fmt: skip
        return {"collection": {"values": values}}

    assert (
        insert(pg.credential, bow, FACTS[:1], tableName=name, options=collection("a")).status
        == "success"
    )
    assert (
        insert(pg.credential, bow, FACTS[1:], tableName=name, options=collection("b")).status
        == "success"
    )
    result = load(pg.credential, bow, "particles", tableName=name, topK=10, options=collection("a"))
    assert [f["document"]["pageContent"] for f in result.outputs("Store")[0]] == FACTS[:1]
    labels = query(pg.credential, f"SELECT name FROM {name}_collections ORDER BY name")
    assert [r["name"] for r in labels] == ["a", "b"]


def test_metadata_filter_and_distance_strategies(pg: PGliteServer, bow: str) -> None:
    name = table()
    assert insert(pg.credential, bow, tableName=name).status == "success"
    only_fact_2 = {"metadata": {"metadataValues": [{"name": "origin", "value": "fact-2"}]}}
    result = load(pg.credential, bow, "particles", tableName=name, topK=5, options=only_fact_2)
    assert [f["document"]["pageContent"] for f in result.outputs("Store")[0]] == [FACTS[2]]

    for strategy in ("cosine", "innerProduct", "euclidean"):
        result = load(
            pg.credential, bow, "lighthouse keeper cats", tableName=name, topK=3,
            options={"distanceStrategy": strategy},
        )  # fmt: skip
        assert result.status == "success", result.error
        found = result.outputs("Store")[0]
        assert found[0]["document"]["pageContent"] == FACTS[0], strategy
        if strategy == "innerProduct":  # pgvector's <#> is the negative inner product
            assert found[0]["score"] < 0


def test_a_table_name_that_is_not_a_plain_identifier_is_refused(pg: PGliteServer, bow: str) -> None:
    result = insert(pg.credential, bow, tableName='x"; DROP TABLE pg_class; --')
    assert result.status == "error"
    assert "'Store'" in result.error["message"]
    assert "not a plain SQL identifier" in result.error["message"]


def test_an_unknown_distance_strategy_names_the_choices(pg: PGliteServer, bow: str) -> None:
    result = load(pg.credential, bow, "cats", tableName=table(),
                  options={"distanceStrategy": "manhattan"})  # fmt: skip
    assert result.status == "error"
    assert "'manhattan'" in result.error["message"] and "'cosine'" in result.error["message"]


def test_an_unreachable_server_is_a_clear_error(bow: str) -> None:
    with PGliteServer() as gone:
        credential = gone.credential
    result = load(credential, bow, "cats")
    assert result.status == "error"
    assert "PGVector store 'n8n_vectors'" in result.error["message"]
    assert "Connection refused" in result.error["message"]
