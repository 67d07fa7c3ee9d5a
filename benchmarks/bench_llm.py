"""LLM throughput: N short prompts through a workflow's chainLlm node, against the floor:
the same prompts sent straight to the model server with the same concurrency.

Both talk to vLLM's OpenAI server on CPU serving SmolLM2-135M-Instruct (from
scripts/setup-llm.sh). `HETUMIND_BENCH_LLM_PROMPTS` (default 1000) and
`HETUMIND_BENCH_LLM_CONCURRENCY` (default 32) size it. Prompts per second = N / seconds.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from hetumind.ai.local_server import vllm_server
from hetumind.engine import run_workflow

L = "@n8n/n8n-nodes-langchain"
PROMPTS = int(os.environ.get("HETUMIND_BENCH_LLM_PROMPTS", "1000"))
CONCURRENCY = int(os.environ.get("HETUMIND_BENCH_LLM_CONCURRENCY", "32"))
MAX_TOKENS = 8
MODEL = "smollm2"


def prompts(n: int = PROMPTS) -> list[str]:
    return [f"Name a color. ({i})" for i in range(n)]


async def _direct(base_url: str, texts: list[str], concurrency: int) -> list[str]:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key="none", max_retries=0)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(text: str) -> str:
        async with semaphore:
            reply = await client.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": text}],
                temperature=0,
                max_tokens=MAX_TOKENS,
            )
            return reply.choices[0].message.content or ""

    try:
        return list(await asyncio.gather(*(one(t) for t in texts)))
    finally:
        await client.close()


def direct(base_url: str, texts: list[str], concurrency: int = CONCURRENCY) -> list[str]:
    """The floor: the async openai client, a semaphore, nothing else."""
    return asyncio.run(_direct(base_url, texts, concurrency))


def chain_workflow(base_url: str, concurrency: int = CONCURRENCY) -> dict[str, Any]:
    return {
        "name": "bench-llm",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
            {
                "name": "Chain",
                "type": f"{L}.chainLlm",
                "typeVersion": 1.5,
                "parameters": {"promptType": "define", "text": "={{ $json.prompt }}"},
            },
            {
                "name": "Model",
                "type": f"{L}.lmChatOpenAi",
                "parameters": {
                    "model": MODEL,
                    "options": {
                        "baseURL": base_url,
                        "temperature": 0,
                        "maxTokens": MAX_TOKENS,
                        "maxConcurrency": concurrency,
                    },
                },
            },
        ],
        "connections": {
            "Start": {"main": [[{"node": "Chain", "type": "main", "index": 0}]]},
            "Model": {
                "ai_languageModel": [[{"node": "Chain", "type": "ai_languageModel", "index": 0}]]
            },
        },
    }


def chain(base_url: str, texts: list[str], concurrency: int = CONCURRENCY) -> list[str]:
    result = run_workflow(
        chain_workflow(base_url, concurrency),
        backend="inline",
        input_items=[{"prompt": t} for t in texts],
    )
    assert result.ok, result.error
    return [item["text"] for item in result.outputs("Chain")[0]]


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def run() -> dict[str, float]:
    texts = prompts()
    with vllm_server(MODEL, max_num_seqs=max(CONCURRENCY, 8), eager=False) as base_url:
        direct(base_url, texts[:CONCURRENCY])  # warm-up: compile, caches
        t_direct, out_direct = _timed(direct, base_url, texts)
        t_chain, out_chain = _timed(chain, base_url, texts)
    # Temperature 0: the node must produce what the model server produces.
    same = sum(a == b for a, b in zip(out_direct, out_chain, strict=True))
    print(f"identical answers: {same}/{len(texts)}")
    return {f"direct_client_{len(texts)}": t_direct, f"chainLlm_inline_{len(texts)}": t_chain}


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name}: {seconds:.2f} s ({PROMPTS / seconds:.1f} prompts/s)")
