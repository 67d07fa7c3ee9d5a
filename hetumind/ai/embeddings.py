"""Embeddings over an OpenAI-compatible API, batched, with batches sent concurrently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hetumind.ai.chat import ChatSettings, OpenAIChatModel
from hetumind.asyncbridge import gather_limited

__all__ = ["Embedder"]


@dataclass(frozen=True)
class Embedder:
    """What embeddingsOpenAi supplies: `settings.model` is the embedding model."""

    settings: ChatSettings
    batch_size: int = 512
    dimensions: int | None = None
    strip_new_lines: bool = True

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order; batches of `batch_size`, several in flight."""
        client = OpenAIChatModel(self.settings)
        try:
            cleaned = [t.replace("\n", " ") if self.strip_new_lines else t for t in texts]
            size = max(1, self.batch_size)
            batches = [cleaned[i : i + size] for i in range(0, len(cleaned), size)]

            def request(batch: list[str]) -> Any:
                return lambda: client.embed(batch, dimensions=self.dimensions)

            results = await gather_limited(
                [request(b) for b in batches], self.settings.max_concurrency
            )
        finally:
            await client.aclose()
        vectors: list[list[float]] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            vectors.extend([float(x) for x in v] for v in result)
        return vectors
