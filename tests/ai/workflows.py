"""Small workflow documents for the AI node tests."""

from __future__ import annotations

from typing import Any

L = "@n8n/n8n-nodes-langchain"


def model_node(base_url: str, model: str = "stand-in", **options: Any) -> dict[str, Any]:
    return {
        "name": "Model",
        "type": f"{L}.lmChatOpenAi",
        "typeVersion": 1.2,
        "parameters": {
            "model": {"__rl": True, "value": model, "mode": "list"},
            "options": {"baseURL": base_url, **options},
        },
        "credentials": {"openAiApi": {"id": "1", "name": "local"}},
    }


def ai_workflow(root: dict[str, Any], subs: list[tuple[dict[str, Any], str]]) -> dict[str, Any]:
    """Trigger -> root, with each (sub-node, connection kind) connected to the root."""
    connections: dict[str, Any] = {
        "Start": {"main": [[{"node": root["name"], "type": "main", "index": 0}]]}
    }
    for sub, kind in subs:
        connections.setdefault(sub["name"], {})[kind] = [
            [{"node": root["name"], "type": kind, "index": 0}]
        ]
    return {
        "name": "ai",
        "nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger"}, root]
        + [s for s, _ in subs],
        "connections": connections,
    }


def agent_node(**options: Any) -> dict[str, Any]:
    return {
        "name": "Agent",
        "type": f"{L}.agent",
        "typeVersion": 1.7,
        "parameters": {
            "promptType": "define",
            "text": "={{ $json.question }}",
            "options": {"systemMessage": "You answer questions.", **options},
        },
    }


def chain_node(text: str = "={{ $json.question }}", **extra: Any) -> dict[str, Any]:
    return {
        "name": "Chain",
        "type": f"{L}.chainLlm",
        "typeVersion": 1.5,
        "parameters": {"promptType": "define", "text": text, **extra},
    }


def parser_node(example: str) -> dict[str, Any]:
    return {
        "name": "Parser",
        "type": f"{L}.outputParserStructured",
        "typeVersion": 1.2,
        "parameters": {"jsonSchemaExample": example},
    }
