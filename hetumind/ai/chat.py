"""The chat-model interface the AI nodes use, and its OpenAI-compatible implementation.

Every model speaks OpenAI's chat-completions JSON: vLLM's OpenAI server, llama.cpp's,
OpenAI itself, or a `ray.serve.llm` deployment reached through a DeploymentHandle
(hetumind.ai.rayserve). Replies are parsed from that JSON shape into `ChatResult`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from hetumind.ai.errors import ModelError
from hetumind.capabilities import NetworkPolicy
from hetumind.http.client import guarded_async_client
from hetumind.observability import metrics

__all__ = [
    "ChatModel",
    "ChatResult",
    "ChatSettings",
    "OpenAIChatModel",
    "ToolCall",
    "Usage",
    "parse_completion",
]

Message = dict[str, Any]


@dataclass(frozen=True)
class ChatSettings:
    """What a model sub-node configures (n8n's lmChatOpenAi options)."""

    model: str
    base_url: str | None = None
    api_key: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    response_format: str = "text"
    """"text" or "json_object"."""
    timeout: float = 60.0
    max_retries: int = 2
    max_concurrency: int = 16
    """Requests one node keeps in flight to this model (per replica it talks to)."""
    seed: int | None = None
    network: NetworkPolicy = field(default_factory=NetworkPolicy)
    """Where the client may connect (hetumind.capabilities): server mode refuses private
    addresses unless allow-listed, checked on the resolved address of every connection."""

    def request_options(self) -> dict[str, Any]:
        """Sampling options for a chat-completions request (unset ones left out)."""
        options: dict[str, Any] = {}
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if self.max_tokens is not None and self.max_tokens > 0:
            options["max_tokens"] = self.max_tokens
        if self.top_p is not None:
            options["top_p"] = self.top_p
        if self.seed is not None:
            options["seed"] = self.seed
        if self.response_format == "json_object":
            options["response_format"] = {"type": "json_object"}
        return options


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "promptTokens": self.prompt_tokens,
            "completionTokens": self.completion_tokens,
            "totalTokens": self.total_tokens,
        }


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str
    """The raw JSON text the model wrote; validated by the agent before the tool runs."""

    def to_message(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class ChatResult:
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    model: str | None = None

    def assistant_message(self) -> Message:
        # "" rather than null: some chat templates concatenate content as a string.
        message: Message = {"role": "assistant", "content": self.content or ""}
        if self.tool_calls:
            message["tool_calls"] = [c.to_message() for c in self.tool_calls]
        return message


class ChatModel(Protocol):
    """A chat model; implementations are cheap to build and hold one client each."""

    settings: ChatSettings

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        response_format: Mapping[str, Any] | None = None,
        tool_choice: str | None = None,
    ) -> ChatResult: ...

    def stream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        """The reply's text as the server produces it."""
        ...

    async def aclose(self) -> None: ...


def parse_completion(body: Mapping[str, Any]) -> ChatResult:
    """A chat-completions response body (JSON as a dict) as a `ChatResult`."""
    choices = body.get("choices") or []
    if not choices:
        raise ModelError(f"the model server's reply has no choices: {str(body)[:300]}")
    choice = choices[0]
    message = choice.get("message") or {}
    calls = tuple(
        ToolCall(
            id=str(c.get("id") or f"call_{i}"),
            name=str((c.get("function") or {}).get("name", "")),
            arguments=str((c.get("function") or {}).get("arguments") or "{}"),
        )
        for i, c in enumerate(message.get("tool_calls") or [])
    )
    usage = body.get("usage") or {}
    result = ChatResult(
        content=message.get("content"),
        tool_calls=calls,
        usage=Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)),
        finish_reason=choice.get("finish_reason"),
        model=body.get("model"),
    )
    metrics.llm_tokens(
        str(result.model or ""), result.usage.prompt_tokens, result.usage.completion_tokens
    )
    return result


class OpenAIChatModel:
    """A model behind an OpenAI-compatible HTTP API, through the async `openai` client."""

    def __init__(self, settings: ChatSettings) -> None:
        import openai  # imported here: `hetumind run` without AI nodes stays fast

        self.settings = settings
        self._openai = openai
        self._client = openai.AsyncOpenAI(
            base_url=settings.base_url,
            # Local servers (vLLM, llama.cpp) need no key, but the client insists on one.
            api_key=settings.api_key or "not-needed",
            timeout=settings.timeout,
            max_retries=settings.max_retries,
            http_client=guarded_async_client(settings.network, timeout=settings.timeout),
        )

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        response_format: Mapping[str, Any] | None = None,
        tool_choice: str | None = None,
    ) -> ChatResult:
        options = self.settings.request_options()
        if response_format is not None:
            options["response_format"] = dict(response_format)
        if tools:
            options["tools"] = [dict(t) for t in tools]
            if tool_choice:
                options["tool_choice"] = tool_choice
        try:
            reply = await self._client.chat.completions.create(
                model=self.settings.model, messages=cast(Any, list(messages)), **options
            )
        except self._openai.APIError as exc:
            raise ModelError(self._describe(exc)) from None
        return parse_completion(reply.model_dump())

    async def stream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        try:
            chunks: Any = await self._client.chat.completions.create(
                model=self.settings.model,
                messages=cast(Any, list(messages)),
                stream=True,
                **self.settings.request_options(),
            )
            async for chunk in chunks:
                for choice in chunk.choices:
                    if choice.delta and choice.delta.content:
                        yield choice.delta.content
        except self._openai.APIError as exc:
            raise ModelError(self._describe(exc)) from None

    async def embed(self, texts: Sequence[str], *, dimensions: int | None = None) -> list[Any]:
        """Embeddings of `texts` in one request (see hetumind.ai.embeddings for batching)."""
        extra: dict[str, Any] = {"dimensions": dimensions} if dimensions else {}
        try:
            reply = await self._client.embeddings.create(
                model=self.settings.model, input=list(texts), **extra
            )
        except self._openai.APIError as exc:
            raise ModelError(self._describe(exc)) from None
        data = sorted(reply.data, key=lambda d: d.index)
        return [d.embedding for d in data]

    async def aclose(self) -> None:
        await self._client.close()

    def _describe(self, exc: Exception) -> str:
        where = self.settings.base_url or "the OpenAI API"
        status = getattr(exc, "status_code", None)
        head = f"model {self.settings.model!r} at {where}"
        if status is not None:
            return f"{head} answered HTTP {status}: {getattr(exc, 'message', exc)}"
        return f"{head} failed: {exc}"
