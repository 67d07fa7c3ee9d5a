"""Run inside the LLM venv (scripts/setup-llm.sh) by test_ray_serve_llm.py: a separate
local Ray cluster, SmolLM2 deployed with `ray.serve.llm` on a CPU accelerator config
through hetumind.ai.serving, then a workflow whose chainLlm uses lmChatRayServe.

Prints one JSON object: the listed models and the chain's outputs.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import ray
from ray import serve

from hetumind.ai.chat import ChatSettings
from hetumind.ai.local_server import llm_home
from hetumind.ai.rayserve import RayServeChatModel
from hetumind.ai.serving import deploy_models, deployment_name, list_models
from hetumind.engine import run_workflow

L = "@n8n/n8n-nodes-langchain"


def main() -> None:
    ray.init(address="local", num_cpus=4, include_dashboard=False, logging_level="ERROR")
    models = [
        {
            "model_id": "smollm2",
            "model_source": str(llm_home() / "smollm2"),
            "accelerator": "cpu",
            "replicas": {"min": 1, "max": 1},
            "engine_kwargs": {
                "dtype": "float32",
                "max_model_len": 2048,
                "seed": 0,
                "enforce_eager": True,
                "max_num_seqs": 16,
            },
        }
    ]
    deployed = deploy_models(models)
    deadline = time.monotonic() + 900
    listed = list_models()
    while not any(m["status"] == "HEALTHY" for m in listed):
        if time.monotonic() > deadline or any(m["status"] == "DEPLOY_FAILED" for m in listed):
            print(json.dumps({"error": "deployment not healthy", "listed": listed}))
            sys.exit(1)
        time.sleep(2)
        listed = list_models()
    wf = {
        "name": "rayserve",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
            {
                "name": "Chain",
                "type": f"{L}.chainLlm",
                "parameters": {"promptType": "define", "text": "={{ $json.q }}"},
            },
            {
                "name": "Model",
                "type": "hetumind.lmChatRayServe",
                "parameters": {
                    "deployment": deployment_name("smollm2"),
                    "app": deployed[0]["app"],
                    "model": "smollm2",
                    "options": {"temperature": 0, "maxTokens": 24},
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
    items = [{"q": "What is the capital of France?"}, {"q": "Name a fruit."}]
    first = run_workflow(wf, input_items=items)
    second = run_workflow(wf, input_items=items)
    model = RayServeChatModel(
        ChatSettings(model="smollm2", temperature=0, max_tokens=24),
        deployment_name("smollm2"),
        deployed[0]["app"],
    )
    messages = [{"role": "user", "content": "What is the capital of France?"}]

    async def stream_and_chat() -> tuple[list[str], str | None]:
        pieces = [p async for p in model.stream(messages)]
        return pieces, (await model.chat(messages)).content

    pieces, whole = asyncio.run(stream_and_chat())
    out = {
        "streamed": pieces,
        "whole": whole,
        "deployed": deployed,
        "listed": listed,
        "status": first.status,
        "error": first.error,
        "texts": [i["text"] for i in first.outputs("Chain")[0]] if first.ok else None,
        "again": [i["text"] for i in second.outputs("Chain")[0]] if second.ok else None,
    }
    print("RESULT " + json.dumps(out))
    serve.shutdown()
    ray.shutdown()


if __name__ == "__main__":
    main()
