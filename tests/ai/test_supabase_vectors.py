"""The Supabase Vector Store node against the fake of Supabase's REST API
(tests/fakes/fake_supabase.py, with the `match_documents` function of Supabase's vector
guide): insert, load with a metadata filter, retrieve-as-tool for an agent (the sub-node's
own credential), and the errors of a missing table, a missing function and a bad key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.engine import run_workflow
from tests.ai.bow_embeddings import BagOfWordsServer
from tests.ai.standin import StandInServer, reply
from tests.ai.store_runs import run_insert, run_load
from tests.ai.test_retrieval import FACTS, embeddings, workflow
from tests.ai.workflows import L, model_node
from tests.fakes._base import serving
from tests.fakes.fake_supabase import SERVICE_ROLE, FakeSupabase


@pytest.fixture(scope="module")
def api() -> Iterator[FakeSupabase]:
    with serving(FakeSupabase()) as fake:
        yield fake


@pytest.fixture(autouse=True)
def documents_table(api: FakeSupabase) -> None:
    api.schemas = {"public": {}}
    api.functions.clear()
    api.add_table("documents", ["id", "content", "metadata", "embedding"])
    api.add_match_documents("documents")
    api.log.clear()
    api.rate_limit(0)


@pytest.fixture(scope="module")
def bow() -> Iterator[str]:
    with BagOfWordsServer() as server:
        yield server.base_url


def store(api: FakeSupabase, mode: str, key: str = SERVICE_ROLE, **params: Any) -> dict[str, Any]:
    params.setdefault("tableName", {"__rl": True, "value": "documents", "mode": "list"})
    return {
        "name": "Store",
        "type": f"{L}.vectorStoreSupabase",
        "typeVersion": 1.1,
        "parameters": {"mode": mode, **params},
        "credentials": {
            "supabaseApi": {"id": "s", "name": "sb", "data": {"host": api.url, "serviceRole": key}}
        },
    }


def insert(api: FakeSupabase, bow: str, **params: Any) -> Any:
    return run_insert(store(api, "insert", **params), bow)


def load(api: FakeSupabase, bow: str, question: str, **params: Any) -> Any:
    params.setdefault("topK", 1)
    return run_load(store(api, "load", prompt="={{ $json.q }}", **params), bow, question)


def test_insert_upserts_langchains_rows_and_load_calls_match_documents(
    api: FakeSupabase, bow: str
) -> None:
    result = insert(api, bow)
    assert result.status == "success", result.error
    rows = api.table("documents").rows
    assert [r["content"] for r in rows] == FACTS
    assert rows[1]["metadata"]["origin"] == "fact-1" and len(rows[1]["embedding"]) == 64
    (post,) = [c for c in api.log if c.path == "/rest/v1/documents"]
    assert post.headers["prefer"] == "resolution=merge-duplicates,return=representation"
    assert post.headers["apikey"] == SERVICE_ROLE

    found = load(api, bow, "particles energy barriers", topK=2)
    assert found.status == "success", found.error
    first, second = found.outputs("Store")[0]
    assert first["document"]["pageContent"] == FACTS[1]
    assert first["score"] > second["score"]  # similarity: higher is nearer
    (rpc,) = [c for c in api.log if c.path == "/rest/v1/rpc/match_documents"]
    assert rpc.json["match_count"] == 2 and rpc.json["filter"] == {}
    assert len(rpc.json["query_embedding"]) == 64


def test_metadata_filter_and_query_name(api: FakeSupabase, bow: str) -> None:
    assert insert(api, bow).status == "success"
    api.add_match_documents("documents", name="match_facts")
    options = {
        "queryName": "match_facts",
        "metadata": {"metadataValues": [{"name": "origin", "value": "fact-2"}]},
    }
    result = load(api, bow, "particles", topK=5, options=options)
    assert result.status == "success", result.error
    assert [f["document"]["pageContent"] for f in result.outputs("Store")[0]] == [FACTS[2]]
    (rpc,) = [c for c in api.log if c.path == "/rest/v1/rpc/match_facts"]
    assert rpc.json["filter"] == {"origin": "fact-2"}


def test_retrieve_as_tool_uses_the_sub_nodes_own_credential(api: FakeSupabase, bow: str) -> None:
    assert insert(api, bow).status == "success"

    def script(body: dict[str, Any]) -> dict[str, Any]:
        tool_results = [m for m in body["messages"] if m["role"] == "tool"]
        if not tool_results:
            return reply(tool_calls=[("Facts", {"input": "lighthouse keeper cats"})])
        return reply(tool_results[0]["content"])

    with StandInServer(script) as chat:
        agent = {
            "name": "Agent",
            "type": f"{L}.agent",
            "typeVersion": 1.7,
            "parameters": {"promptType": "define", "text": "={{ $json.q }}", "options": {}},
        }
        tool = store(api, "retrieve-as-tool", toolDescription="facts", topK=1)
        tool["name"] = "Facts"
        tool["typeVersion"] = 1.3
        wf = workflow(
            f"wf-{uuid.uuid4().hex}",
            [agent, tool, embeddings(bow), model_node(chat.base_url)],
            [
                ("Facts", "ai_tool", "Agent"),
                ("Embeddings", "ai_embedding", "Facts"),
                ("Model", "ai_languageModel", "Agent"),
            ],
        )
        result = run_workflow(wf, input_items=[{"q": "who feeds cats?"}])
    assert result.status == "success", result.error
    (item,) = result.outputs("Agent")[0]
    (entry,) = json.loads(item["output"])
    assert json.loads(entry["text"])["pageContent"] == FACTS[0]


def test_a_missing_table_or_function_and_a_bad_key_are_clear_errors(
    api: FakeSupabase, bow: str
) -> None:
    missing = insert(api, bow, tableName="nope")
    assert missing.status == "error"
    assert "error inserting" in missing.error["message"]
    assert "does table 'nope' exist?" in missing.error["message"]

    no_function = load(api, bow, "cats", options={"queryName": "match_nothing"})
    assert no_function.status == "error"
    assert "does function 'match_nothing' exist?" in no_function.error["message"]

    wf = workflow(
        f"wf-{uuid.uuid4().hex}",
        [store(api, "load", key="wrong", prompt="cats"), embeddings(bow)],
        [("Embeddings", "ai_embedding", "Store")],
    )
    refused = run_workflow(wf, input_items=[{}])
    assert refused.status == "error"
    assert "Supabase: error searching for documents" in refused.error["message"]
    assert api.table("documents").rows == []
