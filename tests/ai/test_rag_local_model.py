"""Slow tier: a RAG workflow in n8n's shape on the real local models (SmolLM2 for chat,
all-MiniLM-L6-v2 for embeddings, both through vLLM from scripts/setup-llm.sh).

Manual Trigger → Simple Vector Store (insert; Default Data Loader + Recursive Character
Text Splitter + embeddings) → Limit → Set (the question) → Question and Answer Chain
(Vector Store Retriever → Simple Vector Store in retrieve mode). The retrieved context
must hold the inserted document; the tiny model's wording is not asserted. Two chains
share the servers: Summarization (refine) and Sentiment Analysis (guided decoding).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.ai.local_server import vllm_server
from hetumind.ai.splitters import RecursiveCharacterTextSplitter
from hetumind.engine import run_workflow
from tests.ai.workflows import L, model_node

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DOCUMENT = "The lighthouse keeper on Gull Island feeds seven orange cats every morning."
OTHERS = [
    "Basil grows best on warm, sunny windowsills.",
    "Quantum tunnelling lets particles cross energy barriers.",
]


@pytest.fixture(scope="module")
def models() -> Iterator[tuple[str, str]]:
    with (
        vllm_server("smollm2", max_num_seqs=4) as chat,
        vllm_server("minilm", embed=True, max_num_seqs=8) as embed,
    ):
        yield chat, embed


def link(src: str, kind: str, dst: str) -> tuple[str, str, str]:
    return src, kind, dst


def rag_workflow(chat: str, embed: str) -> dict[str, Any]:
    def embeddings(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "type": f"{L}.embeddingsOpenAi",
            "typeVersion": 1.2,
            "parameters": {"model": "minilm", "options": {"baseURL": embed}},
        }

    nodes = [
        {"name": "Manual Trigger", "type": "n8n-nodes-base.manualTrigger",
         "typeVersion": 1, "parameters": {}},
        {"name": "Insert", "type": f"{L}.vectorStoreInMemory", "typeVersion": 1.1,
         "parameters": {"mode": "insert", "memoryKey": "rag"}},
        {"name": "Default Data Loader", "type": f"{L}.documentDefaultDataLoader",
         "typeVersion": 1, "parameters": {"options": {"pointers": "/text"}}},
        {"name": "Recursive Character Text Splitter",
         "type": f"{L}.textSplitterRecursiveCharacterTextSplitter", "typeVersion": 1,
         "parameters": {"chunkSize": 200, "chunkOverlap": 0}},
        embeddings("Embeddings Insert"),
        {"name": "Limit", "type": "n8n-nodes-base.limit", "typeVersion": 1,
         "parameters": {"maxItems": 1}},
        {"name": "Question", "type": "n8n-nodes-base.set", "typeVersion": 3.4,
         "parameters": {"assignments": {"assignments": [
             {"id": "q", "name": "chatInput", "type": "string",
              "value": "What does the lighthouse keeper feed every morning?"}]}}},
        {"name": "Question and Answer Chain", "type": f"{L}.chainRetrievalQa",
         "typeVersion": 1.5, "parameters": {}},
        model_node(chat, "smollm2", temperature=0, maxTokens=40),
        {"name": "Vector Store Retriever", "type": f"{L}.retrieverVectorStore",
         "typeVersion": 1, "parameters": {"topK": 1}},
        {"name": "Retrieve", "type": f"{L}.vectorStoreInMemory", "typeVersion": 1.1,
         "parameters": {"mode": "retrieve", "memoryKey": "rag"}},
        embeddings("Embeddings Retrieve"),
    ]  # fmt: skip
    main = [
        ("Manual Trigger", "Insert"),
        ("Insert", "Limit"),
        ("Limit", "Question"),
        ("Question", "Question and Answer Chain"),
    ]
    supply = [
        link("Default Data Loader", "ai_document", "Insert"),
        link("Recursive Character Text Splitter", "ai_textSplitter", "Default Data Loader"),
        link("Embeddings Insert", "ai_embedding", "Insert"),
        link("Model", "ai_languageModel", "Question and Answer Chain"),
        link("Vector Store Retriever", "ai_retriever", "Question and Answer Chain"),
        link("Retrieve", "ai_vectorStore", "Vector Store Retriever"),
        link("Embeddings Retrieve", "ai_embedding", "Retrieve"),
    ]
    connections: dict[str, Any] = {}
    for src, dst in main:
        connections.setdefault(src, {})["main"] = [[{"node": dst, "type": "main", "index": 0}]]
    for src, kind, dst in supply:
        connections.setdefault(src, {})[kind] = [[{"node": dst, "type": kind, "index": 0}]]
    return {
        "id": f"rag-{uuid.uuid4().hex}",
        "name": "RAG",
        "nodes": nodes,
        "connections": connections,
    }


def test_rag_workflow_answers_from_the_inserted_document(models: tuple[str, str]) -> None:
    chat, embed = models
    items = [{"text": t} for t in [*OTHERS, DOCUMENT]]
    result = run_workflow(rag_workflow(chat, embed), input_items=items)
    assert result.status == "success", result.error
    assert [d["pageContent"] for d in result.outputs("Insert")[0]] == [*OTHERS, DOCUMENT]
    (answer,) = result.outputs("Question and Answer Chain")[0]
    assert isinstance(answer["response"], str) and answer["response"].strip()
    steps = result.run_data["Question and Answer Chain"][0].meta.extra["ai"]["items"][0]["steps"]
    retrieved = steps[0]
    assert retrieved["type"] == "retriever"
    assert [d["pageContent"] for d in retrieved["documents"]] == [DOCUMENT]
    # the model saw the document as its context
    assert steps[1]["type"] == "model"


def chain_workflow(root: dict[str, Any], chat: str) -> dict[str, Any]:
    model = model_node(chat, "smollm2", temperature=0, maxTokens=60)
    return {
        "name": "chain",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "parameters": {}},
            root,
            model,
        ],
        "connections": {
            "Start": {"main": [[{"node": root["name"], "type": "main", "index": 0}]]},
            "Model": {"ai_languageModel": [[{"node": root["name"], "type": "ai_languageModel",
                                             "index": 0}]]},
        },
    }  # fmt: skip


def test_summarization_chain_on_the_local_model(models: tuple[str, str]) -> None:
    chat, _ = models
    root = {
        "name": "Summarization Chain",
        "type": f"{L}.chainSummarization",
        "typeVersion": 2,
        "parameters": {
            "options": {
                "summarizationMethodAndPrompts": {"values": {"summarizationMethod": "refine"}}
            },
            "chunkSize": 60,
            "chunkOverlap": 0,
        },
    }
    text = " ".join([*OTHERS, DOCUMENT])
    result = run_workflow(chain_workflow(root, chat), input_items=[{"text": text}])
    assert result.status == "success", result.error
    (item,) = result.outputs("Summarization Chain")[0]
    assert isinstance(item["response"]["output_text"], str)
    steps = result.run_data["Summarization Chain"][0].meta.extra["ai"]["items"][0]["steps"]
    chunks = RecursiveCharacterTextSplitter(chunk_size=60, chunk_overlap=0).split_text(text)
    assert len(chunks) > 2
    assert [s["call"] for s in steps] == ["initial"] + ["refine"] * (len(chunks) - 1)


def test_sentiment_analysis_on_the_local_model_routes_every_item(models: tuple[str, str]) -> None:
    chat, _ = models
    root = {
        "name": "Sentiment Analysis",
        "type": f"{L}.sentimentAnalysis",
        "typeVersion": 1.1,
        "parameters": {
            "inputText": "={{ $json.review }}",
            # hetumind option: guided decoding keeps the tiny model's JSON valid
            "options": {"enforceSchema": True, "includeDetailedResults": True},
        },
    }
    reviews = ["I love this, it is wonderful!", "Terrible. It broke on day one."]
    result = run_workflow(chain_workflow(root, chat), input_items=[{"review": r} for r in reviews])
    assert result.status == "success", result.error
    outputs = result.outputs("Sentiment Analysis")
    assert len(outputs) == 3
    routed = [(port, item) for port, items in enumerate(outputs) for item in items]
    assert sorted(item["review"] for _, item in routed) == sorted(reviews)
    names = ["Positive", "Neutral", "Negative"]
    for port, item in routed:
        analysis = item["sentimentAnalysis"]
        assert analysis["category"] == names[port]
        assert 0 <= analysis["strength"] <= 1 and 0 <= analysis["confidence"] <= 1
