"""The Pinecone Vector Store node against the fake of Pinecone's REST API
(tests/fakes/fake_pinecone.py): the index host from the control plane, LangChain's
flattened metadata with the text under `text`, namespaces and clearNamespace, filters, the
retriever path, and the errors of a missing index, a wrong dimension and a bad key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.ai.pinecone import flatten_metadata
from hetumind.engine import run_workflow
from tests.ai.bow_embeddings import BagOfWordsServer
from tests.ai.store_runs import run_insert, run_load
from tests.ai.test_retrieval import FACTS, embeddings, workflow
from tests.ai.workflows import L
from tests.fakes._base import serving
from tests.fakes.fake_pinecone import API_KEY, FakePinecone


@pytest.fixture(scope="module")
def api() -> Iterator[FakePinecone]:
    with serving(FakePinecone()) as fake:
        yield fake


@pytest.fixture(autouse=True)
def index(api: FakePinecone) -> None:
    api.indexes = {"facts": 64}
    api.namespaces = {}
    api.log.clear()
    api.rate_limit(0)


@pytest.fixture(scope="module")
def bow() -> Iterator[str]:
    with BagOfWordsServer() as server:
        yield server.base_url


def store(api: FakePinecone, mode: str, key: str = API_KEY, **params: Any) -> dict[str, Any]:
    params.setdefault("pineconeIndex", {"__rl": True, "value": "facts", "mode": "list"})
    return {
        "name": "Store",
        "type": f"{L}.vectorStorePinecone",
        "typeVersion": 1.1,
        "parameters": {"mode": mode, **params},
        "credentials": {
            "pineconeApi": {"id": "p", "name": "pc", "data": {"apiKey": key, "baseUrl": api.url}}
        },
    }


def insert(api: FakePinecone, bow: str, facts: list[str] = FACTS, **params: Any) -> Any:
    return run_insert(store(api, "insert", **params), bow, facts)


def load(api: FakePinecone, bow: str, question: str, **params: Any) -> Any:
    params.setdefault("topK", 1)
    return run_load(store(api, "load", prompt="={{ $json.q }}", **params), bow, question)


def test_flatten_metadata_follows_langchain() -> None:
    nested = {"loc": {"lines": {"from": 1, "to": 2}}, "tags": ["a", "b"], "mix": [1, {"x": 2}],
              "gone": None, "empty": {}}  # fmt: skip
    assert flatten_metadata(nested) == {
        "loc.lines.from": 1, "loc.lines.to": 2, "tags": ["a", "b"], "mix.0": 1, "mix.1.x": 2,
    }  # fmt: skip


def test_insert_then_load_through_the_index_host(api: FakePinecone, bow: str) -> None:
    result = insert(api, bow, options={"pineconeNamespace": "kb"})
    assert result.status == "success", result.error
    stored = list(api.namespaces["kb"].values())
    assert sorted(v["metadata"]["text"] for v in stored) == sorted(FACTS)
    one = next(v["metadata"] for v in stored if v["metadata"]["text"] == FACTS[1])
    assert one["origin"] == "fact-1" and one["loc.lines.from"] == 1
    describe, upsert = api.log[0], api.log[1]
    assert describe.method == "GET" and describe.path == "/indexes/facts"
    assert upsert.path == "/vectors/upsert" and upsert.headers["x-pinecone-api-version"]

    found = load(api, bow, "particles energy barriers", topK=2,
                 options={"pineconeNamespace": "kb"})  # fmt: skip
    assert found.status == "success", found.error
    first, second = found.outputs("Store")[0]
    assert first["document"]["pageContent"] == FACTS[1]
    assert "text" not in first["document"]["metadata"]
    assert first["score"] > second["score"]
    # another namespace holds nothing
    assert (
        load(api, bow, "particles", options={"pineconeNamespace": "other"}).outputs("Store")[0]
        == []
    )


def test_clear_namespace_and_filter(api: FakePinecone, bow: str) -> None:
    assert insert(api, bow).status == "success"
    assert insert(api, bow, FACTS[:1], options={"clearNamespace": True}).status == "success"
    assert [v["metadata"]["text"] for v in api.namespaces[""].values()] == FACTS[:1]
    assert insert(api, bow).status == "success"
    only = {"metadata": {"metadataValues": [{"name": "origin", "value": "fact-2"}]}}
    result = load(api, bow, "particles", topK=10, options=only)
    assert {f["document"]["pageContent"] for f in result.outputs("Store")[0]} == {FACTS[2]}


def test_retrieve_mode_feeds_a_qa_chain_retriever(api: FakePinecone, bow: str) -> None:
    from tests.ai.standin import StandInServer, reply
    from tests.ai.workflows import model_node

    assert insert(api, bow).status == "success"
    with StandInServer(lambda body: reply("The keeper.")) as chat:
        qa = {"name": "QA", "type": f"{L}.chainRetrievalQa", "typeVersion": 1.5,
              "parameters": {"promptType": "define", "text": "={{ $json.q }}"}}  # fmt: skip
        retriever = {"name": "Retriever", "type": f"{L}.retrieverVectorStore",
                     "typeVersion": 1, "parameters": {"topK": 1}}  # fmt: skip
        pine = store(api, "retrieve")
        pine["name"] = "Pine"
        wf = workflow(
            f"wf-{uuid.uuid4().hex}",
            [qa, retriever, pine, embeddings(bow), model_node(chat.base_url)],
            [
                ("Retriever", "ai_retriever", "QA"),
                ("Pine", "ai_vectorStore", "Retriever"),
                ("Embeddings", "ai_embedding", "Pine"),
                ("Model", "ai_languageModel", "QA"),
            ],
        )
        result = run_workflow(wf, input_items=[{"q": "who feeds the lighthouse cats?"}])
        assert result.status == "success", result.error
        prompt = str(chat.requests[0]["messages"])
    assert FACTS[0] in prompt


def test_missing_index_wrong_dimension_and_bad_key(api: FakePinecone, bow: str) -> None:
    missing = load(api, bow, "cats", pineconeIndex="nope")
    assert missing.status == "error"
    assert "Pinecone: error describing index 'nope'" in missing.error["message"]

    api.indexes = {"facts": 3}
    wrong = insert(api, bow)
    assert wrong.status == "error"
    assert "error upserting" in wrong.error["message"]
    assert "dimension" in wrong.error["message"]
    api.indexes = {"facts": 64}

    wf = workflow(
        f"wf-{uuid.uuid4().hex}",
        [store(api, "load", key="wrong", prompt="cats"), embeddings(bow)],
        [("Embeddings", "ai_embedding", "Store")],
    )
    refused = run_workflow(wf, input_items=[{}])
    assert refused.status == "error"
    assert "Pinecone" in refused.error["message"]
