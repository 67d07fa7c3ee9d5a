"""OpenAI (n8n's LangChain vendor node `@n8n/n8n-nodes-langchain.openAi`, versions 1 to
1.8): text message (chat completions, JSON output, tools connected on `ai_tool`), image
generate / analyze, audio transcribe / translate / generate, file upload / list / delete,
assistant create / list / delete / message (_ai_openai_assistants).

The credential is `openAiApi`: `apiKey` as a bearer token (`organizationId` as
OpenAI-Organization) and `url`, the API's base (default https://api.openai.com/v1), so an
OpenAI-compatible server answers the chat operations. Requests and items: _ai_openai_ops.
Version 2 (the Responses API) is not implemented.
"""

from __future__ import annotations

from hetumind.integrations import IntegrationNode, Service
from hetumind.nodes.api import node
from hetumind.nodes.builtin._ai_openai_assistants import ASSISTANT_OPERATIONS
from hetumind.nodes.builtin._ai_openai_ops import DEFAULT_URL, OPERATIONS
from hetumind.nodes.builtin.ai_models import LANGCHAIN
from hetumind.nodes.builtin.openai_legacy import OpenAiKey

__all__ = ["OpenAiLangChain"]

OPENAI_PLATFORM = Service(
    name="OpenAI",
    default_base_url=DEFAULT_URL,
    credentials={"openAiApi": OpenAiKey()},
)


@node(
    "openAiLangChain",
    versions=[1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8],
    display_name="OpenAI",
    accepts=["ai_tool"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.openAi",),
    fusible=False,
)
class OpenAiLangChain(IntegrationNode):
    """Message an assistant or GPT, analyze images, generate audio, etc. using OpenAI."""

    service = OPENAI_PLATFORM
    operations = {**OPERATIONS, **ASSISTANT_OPERATIONS}
    default_resource = "text"
    default_operations = {
        "text": "message",
        "image": "generate",
        "audio": "generate",
        "file": "upload",
        "assistant": "message",
    }
