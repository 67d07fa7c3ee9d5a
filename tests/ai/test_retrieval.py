"""Vector stores (in-memory, Qdrant local mode), retrievers, the retrieve-as-tool mode and
the chains, with the bag-of-words embeddings stand-in and the scripted chat stand-in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.engine import run_workflow
from tests.ai.bow_embeddings import BagOfWordsServer
from tests.ai.standin import StandInServer, reply
from tests.ai.workflows import L, model_node

FACTS = [
    "The lighthouse keeper feeds seven cats every morning.",
    "Quantum tunnelling lets particles cross energy barriers.",
    "Basil grows best in warm sunny windowsills.",
]


@pytest.fixture(scope="module")
def bow() -> Iterator[str]:
    with BagOfWordsServer() as server:
        yield server.base_url


def embeddings(base_url: str) -> dict[str, Any]:
    return {
        "name": "Embeddings",
        "type": f"{L}.embeddingsOpenAi",
        "typeVersion": 1.2,
        "parameters": {"model": "bow", "options": {"baseURL": base_url}},
    }


def workflow(
    wf_id: str, nodes: list[dict[str, Any]], links: list[tuple[str, str, str]]
) -> dict[str, Any]:
    """Start -> the first node; links are (source, kind, target)."""
    connections: dict[str, Any] = {
        "Start": {"main": [[{"node": nodes[0]["name"], "type": "main", "index": 0}]]}
    }
    for src, kind, dst in links:
        connections.setdefault(src, {}).setdefault(kind, [[]])[0].append(
            {"node": dst, "type": kind, "index": 0}
        )
    start = {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1}
    return {"id": wf_id, "name": "rag", "nodes": [start, *nodes], "connections": connections}


def store_node(kind: str, mode: str, **parameters: Any) -> dict[str, Any]:
    node = {
        "name": "Store",
        "type": f"{L}.{kind}",
        "typeVersion": 1.1,
        "parameters": {"mode": mode, **parameters},
    }
    if kind == "vectorStoreQdrant":
        # inline credential data: qdrant-client's local mode in this process
        node["credentials"] = {
            "qdrantApi": {"id": "q", "name": "local", "data": {"qdrantUrl": ":memory:"}}
        }
        node["parameters"]["qdrantCollection"] = {
            "__rl": True,
            "value": parameters.get("collection", "facts"),
            "mode": "list",
        }
    return node


LOADER = {
    "name": "Loader",
    "type": f"{L}.documentDefaultDataLoader",
    "typeVersion": 1,
    "parameters": {
        "options": {
            "pointers": "/text",
            "metadata": {"metadataValues": [{"name": "origin", "value": "={{ $json.origin }}"}]},
        }
    },
}
SPLITTER = {
    "name": "Splitter",
    "type": f"{L}.textSplitterRecursiveCharacterTextSplitter",
    "typeVersion": 1,
    "parameters": {"chunkSize": 200, "chunkOverlap": 0},
}


def insert(wf_id: str, base_url: str, kind: str, backend: str = "inline", **params: Any) -> Any:
    wf = workflow(
        wf_id,
        [store_node(kind, "insert", **params), LOADER, SPLITTER, embeddings(base_url)],
        [
            ("Loader", "ai_document", "Store"),
            ("Splitter", "ai_textSplitter", "Loader"),
            ("Embeddings", "ai_embedding", "Store"),
        ],
    )
    items = [{"text": t, "origin": f"fact-{i}"} for i, t in enumerate(FACTS)]
    result = run_workflow(wf, backend=backend, input_items=items)
    assert result.status == "success", result.error
    return result.outputs("Store")[0]


def load(
    wf_id: str, base_url: str, kind: str, question: str, backend: str = "inline", **p: Any
) -> Any:
    wf = workflow(
        wf_id,
        [store_node(kind, "load", prompt="={{ $json.q }}", topK=1, **p), embeddings(base_url)],
        [("Embeddings", "ai_embedding", "Store")],
    )
    result = run_workflow(wf, backend=backend, input_items=[{"q": question}])
    assert result.status == "success", result.error
    return result.outputs("Store")[0]


def test_in_memory_store_insert_then_load_across_runs(bow: str, backend: str) -> None:
    wf_id = f"wf-{uuid.uuid4().hex}"
    inserted = insert(wf_id, bow, "vectorStoreInMemory", backend, memoryKey="facts")
    assert [d["pageContent"] for d in inserted] == FACTS
    assert inserted[1]["metadata"]["origin"] == "fact-1"
    assert inserted[1]["metadata"]["loc"] == {"lines": {"from": 1, "to": 1}}
    (found,) = load(
        wf_id,
        bow,
        "vectorStoreInMemory",
        "what grows on warm windowsills",
        backend,
        memoryKey="facts",
    )
    assert found["document"]["pageContent"] == FACTS[2]
    assert 0 < found["score"] <= 1
    # another workflow's store of the same key is a different store
    assert (
        load(f"wf-{uuid.uuid4().hex}", bow, "vectorStoreInMemory", "cats", memoryKey="facts") == []
    )


def test_clear_store_and_metadata_filter(bow: str) -> None:
    wf_id = f"wf-{uuid.uuid4().hex}"
    insert(wf_id, bow, "vectorStoreInMemory", memoryKey="k")
    insert(wf_id, bow, "vectorStoreInMemory", memoryKey="k", clearStore=True)
    wf = workflow(
        wf_id,
        [
            store_node(
                "vectorStoreInMemory",
                "load",
                memoryKey="k",
                prompt="cats",
                topK=10,
                includeDocumentMetadata=False,
                options={"metadata": {"metadataValues": [{"name": "origin", "value": "fact-1"}]}},
            ),
            embeddings(bow),
        ],
        [("Embeddings", "ai_embedding", "Store")],
    )
    result = run_workflow(wf, input_items=[{}])
    assert result.status == "success", result.error
    (only,) = result.outputs("Store")[0]  # cleared: one copy; filtered: one document
    assert only["document"] == {"pageContent": FACTS[1]}


def test_qdrant_local_mode(bow: str) -> None:
    wf_id = f"wf-{uuid.uuid4().hex}"
    collection = f"c{uuid.uuid4().hex[:8]}"
    insert(wf_id, bow, "vectorStoreQdrant", collection=collection)
    (found,) = load(
        wf_id, bow, "vectorStoreQdrant", "particles energy barriers", collection=collection
    )
    assert found["document"]["pageContent"] == FACTS[1]
    assert found["document"]["metadata"]["origin"] == "fact-1"
    qdrant_filter = {"must": [{"key": "metadata.origin", "match": {"value": "fact-0"}}]}
    (filtered,) = load(
        wf_id,
        bow,
        "vectorStoreQdrant",
        "particles energy barriers",
        collection=collection,
        options={"searchFilterJson": json.dumps(qdrant_filter)},
    )
    assert filtered["document"]["pageContent"] == FACTS[0]
    wf = workflow(
        wf_id,
        [
            store_node("vectorStoreQdrant", "load", prompt="x", collection="missing"),
            embeddings(bow),
        ],
        [("Embeddings", "ai_embedding", "Store")],
    )
    result = run_workflow(wf, input_items=[{}])
    assert result.status == "error"
    assert "does not exist" in result.error["message"]


def test_retrieve_as_tool_gives_the_agent_documents(bow: str) -> None:
    wf_id = f"wf-{uuid.uuid4().hex}"
    insert(wf_id, bow, "vectorStoreInMemory", memoryKey="tool")

    def script(body: dict[str, Any]) -> dict[str, Any]:
        tool_results = [m for m in body["messages"] if m["role"] == "tool"]
        if not tool_results:
            return reply(tool_calls=[("facts", {"input": "lighthouse keeper cats"})])
        return reply(tool_results[0]["content"])

    with StandInServer(script) as chat:
        agent = {
            "name": "Agent",
            "type": f"{L}.agent",
            "typeVersion": 1.7,
            "parameters": {"promptType": "define", "text": "={{ $json.q }}", "options": {}},
        }
        tool = store_node(
            "vectorStoreInMemory",
            "retrieve-as-tool",
            memoryKey="tool",
            toolName="facts",
            toolDescription="facts about things",
            topK=1,
        )
        tool["name"] = "Facts"
        wf = workflow(
            wf_id,
            [agent, tool, embeddings(bow), model_node(chat.base_url)],
            [
                ("Facts", "ai_tool", "Agent"),
                ("Embeddings", "ai_embedding", "Facts"),
                ("Model", "ai_languageModel", "Agent"),
            ],
        )
        result = run_workflow(wf, input_items=[{"q": "who feeds cats?"}])
    assert result.status == "success", result.error
    assert chat.requests[0]["tools"][0]["function"]["name"] == "facts"
    (item,) = result.outputs("Agent")[0]
    (entry,) = json.loads(item["output"])
    assert entry["type"] == "text"
    assert json.loads(entry["text"])["pageContent"] == FACTS[0]


def qa_workflow(wf_id: str, bow: str, chat_url: str) -> dict[str, Any]:
    qa = {
        "name": "QA",
        "type": f"{L}.chainRetrievalQa",
        "typeVersion": 1.5,
        "parameters": {"promptType": "define", "text": "={{ $json.q }}"},
    }
    retriever = {
        "name": "Retriever",
        "type": f"{L}.retrieverVectorStore",
        "typeVersion": 1,
        "parameters": {"topK": 1},
    }
    store = store_node("vectorStoreInMemory", "retrieve", memoryKey="qa")
    return workflow(
        wf_id,
        [qa, retriever, store, embeddings(bow), model_node(chat_url)],
        [
            ("Retriever", "ai_retriever", "QA"),
            ("Store", "ai_vectorStore", "Retriever"),
            ("Embeddings", "ai_embedding", "Store"),
            ("Model", "ai_languageModel", "QA"),
        ],
    )


@pytest.mark.parametrize(("version", "answer"), [(1.5, "ANSWER"), (1.4, {"text": "ANSWER"})])
def test_question_and_answer_chain_puts_retrieved_context_in_the_prompt(
    bow: str, version: float, answer: Any
) -> None:
    wf_id = f"wf-{uuid.uuid4().hex}"
    insert(wf_id, bow, "vectorStoreInMemory", memoryKey="qa")
    with StandInServer(lambda body: reply("ANSWER")) as chat:
        wf = qa_workflow(wf_id, bow, chat.base_url)
        wf["nodes"][1]["typeVersion"] = version
        result = run_workflow(wf, input_items=[{"q": "basil"}])
    assert result.status == "success", result.error
    assert result.outputs("QA")[0] == [{"response": answer}]
    system, user = chat.requests[0]["messages"]
    assert system["role"] == "system" and system["content"].endswith(f"Context: {FACTS[2]}")
    assert user == {"role": "user", "content": "basil"}


def summarizer(method: str) -> dict[str, Any]:
    return {
        "name": "Summary",
        "type": f"{L}.chainSummarization",
        "typeVersion": 2,
        "parameters": {
            "chunkSize": 60,
            "chunkOverlap": 0,
            "options": {
                "summarizationMethodAndPrompts": {"values": {"summarizationMethod": method}}
            },
        },
    }


@pytest.mark.parametrize(
    ("method", "calls", "key"),
    [
        ("stuff", 1, "text"),
        ("map_reduce", 1, "text"),  # short text: LangChain skips the map step
        ("refine", 3, "output_text"),
    ],
)
def test_summarization_methods(method: str, calls: int, key: str) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        return reply(f"S{len(body['messages'][0]['content'])}")

    with StandInServer(script) as chat:
        wf = workflow(
            f"wf-{uuid.uuid4().hex}",
            [summarizer(method), model_node(chat.base_url)],
            [("Model", "ai_languageModel", "Summary")],
        )
        result = run_workflow(wf, input_items=[{"text": " ".join(FACTS)}])
    assert result.status == "success", result.error
    (item,) = result.outputs("Summary")[0]
    assert set(item["response"]) == {key} and item["response"][key].startswith("S")
    prompts = [r["messages"][0]["content"] for r in chat.requests]
    assert len(prompts) == calls  # three chunks of at most 60 characters
    if method != "refine":
        assert prompts[0].startswith("Write a concise summary")
        assert all(f in prompts[0] for f in FACTS)
    else:
        assert FACTS[0] in prompts[0] and FACTS[0] not in prompts[1]
        assert "existing summary" in prompts[1] and "existing summary" in prompts[2]


class ScriptedModel:
    """A ChatModel in this process: answers "sum(<n>)" with n the prompt's length."""

    settings = None

    def __init__(self) -> None:
        self.prompts: list[str] = []

    async def chat(self, messages: Any, **kwargs: Any) -> Any:
        from hetumind.ai.chat import ChatResult

        self.prompts.append(messages[-1]["content"])
        return ChatResult(content=f"sum({len(messages[-1]['content'])})")


def test_map_reduce_maps_while_the_combined_prompt_is_too_long() -> None:
    import asyncio

    from hetumind.ai.chains import SUMMARY_PROMPT, count_tokens, fill, summarize
    from hetumind.ai.documents import Document

    docs = [Document(f) for f in FACTS]
    model = ScriptedModel()
    steps: list[dict[str, Any]] = []
    # the three summaries fit, the three facts do not
    limit = count_tokens(fill(SUMMARY_PROMPT, {"text": "sum(99)\n\nsum(99)\n\nsum(99)"})) + 1
    assert count_tokens(fill(SUMMARY_PROMPT, {"text": "\n\n".join(FACTS)})) >= limit
    text, _ = asyncio.run(
        summarize(model, docs, "map_reduce", steps, map_prompt="MAP {text}", max_tokens=limit)  # type: ignore[arg-type]
    )
    assert [s["call"] for s in steps] == ["map", "map", "map", "combine"]
    assert sorted(model.prompts[:3]) == sorted(f"MAP {f}" for f in FACTS)
    assert "sum(" in model.prompts[3] and text.startswith("sum(")


def test_information_extractor_validates_against_the_attributes() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        if len(body["messages"]) == 2:
            return reply('{"name": "Ada"}')
        return reply('{"name": "Ada", "age": 36}')

    extractor = {
        "name": "Extract",
        "type": f"{L}.informationExtractor",
        "typeVersion": 1,
        "parameters": {
            "text": "={{ $json.t }}",
            "attributes": {
                "attributes": [
                    {"name": "name", "type": "string", "description": "who", "required": True},
                    {"name": "age", "type": "number", "description": "years", "required": True},
                ]
            },
        },
    }
    with StandInServer(script) as chat:
        wf = workflow(
            f"wf-{uuid.uuid4().hex}",
            [extractor, model_node(chat.base_url)],
            [("Model", "ai_languageModel", "Extract")],
        )
        result = run_workflow(wf, input_items=[{"t": "Ada is 36."}])
    assert result.status == "success", result.error
    assert result.outputs("Extract")[0] == [{"output": {"name": "Ada", "age": 36}}]
    assert "expert extraction algorithm" in chat.requests[0]["messages"][0]["content"]
    assert "'age' is a required property" in chat.requests[1]["messages"][-1]["content"]


def test_text_classifier_routes_items_to_category_outputs() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        text = body["messages"][-1]["content"]
        unknown = "crash" not in text and "love" not in text
        return reply(
            json.dumps({"bug": "crash" in text, "praise": "love" in text, "fallback": unknown})
        )

    classifier = {
        "name": "Classify",
        "type": f"{L}.textClassifier",
        "typeVersion": 1,
        "parameters": {
            "inputText": "={{ $json.t }}",
            "categories": {
                "categories": [
                    {"category": "bug", "description": "a bug report"},
                    {"category": "praise", "description": "a compliment"},
                ]
            },
            "options": {"fallback": "other"},
        },
    }
    items = [{"t": "it crashes"}, {"t": "I love it"}, {"t": "what time is it"}]
    with StandInServer(script) as chat:
        wf = workflow(
            f"wf-{uuid.uuid4().hex}",
            [classifier, model_node(chat.base_url)],
            [("Model", "ai_languageModel", "Classify")],
        )
        result = run_workflow(wf, input_items=items)
    assert result.status == "success", result.error
    assert result.outputs("Classify") == [[items[0]], [items[1]], [items[2]]]


def test_sentiment_analysis_adds_the_category() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        good = "great" in body["messages"][-1]["content"]
        sentiment = "Positive" if good else "Negative"
        return reply(json.dumps({"sentiment": sentiment, "strength": 0.9, "confidence": 0.8}))

    node = {
        "name": "Sentiment",
        "type": f"{L}.sentimentAnalysis",
        "typeVersion": 1,
        "parameters": {"inputText": "={{ $json.t }}", "options": {"includeDetailedResults": True}},
    }
    with StandInServer(script) as chat:
        wf = workflow(
            f"wf-{uuid.uuid4().hex}",
            [node, model_node(chat.base_url)],
            [("Model", "ai_languageModel", "Sentiment")],
        )
        result = run_workflow(wf, input_items=[{"t": "great stuff"}, {"t": "awful"}])
    assert result.status == "success", result.error
    positive, neutral, negative = result.outputs("Sentiment")
    assert positive == [
        {
            "t": "great stuff",
            "sentimentAnalysis": {"category": "Positive", "strength": 0.9, "confidence": 0.8},
        }
    ]
    assert neutral == [] and negative[0]["sentimentAnalysis"]["category"] == "Negative"


def test_default_data_loader_reads_binary_files_in_simple_mode(bow: str) -> None:
    import base64

    csv_file = base64.b64encode(b"city,river\nParis,Seine\nLondon,Thames\n").decode()
    text_file = base64.b64encode(("word " * 400).encode()).decode()  # 2000 characters
    loader = {
        "name": "Loader",
        "type": f"{L}.documentDefaultDataLoader",
        "typeVersion": 2,
        "parameters": {"dataType": "binary", "textSplittingMode": "simple"},
    }
    wf = workflow(
        f"wf-{uuid.uuid4().hex}",
        [store_node("vectorStoreInMemory", "insert", memoryKey="files"), loader, embeddings(bow)],
        [("Loader", "ai_document", "Store"), ("Embeddings", "ai_embedding", "Store")],
    )
    items = [
        {
            "json": {"n": 1},
            "binary": {
                "data": {"data": csv_file, "mimeType": "text/csv", "fileName": "a.csv"},
                "notes": {"data": text_file, "mimeType": "text/plain", "fileName": "n.txt"},
            },
        }
    ]
    result = run_workflow(wf, input_items=items)
    assert result.status == "success", result.error
    docs = result.outputs("Store")[0]
    assert [d["pageContent"] for d in docs[:2]] == [
        "city: Paris\nriver: Seine",
        "city: London\nriver: Thames",
    ]
    # simple mode: the recursive splitter at 1000/200 cuts the 2000-character text in three
    assert [len(d["pageContent"]) for d in docs[2:]] == [999, 999, 399]
    assert docs[2]["metadata"]["blobType"] == "text/plain"

    missing = dict(
        loader,
        parameters={"dataType": "binary", "binaryMode": "specificField", "binaryDataKey": "nope"},
    )
    wf["nodes"][2] = missing
    result = run_workflow(wf, input_items=items)
    assert result.status == "error"
    assert "No binary data set" in result.error["message"] and "'nope'" in result.error["message"]


def test_vector_store_question_answer_tool(bow: str) -> None:
    wf_id = f"wf-{uuid.uuid4().hex}"
    insert(wf_id, bow, "vectorStoreInMemory", memoryKey="qa-tool")

    def script(body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("tools"):  # the tool's own model call
            prompt = body["messages"][-1]["content"]
            return reply("seven cats" if FACTS[0] in prompt else "I don't know")
        tool_results = [m for m in body["messages"] if m["role"] == "tool"]
        if not tool_results:
            return reply(tool_calls=[("keeper_facts", {"input": "What does the keeper feed?"})])
        return reply(f"final: {tool_results[0]['content']}")

    with StandInServer(script) as chat:
        agent = {
            "name": "Agent",
            "type": f"{L}.agent",
            "typeVersion": 1.7,
            "parameters": {"promptType": "define", "text": "={{ $json.q }}", "options": {}},
        }
        tool = {
            "name": "QA Tool",
            "type": f"{L}.toolVectorStore",
            "typeVersion": 1,
            "parameters": {"name": "keeper_facts", "description": "the lighthouse", "topK": 1},
        }
        store = store_node("vectorStoreInMemory", "retrieve", memoryKey="qa-tool")
        tool_model = dict(model_node(chat.base_url), name="Tool Model")
        wf = workflow(
            wf_id,
            [agent, tool, store, embeddings(bow), model_node(chat.base_url), tool_model],
            [
                ("QA Tool", "ai_tool", "Agent"),
                ("Store", "ai_vectorStore", "QA Tool"),
                ("Embeddings", "ai_embedding", "Store"),
                ("Model", "ai_languageModel", "Agent"),
                ("Tool Model", "ai_languageModel", "QA Tool"),
            ],
        )
        result = run_workflow(wf, input_items=[{"q": "what does the keeper feed?"}])
    assert result.status == "success", result.error
    assert result.outputs("Agent")[0] == [{"output": "final: seven cats"}]
    spec = chat.requests[0]["tools"][0]["function"]
    assert spec["description"].startswith(
        "Useful for when you need to answer questions about keeper_facts."
    )
    qa_prompt = next(r for r in chat.requests if not r.get("tools"))["messages"][-1]["content"]
    assert qa_prompt.endswith("Question: What does the keeper feed?\nHelpful Answer:")
