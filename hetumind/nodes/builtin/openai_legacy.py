"""OpenAI (n8n's legacy `openAi` node of nodes-base, versions 1 and 1.1): chat and text
completions, edits, moderations and image generation over OpenAI's REST API.

The requests and item shapes are those of n8n's declarative description (see
_openai_legacy); the credential is `openAiApi` (apiKey as a bearer token, organizationId
as `OpenAI-Organization`, and `url`, whose last segment is dropped to make the base URL,
so any OpenAI-compatible server such as vLLM can stand in). n8n describes this node
without versioned descriptions, so any typeVersion an export names (1.3 appears in real
workflows) runs as it does in n8n. The LangChain OpenAI node is a different type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hetumind.http.request import RequestSpec
from hetumind.integrations import ApiKeyHeader, IntegrationNode, Service, bearer
from hetumind.nodes.api import node
from hetumind.nodes.builtin._openai_legacy import DEFAULT_URL, OPERATIONS

__all__ = ["OpenAi"]


@dataclass(frozen=True)
class OpenAiKey:
    """`Authorization: Bearer <apiKey>`, plus `OpenAI-Organization` when one is set."""

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec:
        signed = bearer("apiKey").apply(spec, data, kind)
        if not str(data.get("organizationId") or "").strip():
            return signed
        return ApiKeyHeader("organizationId", "OpenAI-Organization").apply(signed, data, kind)


OPENAI = Service(
    name="OpenAI",
    default_base_url=DEFAULT_URL,
    credentials={"openAiApi": OpenAiKey()},
)


@node(
    "openAi",
    versions=[1, 1.1],
    display_name="OpenAI",
    fusible=False,
    any_version=True,
)
class OpenAi(IntegrationNode):
    """Consume Open AI."""

    service = OPENAI
    operations = OPERATIONS
    default_resource = "text"
    default_operations = {"chat": "complete", "text": "complete", "image": "create"}
