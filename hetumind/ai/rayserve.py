"""A chat model served by a `ray.serve.llm` deployment in the same cluster.

The node names the deployment (and its application); requests go through a Serve
DeploymentHandle, not HTTP, so they stay inside the cluster. The request and reply
objects are `ray.serve.llm`'s OpenAI models, which need vLLM installed where the node
runs, as it is on the cluster's image.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from hetumind.ai.chat import ChatResult, ChatSettings, parse_completion
from hetumind.ai.errors import AIConfigError, ModelError

__all__ = ["RayServeChatModel"]

Message = dict[str, Any]


class RayServeChatModel:
    """Calls `LLMServer.chat` on deployment `deployment` of Serve application `app`."""

    def __init__(self, settings: ChatSettings, deployment: str, app: str) -> None:
        self.settings = settings
        self.deployment = deployment
        self.app = app
        try:
            from ray import serve

            self._handle: Any = serve.get_deployment_handle(deployment, app_name=app)
        except Exception as exc:  # Serve not running, or no such deployment/app
            raise AIConfigError(
                f"no Serve deployment {deployment!r} in application {app!r}: {exc}"
            ) from None

    def _request(self, messages: Sequence[Message], stream: bool, **extra: Any) -> Any:
        try:
            from ray.serve.llm.openai_api_models import ChatCompletionRequest
        except ImportError as exc:
            raise AIConfigError(f"ray.serve.llm needs vLLM on this worker: {exc}") from None
        body = {
            "model": self.settings.model,
            "messages": list(messages),
            "stream": stream,
            **self.settings.request_options(),
            **extra,
        }
        return ChatCompletionRequest(**body)

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        response_format: Mapping[str, Any] | None = None,
        tool_choice: str | None = None,
    ) -> ChatResult:
        extra: dict[str, Any] = {}
        if tools:
            extra["tools"] = [dict(t) for t in tools]
            if tool_choice:
                extra["tool_choice"] = tool_choice
        if response_format is not None:
            extra["response_format"] = dict(response_format)
        request = self._request(messages, False, **extra)
        try:
            async for reply in self._handle.options(stream=True).chat.remote(request):
                return parse_completion(_as_dict(reply))
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"deployment {self.deployment!r} failed: {exc}") from None
        raise ModelError(f"deployment {self.deployment!r} returned nothing")

    async def stream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        import json

        request = self._request(messages, True)
        async for batch in self._handle.options(stream=True).chat.remote(request):
            for chunk in batch if isinstance(batch, list) else [batch]:
                if not isinstance(chunk, str):
                    _as_dict(chunk)  # raises for an error response
                    continue
                for line in chunk.splitlines():
                    data = line.removeprefix("data: ").strip()
                    if not data or data == "[DONE]":
                        continue
                    for choice in json.loads(data).get("choices", []):
                        text = (choice.get("delta") or {}).get("content")
                        if text:
                            yield text

    async def aclose(self) -> None:
        return None


def _as_dict(reply: Any) -> dict[str, Any]:
    if isinstance(reply, list):  # ray.serve.llm wraps errors in a one-element list
        if len(reply) == 1:
            return _as_dict(reply[0])
        raise ModelError(f"unexpected reply from the deployment: {str(reply)[:300]}")
    data = reply.model_dump() if hasattr(reply, "model_dump") else reply
    if not isinstance(data, dict):
        raise ModelError(f"unexpected reply from the deployment: {str(reply)[:300]}")
    if "error" in data and "choices" not in data:
        err = data["error"]
        raise ModelError(f"the model deployment answered: {err.get('message', err)}")
    return data
