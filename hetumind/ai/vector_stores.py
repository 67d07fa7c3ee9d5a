"""Vector stores for the vector store nodes: in-memory (by key) and Qdrant.

`InMemoryVectorStore` is n8n's Simple Vector Store: documents kept by memory key in the
process that inserted them. n8n keeps one per n8n process; Hetumind keeps one per
process when it is not connected to Ray, and otherwise in one named, detached Ray actor
(`hetumind-vector-memory`), so an insert in one worker is seen by a retrieve in another.
Either way the data is lost when that process or actor ends, as in n8n.

`QdrantVectorStore` stores points as LangChain's Qdrant store does (payload `content` and
`metadata`, cosine distance, the collection created on first insert with the vectors'
size), through qdrant-client: a Qdrant server by URL, or its local mode (":memory:" or a
directory), which runs the same engine in this process.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from hetumind.ai.documents import Document
from hetumind.ai.embeddings import Embedder
from hetumind.ai.errors import AIConfigError

__all__ = [
    "InMemoryVectorStore",
    "QdrantVectorStore",
    "Retriever",
    "VectorStore",
    "memory_vector_store",
]

Scored = tuple[Document, float]


class VectorStore(Protocol):
    def add(self, documents: Sequence[Document], vectors: Sequence[Sequence[float]]) -> None: ...

    def search(
        self, vector: Sequence[float], k: int, filter: Mapping[str, Any] | None = None
    ) -> list[Scored]: ...


def _matches(metadata: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> bool:
    return not wanted or all(metadata.get(k) == v for k, v in wanted.items())


class _Shelves:
    """Documents and vectors by key; cosine similarity as LangChain's MemoryVectorStore."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[list[dict[str, Any]], list[list[float]]]] = {}
        self._lock = threading.Lock()

    def add(self, key: str, docs: list[dict[str, Any]], vectors: list[list[float]]) -> None:
        with self._lock:
            kept_docs, kept_vectors = self._data.setdefault(key, ([], []))
            kept_docs.extend(docs)
            kept_vectors.extend(vectors)

    def clear(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def search(
        self, key: str, vector: list[float], k: int, wanted: dict[str, Any] | None
    ) -> list[tuple[dict[str, Any], float]]:
        with self._lock:
            docs, vectors = self._data.get(key, ([], []))
            pairs = [
                (d, v)
                for d, v in zip(docs, vectors, strict=True)
                if _matches(d["metadata"], wanted)
            ]
        if not pairs:
            return []
        matrix = np.asarray([v for _, v in pairs], dtype=np.float64)
        query = np.asarray(vector, dtype=np.float64)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        scores = (matrix @ query) / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-scores, kind="stable")[: max(0, k)]
        return [(pairs[i][0], float(scores[i])) for i in order]


_process_shelves = _Shelves()
_actor: Any = None
ACTOR_NAME = "hetumind-vector-memory"


def _shelves() -> Any:
    """This process's shelves, or the cluster's actor when connected to Ray
    (`HETUMIND_MEMORY_BACKEND=process|ray` forces one, as for chat memory)."""
    choice = os.environ.get("HETUMIND_MEMORY_BACKEND", "").lower()
    if choice != "process":
        import ray

        if choice == "ray" or ray.is_initialized():
            global _actor
            if _actor is None:
                remote = ray.remote(num_cpus=0)(_Shelves)
                _actor = remote.options(
                    name=ACTOR_NAME, namespace="hetumind", lifetime="detached", get_if_exists=True
                ).remote()
            return _actor
    return None


@dataclass(frozen=True)
class InMemoryVectorStore:
    """One key's documents (n8n: `<workflowId>__<memoryKey>`)."""

    key: str

    def _call(self, method: str, *args: Any) -> Any:
        actor = _shelves()
        if actor is None:
            return getattr(_process_shelves, method)(*args)
        import ray

        return ray.get(getattr(actor, method).remote(*args))

    def add(self, documents: Sequence[Document], vectors: Sequence[Sequence[float]]) -> None:
        docs = [{"pageContent": d.page_content, "metadata": dict(d.metadata)} for d in documents]
        self._call("add", self.key, docs, [list(map(float, v)) for v in vectors])

    def clear(self) -> None:
        self._call("clear", self.key)

    def search(
        self, vector: Sequence[float], k: int, filter: Mapping[str, Any] | None = None
    ) -> list[Scored]:
        found = self._call("search", self.key, list(vector), k, dict(filter or {}) or None)
        return [(Document(d["pageContent"], dict(d["metadata"])), s) for d, s in found]


def memory_vector_store(workflow_id: str, memory_key: str) -> InMemoryVectorStore:
    return InMemoryVectorStore(f"{workflow_id}__{memory_key}")


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def qdrant_client(url: str, api_key: str | None = None) -> Any:
    """A client per location, kept for the process: local mode holds its data (":memory:")
    or a lock on its directory in the client, so every node run must share it."""
    from qdrant_client import QdrantClient

    key = f"{url}\x00{api_key or ''}"
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            if url == ":memory:":
                client = QdrantClient(location=":memory:")
            elif url.startswith(("path:", "file:")):
                client = QdrantClient(path=url.split(":", 1)[1].removeprefix("//"))
            else:
                client = QdrantClient(url=url, api_key=api_key or None)
            _clients[key] = client
        return client


@dataclass(frozen=True)
class QdrantVectorStore:
    client: Any
    collection: str
    content_key: str = "content"
    metadata_key: str = "metadata"
    collection_config: Mapping[str, Any] | None = None

    def _ensure(self, size: int) -> None:
        from qdrant_client import models

        if self.client.collection_exists(self.collection):
            return
        config = dict(self.collection_config or {})
        vectors = config.pop("vectors", None) or {"size": size, "distance": "Cosine"}
        params = models.VectorParams(**vectors) if isinstance(vectors, dict) else vectors
        self.client.create_collection(self.collection, vectors_config=params, **config)

    def add(self, documents: Sequence[Document], vectors: Sequence[Sequence[float]]) -> None:
        from qdrant_client import models

        if not documents:
            return
        self._ensure(len(vectors[0]))
        points = [
            models.PointStruct(
                id=str(uuid.uuid4()),
                vector=list(map(float, v)),
                payload={self.content_key: d.page_content, self.metadata_key: d.metadata},
            )
            for d, v in zip(documents, vectors, strict=True)
        ]
        self.client.upsert(self.collection, points=points, wait=True)

    def search(
        self, vector: Sequence[float], k: int, filter: Mapping[str, Any] | None = None
    ) -> list[Scored]:
        from qdrant_client import models

        if not self.client.collection_exists(self.collection):
            raise AIConfigError(f"Qdrant collection {self.collection!r} does not exist")
        query_filter = models.Filter.model_validate(dict(filter)) if filter else None
        found = self.client.query_points(
            self.collection,
            query=list(map(float, vector)),
            limit=max(1, k),
            query_filter=query_filter,
            with_payload=True,
        ).points
        return [
            (
                Document(
                    str((p.payload or {}).get(self.content_key, "")),
                    dict((p.payload or {}).get(self.metadata_key) or {}),
                ),
                float(p.score),
            )
            for p in found
        ]


@dataclass(frozen=True)
class Retriever:
    """A vector store and the embeddings its vectors came from: query text to documents."""

    store: VectorStore
    embedder: Embedder
    k: int = 4
    filter: Mapping[str, Any] | None = None

    async def search(self, query: str, k: int | None = None) -> list[Scored]:
        (vector,) = await self.embedder.embed([query])
        return self.store.search(vector, self.k if k is None else k, self.filter)

    async def retrieve(self, query: str) -> list[Document]:
        return [doc for doc, _ in await self.search(query)]
