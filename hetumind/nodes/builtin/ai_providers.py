"""Chat model sub-nodes of other providers, with n8n's types and parameters:
lmChatGoogleGemini (Gemini's generateContent API), lmChatAnthropic (the Messages API), and
the OpenAI-compatible ones, which reuse the OpenAI client at their provider's base URL:
lmChatOllama, lmChatMistralCloud, lmChatGroq, lmChatOpenRouter, lmChatDeepSeek,
lmChatXAiGrok.

Every base URL comes from the credential (n8n's field, or a Hetumind `url` where n8n has
none), passes the credential's allowed domains and, in server mode, the network policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from hetumind.ai.chat import ChatModel, ChatSettings, OpenAIChatModel
from hetumind.ai.errors import AIConfigError
from hetumind.ai.subnodes import SubNodeView
from hetumind.capabilities import capabilities_of, check_url_host
from hetumind.http.auth import allowed_domains
from hetumind.http.client import check_domain
from hetumind.nodes.api import node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase, _model_name, _number

__all__ = ["ProviderChatModel"]


@dataclass(frozen=True)
class Provider:
    """Where a provider's credential keeps its key and base URL, and n8n's names of the
    options (maximum tokens is named differently by nearly every node)."""

    credential: str
    url_field: str
    default_url: str
    default_model: str
    max_tokens_option: str = "maxTokens"
    key_required: bool = True
    url_suffix: str = ""
    """Appended to the credential's URL (Ollama's OpenAI-compatible API is at /v1)."""


def _endpoint(view: SubNodeView, provider: Provider) -> tuple[str, str | None, Any]:
    creds = view.credential(provider.credential)
    key = str(creds.get("apiKey") or "") or None
    if key is None and provider.key_required:
        raise AIConfigError(
            f"sub-node {view.name!r} needs a {provider.credential!r} credential with an API key"
        )
    url = str(creds.get(provider.url_field) or provider.default_url).rstrip("/")
    url += provider.url_suffix
    domains = allowed_domains(creds)
    if domains is not None:
        check_domain(urlsplit(url).hostname or "", domains, url)
    caps = capabilities_of(view.ctx)
    if caps.network.restricted:
        check_url_host(caps, url, what=f"sub-node {view.name!r}")
    return url, key, caps.network


def _settings(
    view: SubNodeView, provider: Provider, url: str, key: str | None, network: Any
) -> ChatSettings:
    model_param = "modelName" if view.param("modelName") is not None else "model"
    return ChatSettings(
        model=_model_name(view.param(model_param), provider.default_model),
        base_url=url,
        api_key=key,
        network=network,
        temperature=_number(view, "options.temperature", float, None),
        max_tokens=_number(view, f"options.{provider.max_tokens_option}", int, None),
        top_p=_number(view, "options.topP", float, None),
        response_format=_response_format(view),
        timeout=_number(view, "options.timeout", float, 60_000.0) / 1000,
        max_retries=_number(view, "options.maxRetries", int, 2),
        seed=_number(view, "options.randomSeed", int, None),
    )


def _response_format(view: SubNodeView) -> str:
    # OpenRouter/DeepSeek/xAI: options.responseFormat; Ollama: options.format ("json")
    if view.param("options.format") == "json":
        return "json_object"
    return str(view.param("options.responseFormat", "text") or "text")


class ProviderChatModel(SubNodeBase):
    """An OpenAI-compatible provider's chat model (set `provider` in the subclass)."""

    provider: ClassVar[Provider]

    def supply(self, view: SubNodeView) -> ChatModel:
        url, key, network = _endpoint(view, self.provider)
        return OpenAIChatModel(_settings(view, self.provider, url, key, network))


def _top_k(view: SubNodeView) -> int | None:
    value = _number(view, "options.topK", int, None)
    return value if value is not None and value > 0 else None  # n8n's -1: unset


GEMINI = Provider(
    "googlePalmApi",
    "host",
    "https://generativelanguage.googleapis.com",
    "models/gemini-2.5-flash",
    max_tokens_option="maxOutputTokens",
)
ANTHROPIC = Provider(
    "anthropicApi",
    "url",
    "https://api.anthropic.com",
    "claude-sonnet-4-20250514",
    max_tokens_option="maxTokensToSample",
)


@node(
    "lmChatGoogleGemini",
    versions=[1],
    display_name="Google Gemini Chat Model",
    inputs=0,
    supplies="ai_languageModel",
    n8n=False,
    aliases=(f"{LANGCHAIN}.lmChatGoogleGemini",),
)
class LmChatGoogleGemini(SubNodeBase):
    """A Gemini model through Google's Generative Language API (generateContent)."""

    def supply(self, view: SubNodeView) -> ChatModel:
        from hetumind.ai.gemini import GeminiChatModel

        url, key, network = _endpoint(view, GEMINI)
        return GeminiChatModel(_settings(view, GEMINI, url, key, network), url, _top_k(view))


@node(
    "lmChatAnthropic",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Anthropic Chat Model",
    inputs=0,
    supplies="ai_languageModel",
    n8n=False,
    aliases=(f"{LANGCHAIN}.lmChatAnthropic",),
)
class LmChatAnthropic(SubNodeBase):
    """A Claude model through Anthropic's Messages API."""

    def supply(self, view: SubNodeView) -> ChatModel:
        from hetumind.ai.anthropic import AnthropicChatModel

        url, key, network = _endpoint(view, ANTHROPIC)
        return AnthropicChatModel(_settings(view, ANTHROPIC, url, key, network), url, _top_k(view))


_COMPATIBLE: Mapping[str, tuple[str, Provider]] = {
    "lmChatOllama": (
        "Ollama Chat Model",
        Provider(
            "ollamaApi",
            "baseUrl",
            "http://localhost:11434",
            "llama3.2",
            max_tokens_option="numPredict",
            key_required=False,
            url_suffix="/v1",
        ),
    ),
    "lmChatMistralCloud": (
        "Mistral Cloud Chat Model",
        Provider("mistralCloudApi", "url", "https://api.mistral.ai/v1", "mistral-small"),
    ),
    "lmChatGroq": (
        "Groq Chat Model",
        Provider(
            "groqApi",
            "url",
            "https://api.groq.com/openai/v1",
            "llama3-8b-8192",
            max_tokens_option="maxTokensToSample",
        ),
    ),
    "lmChatOpenRouter": (
        "OpenRouter Chat Model",
        Provider("openRouterApi", "url", "https://openrouter.ai/api/v1", "openai/gpt-4.1-mini"),
    ),
    "lmChatDeepSeek": (
        "DeepSeek Chat Model",
        Provider("deepSeekApi", "url", "https://api.deepseek.com", "deepseek-chat"),
    ),
    "lmChatXAiGrok": (
        "xAI Grok Chat Model",
        Provider("xAiApi", "url", "https://api.x.ai/v1", "grok-2-vision-1212"),
    ),
}


def _register(type_name: str, display: str, provider: Provider) -> type[ProviderChatModel]:
    cls = type(
        type_name[0].upper() + type_name[1:],
        (ProviderChatModel,),
        {
            "provider": provider,
            "__doc__": f"{display} (OpenAI-compatible API at {provider.default_url}).",
        },
    )
    return node(
        type_name,
        versions=[1],
        display_name=display,
        inputs=0,
        supplies="ai_languageModel",
        n8n=False,
        aliases=(f"{LANGCHAIN}.{type_name}",),
    )(cls)


for _name, (_display, _provider) in _COMPATIBLE.items():
    globals()[_name[0].upper() + _name[1:]] = _register(_name, _display, _provider)
