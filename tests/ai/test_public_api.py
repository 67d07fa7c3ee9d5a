"""hetumind.ai's public surface and node registration are pinned."""

from __future__ import annotations

import hetumind.ai
from hetumind.nodes.registry import default_registry


def test_ai_package() -> None:
    assert sorted(hetumind.ai.__all__) == sorted(
        [
            "AIConfigError",
            "AgentOutcome",
            "ChatModel",
            "ChatResult",
            "ChatSettings",
            "ConversationMemory",
            "Embedder",
            "InProcessMemory",
            "MemoryBackend",
            "ModelError",
            "OpenAIChatModel",
            "OutputParserError",
            "RayActorMemory",
            "StructuredParser",
            "Tool",
            "ToolCall",
            "ToolError",
            "Usage",
            "default_memory_backend",
            "run_agent",
            "schema_from_example",
            "set_credential_resolver",
        ]
    )


def test_langchain_names_are_aliases() -> None:
    registry = default_registry()
    for name in [
        "agent",
        "chainLlm",
        "lmChatOpenAi",
        "embeddingsOpenAi",
        "memoryBufferWindow",
        "outputParserStructured",
        "toolWorkflow",
        "toolHttpRequest",
        "toolCode",
    ]:
        cls = registry.get(f"@n8n/n8n-nodes-langchain.{name}")
        assert cls is not None and cls is registry.get(f"hetumind.{name}"), name
        assert registry.get(f"n8n-nodes-base.{name}") is None
    assert registry.get("hetumind.lmChatRayServe") is not None
    assert not registry.get("hetumind.agent").definition.fusible  # type: ignore[union-attr]
