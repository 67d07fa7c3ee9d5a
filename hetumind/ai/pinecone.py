"""A Pinecone index as a vector store, as n8n's vectorStorePinecone keeps it (LangChain's
PineconeStore underneath), over Pinecone's REST API.

The index's data-plane host comes from the control plane (`GET /indexes/<name>` on
api.pinecone.io, or the credential's `baseUrl`); it is reached with the control plane's
scheme, so Pinecone Local (plain HTTP on localhost) works like the cloud. Insert upserts
vectors in batches of 100 with a random id and LangChain's metadata: the document's
metadata flattened to dotted keys (Pinecone takes no nested objects; lists of strings stay
lists) plus the text under `text`. A search queries `topK` with the metadata filter and
reports Pinecone's score (for a cosine index, higher is nearer). `pineconeNamespace`
picks the namespace; `clearNamespace` deletes all of it before an insert.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

from hetumind.ai.documents import Document
from hetumind.ai.errors import AIConfigError, service_failure
from hetumind.errors import HetumindError
from hetumind.integrations.auth import ApiKeyHeader
from hetumind.integrations.client import Service

__all__ = ["PINECONE", "PineconeVectorStore", "flatten_metadata"]

PINECONE = Service(
    name="Pinecone",
    default_base_url="https://api.pinecone.io",
    credentials={"pineconeApi": ApiKeyHeader("apiKey", "Api-Key")},
)
"""The control plane; a credential's `baseUrl` points at another (Pinecone Local)."""

UPSERT_BATCH = 100
TEXT_KEY = "text"
API_VERSION = "2025-04"


def flatten_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """LangChain's: nested objects become dotted keys (the `flat` package's rule, lists
    of other things by index), lists of strings are kept as lists, nulls dropped (Pinecone
    refuses them)."""
    out: dict[str, Any] = {}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, Mapping) and value:
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list) and not all(isinstance(v, str) for v in value):
            for i, v in enumerate(value):
                walk(v, f"{key}.{i}")
        elif value is not None and not (isinstance(value, Mapping) and not value):
            out[key] = value

    for k, v in metadata.items():
        walk(v, str(k))
    return out


@dataclass
class PineconeVectorStore:
    client: Any
    """hetumind.integrations.ServiceClient for the pineconeApi credential."""
    index: str
    namespace: str | None = None
    clear_namespace: bool = False
    _host: str | None = field(default=None, repr=False)

    def _data_url(self, path: str) -> str:
        if self._host is None:
            found = self._call(
                f"describing index {self.index!r}",
                lambda: self._request("GET", f"indexes/{quote(self.index, safe='')}"),
            )
            host = str((found or {}).get("host") or "") if isinstance(found, dict) else ""
            if not host:
                raise AIConfigError(f"Pinecone index {self.index!r} has no host (not ready?)")
            scheme = urlsplit(self.client.base_url()).scheme or "https"
            self._host = host if "://" in host else f"{scheme}://{host}"
        return f"{self._host.rstrip('/')}/{path}"

    def add(self, documents: Sequence[Document], vectors: Sequence[Sequence[float]]) -> None:
        if self.clear_namespace:
            body: dict[str, Any] = {"deleteAll": True}
            if self.namespace:
                body["namespace"] = self.namespace
            url = self._data_url("vectors/delete")
            self._call("clearing the namespace", lambda: self._request("POST", url, body))
            self.clear_namespace = False  # once per node run, before its first batch
        records = [
            {
                "id": str(uuid.uuid4()),
                "values": [float(x) for x in v],
                "metadata": flatten_metadata({**d.metadata, TEXT_KEY: d.page_content}),
            }
            for d, v in zip(documents, vectors, strict=True)
        ]
        url = self._data_url("vectors/upsert")
        for start in range(0, len(records), UPSERT_BATCH):
            upsert: dict[str, Any] = {"vectors": records[start : start + UPSERT_BATCH]}
            if self.namespace:
                upsert["namespace"] = self.namespace
            self._call("upserting", partial(self._request, "POST", url, upsert))

    def search(
        self, vector: Sequence[float], k: int, filter: Mapping[str, Any] | None = None
    ) -> list[tuple[Document, float]]:
        body: dict[str, Any] = {
            "vector": [float(x) for x in vector],
            "topK": max(1, k),
            "includeMetadata": True,
            "includeValues": False,
        }
        if self.namespace:
            body["namespace"] = self.namespace
        if filter:
            body["filter"] = dict(filter)
        url = self._data_url("query")
        found = self._call("querying", lambda: self._request("POST", url, body))
        matches = found.get("matches") if isinstance(found, dict) else None
        results = []
        for match in matches or []:
            metadata = dict(match.get("metadata") or {})
            if TEXT_KEY not in metadata:
                continue  # LangChain skips vectors without the text
            text = metadata.pop(TEXT_KEY)
            results.append((Document(str(text), metadata), float(match.get("score") or 0.0)))
        return results

    def _request(self, method: str, url: str, body: Any = None) -> Any:
        headers = {"X-Pinecone-API-Version": API_VERSION}
        return self.client.request(method, url, body=body, headers=headers)

    def _call(self, doing: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except HetumindError as exc:
            raise AIConfigError(f"Pinecone: error {doing}: {service_failure(exc)}") from None
