"""A Supabase table as a vector store, as n8n's vectorStoreSupabase keeps it (LangChain's
SupabaseVectorStore underneath), over Supabase's REST API (PostgREST).

Insert upserts `{content, embedding, metadata}` rows into the table in chunks of 500
(`POST /rest/v1/<table>`); a search calls the table's match function
(`POST /rest/v1/rpc/<queryName>`, default `match_documents`) with `query_embedding`,
`match_count` and `filter` (a metadata object the function matches with `@>`), and reports
its `similarity` as the score: higher is nearer. The table and function are the user's
(Supabase's guide creates both); Hetumind creates neither, as n8n does not.

Calls go through the integration kit's client, so they obey the execution's network
policy and the credential's allowed domains like every other service call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hetumind.ai.documents import Document
from hetumind.ai.errors import AIConfigError, service_failure
from hetumind.errors import HetumindError

__all__ = ["SupabaseVectorStore"]

UPSERT_CHUNK = 500
"""LangChain's upsertBatchSize."""


@dataclass(frozen=True)
class SupabaseVectorStore:
    client: Any
    """hetumind.integrations.ServiceClient signed with the supabaseApi credential."""
    table: str
    query_name: str = "match_documents"

    def _url(self, path: str) -> str:
        host = str(self.client.data.get("host") or "").rstrip("/")
        if not host:
            raise AIConfigError("the supabaseApi credential has no 'host'")
        return f"{host}/rest/v1/{path}"

    def add(self, documents: Sequence[Document], vectors: Sequence[Sequence[float]]) -> None:
        rows = [
            {
                "content": d.page_content,
                "embedding": [float(x) for x in v],
                "metadata": dict(d.metadata),
            }
            for d, v in zip(documents, vectors, strict=True)
        ]
        url = self._url(quote(self.table, safe=""))
        for start in range(0, len(rows), UPSERT_CHUNK):
            chunk = rows[start : start + UPSERT_CHUNK]

            def upsert(chunk: list[dict[str, Any]] = chunk) -> Any:
                return self.client.request(
                    "POST",
                    url,
                    qs={"select": "*"},
                    body=chunk,
                    headers={"Prefer": "resolution=merge-duplicates,return=representation"},
                )

            self._call("inserting", upsert)

    def search(
        self, vector: Sequence[float], k: int, filter: Mapping[str, Any] | None = None
    ) -> list[tuple[Document, float]]:
        body = {
            "query_embedding": [float(x) for x in vector],
            "match_count": max(1, k),
            "filter": dict(filter or {}),
        }
        url = self._url("rpc/" + quote(self.query_name, safe=""))
        found = self._call(
            "searching for documents", lambda: self.client.request("POST", url, body=body)
        )
        if not isinstance(found, list):
            raise AIConfigError(
                f"Supabase function {self.query_name!r} answered {type(found).__name__}, "
                "not rows of {content, metadata, similarity}"
            )
        return [
            (
                Document(str(row.get("content") or ""), dict(row.get("metadata") or {})),
                float(row.get("similarity") or 0.0),
            )
            for row in found
            if isinstance(row, dict)
        ]

    def _call(self, doing: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except HetumindError as exc:
            hint = ""
            if getattr(exc, "http_code", None) == 404:
                hint = (
                    f" (does table {self.table!r} exist?)"
                    if doing == "inserting"
                    else f" (does function {self.query_name!r} exist?)"
                )
            raise AIConfigError(f"Supabase: error {doing}: {service_failure(exc)}{hint}") from None
