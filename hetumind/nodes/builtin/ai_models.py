"""Model sub-nodes: lmChatOpenAi (any OpenAI-compatible server), lmChatRayServe (a
`ray.serve.llm` deployment in the cluster) and embeddingsOpenAi."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from hetumind.ai.chat import ChatModel, ChatSettings, OpenAIChatModel
from hetumind.ai.embeddings import Embedder
from hetumind.ai.errors import AIConfigError
from hetumind.ai.subnodes import SubNodeView
from hetumind.capabilities import NetworkPolicy, capabilities_of, check_url_host
from hetumind.errors import NodeExecutionError
from hetumind.http.auth import allowed_domains
from hetumind.http.client import check_domain
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node

__all__ = ["EmbeddingsOpenAi", "LmChatOpenAi", "LmChatRayServe", "chat_settings"]

LANGCHAIN = "@n8n/n8n-nodes-langchain"
OPENAI_URL = "https://api.openai.com/v1"


class SubNodeBase(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        raise NodeExecutionError(
            "a sub-node runs only through the root node it is connected to", node=ctx.node_name
        )


def _model_name(value: Any, default: str) -> str:
    if isinstance(value, dict):  # n8n's resource locator: {"__rl": true, "value": ...}
        value = value.get("value")
    return str(value) if value not in (None, "") else default


def _number(view: SubNodeView, path: str, kind: type, default: Any = None) -> Any:
    value = view.param(path, default)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise AIConfigError(
            f"sub-node {view.name!r}: parameter {path!r} must be a number, got {value!r}"
        ) from None


def _endpoint(
    view: SubNodeView, over_http: bool = True
) -> tuple[str | None, str | None, NetworkPolicy]:
    """Base URL, key and network policy. The process's OPENAI_API_KEY is used only in
    local mode and only for the process's own endpoint (OPENAI_BASE_URL or OpenAI's):
    never sent to a base URL the workflow chose. A credential with allowed domains (n8n's
    allowedHttpRequestDomains) goes only there, so a stored key cannot be pointed at the
    workflow author's own server. In server mode the base URL's host is checked against
    the network policy before anything is sent."""
    caps = capabilities_of(view.ctx)
    creds = view.credential("openAiApi")
    chosen = view.param("options.baseURL") or creds.get("url") or None
    key = creds.get("apiKey") or None
    base_url = chosen
    if chosen is None and key is None and caps.environment_keys:
        base_url = os.environ.get("OPENAI_BASE_URL") or None
        key = os.environ.get("OPENAI_API_KEY") or None
    domains = allowed_domains(creds)
    if domains is not None and over_http:
        url = str(base_url or OPENAI_URL)
        check_domain(urlsplit(url).hostname or "", domains, url)
    if caps.network.restricted and over_http:
        check_url_host(caps, str(base_url or OPENAI_URL), what=f"sub-node {view.name!r}")
    return (str(base_url) if base_url else None), (str(key) if key else None), caps.network


def chat_settings(view: SubNodeView, default_model: str, over_http: bool = True) -> ChatSettings:
    """Settings from n8n's lmChatOpenAi parameters (and hetumind's extra options);
    `over_http=False` for models reached otherwise (a Ray Serve deployment handle)."""
    base_url, api_key, network = _endpoint(view, over_http)
    return ChatSettings(
        model=_model_name(view.param("model"), default_model),
        base_url=base_url,
        api_key=api_key,
        network=network,
        temperature=_number(view, "options.temperature", float, None),
        max_tokens=_number(view, "options.maxTokens", int, None),
        top_p=_number(view, "options.topP", float, None),
        response_format=str(view.param("options.responseFormat", "text")),
        timeout=_number(view, "options.timeout", float, 60_000.0) / 1000,
        max_retries=_number(view, "options.maxRetries", int, 2),
        max_concurrency=_number(view, "options.maxConcurrency", int, 16),
        seed=_number(view, "options.seed", int, None),
    )


@node(
    "lmChatOpenAi",
    versions=[1, 1.1, 1.2],
    display_name="OpenAI Chat Model",
    inputs=0,
    supplies="ai_languageModel",
    n8n=False,
    aliases=(f"{LANGCHAIN}.lmChatOpenAi",),
    params=NodeParams,
)
class LmChatOpenAi(SubNodeBase):
    """A chat model behind an OpenAI-compatible API (OpenAI, vLLM, llama.cpp, ...)."""

    def supply(self, view: SubNodeView) -> ChatModel:
        return OpenAIChatModel(chat_settings(view, "gpt-4o-mini"))


@node(
    "lmChatRayServe",
    versions=[1],
    display_name="Ray Serve Chat Model",
    inputs=0,
    supplies="ai_languageModel",
    n8n=False,
)
class LmChatRayServe(SubNodeBase):
    """A `ray.serve.llm` deployment in this cluster, called through a DeploymentHandle."""

    def supply(self, view: SubNodeView) -> ChatModel:
        from hetumind.ai.rayserve import RayServeChatModel

        deployment = view.param("deployment")
        if not deployment:
            raise AIConfigError(f"sub-node {view.name!r}: parameter 'deployment' is required")
        settings = chat_settings(view, "", over_http=False)
        if not settings.model:
            raise AIConfigError(f"sub-node {view.name!r}: parameter 'model' is required")
        return RayServeChatModel(settings, str(deployment), str(view.param("app", "hetumind-llm")))


@node(
    "embeddingsOpenAi",
    versions=[1, 1.1, 1.2],
    display_name="Embeddings OpenAI",
    inputs=0,
    supplies="ai_embedding",
    n8n=False,
    aliases=(f"{LANGCHAIN}.embeddingsOpenAi",),
)
class EmbeddingsOpenAi(SubNodeBase):
    """Embeddings from an OpenAI-compatible API, sent in batches of `options.batchSize`."""

    def supply(self, view: SubNodeView) -> Embedder:
        return Embedder(
            settings=chat_settings(view, "text-embedding-3-small"),
            batch_size=_number(view, "options.batchSize", int, 512),
            dimensions=_number(view, "options.dimensions", int, None),
            strip_new_lines=bool(view.param("options.stripNewLines", True)),
        )
