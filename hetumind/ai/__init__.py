"""AI building blocks for the LangChain-style nodes: chat models (OpenAI-compatible HTTP
and ray.serve.llm handles), the tools agent loop, conversation memory, structured output,
embeddings and model serving helpers. The nodes themselves live in
`hetumind/nodes/builtin/ai_*.py`; see docs/ai.md."""

from __future__ import annotations

from hetumind.ai.agent import AgentOutcome, Tool, run_agent
from hetumind.ai.chat import ChatModel, ChatResult, ChatSettings, OpenAIChatModel, ToolCall, Usage
from hetumind.ai.embeddings import Embedder
from hetumind.ai.errors import AIConfigError, ModelError, OutputParserError, ToolError
from hetumind.ai.memory import (
    ConversationMemory,
    InProcessMemory,
    MemoryBackend,
    RayActorMemory,
    default_memory_backend,
)
from hetumind.ai.structured import StructuredParser, schema_from_example
from hetumind.credentials import set_credential_resolver

__all__ = [
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
