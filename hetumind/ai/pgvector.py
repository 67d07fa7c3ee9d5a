"""A PostgreSQL table with the pgvector extension as a vector store, as n8n's
vectorStorePGVector keeps it (LangChain's PGVectorStore underneath).

The layout is LangChain's, so tables written by n8n and by Hetumind are interchangeable:
`id uuid` (gen_random_uuid), `text`, `metadata jsonb` and `embedding vector`, the column
names configurable; with a collection, a `collection_id` column pointing into a collections
table (`uuid`, `name`, `cmetadata`). Search orders by the distance operator of the chosen
strategy (cosine `<=>`, inner product `<#>`, euclidean `<->`) and reports the *distance* as
the score, as LangChain does by default: lower is nearer. A metadata filter is matched as
text on `metadata->>key`, LangChain's rule for plain values.

Queries run on the process's database loop (hetumind.asyncbridge) through the pool of the
Postgres node, so a Ray worker keeps one pool per database for all its node runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from hetumind.ai.documents import Document
from hetumind.ai.errors import AIConfigError

__all__ = ["DISTANCE_OPERATORS", "PGVectorColumns", "PGVectorStore"]

T = TypeVar("T")

DistanceStrategy = Literal["cosine", "innerProduct", "euclidean"]
DISTANCE_OPERATORS: dict[str, str] = {"cosine": "<=>", "innerProduct": "<#>", "euclidean": "<->"}

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
_EXTENSION_LOCK = 979021312
"""An advisory lock key that serialises CREATE EXTENSION across concurrent first runs
(two transactions creating it at once can fail on a duplicate key)."""


def _identifier(value: str, what: str) -> str:
    """`value` double-quoted, after checking it is a plain SQL name: names come from node
    parameters, and a quoted name is still no place for a caller's SQL."""
    if not _IDENTIFIER.match(value):
        raise AIConfigError(f"{what} {value!r} is not a plain SQL identifier")
    return f'"{value}"'


@dataclass(frozen=True)
class PGVectorColumns:
    """n8n's `options.columnNames.values`."""

    id: str = "id"
    vector: str = "embedding"
    content: str = "text"
    metadata: str = "metadata"


@dataclass(frozen=True)
class PGVectorStore:
    target: Any
    """hetumind.db.pg_pool.PgTarget: where the database is (the postgres credential)."""
    table: str = "n8n_vectors"
    columns: PGVectorColumns = PGVectorColumns()
    distance: str = "cosine"
    collection: str | None = None
    """With `collection_table`: the collection the documents belong to."""
    collection_table: str = "n8n_vector_collections"

    def __post_init__(self) -> None:
        if self.distance not in DISTANCE_OPERATORS:
            raise AIConfigError(
                f"distance strategy {self.distance!r} is not one of "
                + ", ".join(repr(k) for k in DISTANCE_OPERATORS)
            )
        for value, what in (
            (self.table, "table name"),
            (self.columns.id, "ID column name"),
            (self.columns.vector, "vector column name"),
            (self.columns.content, "content column name"),
            (self.columns.metadata, "metadata column name"),
            (self.collection_table, "collection table name"),
        ):
            _identifier(value, what)

    # what the vector store nodes call -------------------------------------------------
    def add(self, documents: Sequence[Document], vectors: Sequence[Sequence[float]]) -> None:
        if not documents:
            return
        rows = [
            (
                d.page_content.replace("\0", ""),
                _vector_text(v),
                json.dumps(dict(d.metadata), ensure_ascii=False, default=str),
            )
            for d, v in zip(documents, vectors, strict=True)
        ]

        async def work(conn: Any) -> None:
            collection_id = await self._collection_id(conn)
            c = self.columns
            names = [c.content, c.vector, c.metadata]
            casts = ["", "::vector", "::jsonb"]
            if collection_id is not None:
                names.append("collection_id")
                casts.append("::uuid")
            placeholders = ", ".join(f"${i + 1}{cast}" for i, cast in enumerate(casts))
            sql = (
                f"INSERT INTO {self._table} ({', '.join(_identifier(n, 'column') for n in names)}) "
                f"VALUES ({placeholders})"
            )
            extra = (collection_id,) if collection_id is not None else ()
            async with conn.transaction():
                await conn.executemany(sql, [(*row, *extra) for row in rows])

        self._run(work, dimensions=len(vectors[0]))

    def search(
        self, vector: Sequence[float], k: int, filter: Mapping[str, Any] | None = None
    ) -> list[tuple[Document, float]]:
        async def work(conn: Any) -> list[tuple[Document, float]]:
            c = self.columns
            values: list[Any] = [_vector_text(vector), max(1, k)]
            where: list[str] = []
            collection_id = await self._collection_id(conn)
            if collection_id is not None:
                values.append(collection_id)
                where.append(f"collection_id = ${len(values)}::uuid")
            metadata = _identifier(c.metadata, "metadata column name")
            for key, value in (filter or {}).items():
                values.append(str(key))
                key_at = len(values)
                values.append(_filter_text(value))
                where.append(f"{metadata}->>${key_at} = ${len(values)}")
            operator = DISTANCE_OPERATORS[self.distance]
            content = _identifier(c.content, "content column name")
            sql = (
                f"SELECT {content} AS content, {metadata} AS metadata, "
                f"{_identifier(c.vector, 'vector column name')} {operator} $1::vector AS distance "
                f"FROM {self._table} {'WHERE ' + ' AND '.join(where) if where else ''} "
                "ORDER BY distance ASC LIMIT $2"
            )
            rows = await conn.fetch(sql, *values)
            return [
                (Document(str(r["content"]), _metadata(r["metadata"])), float(r["distance"]))
                for r in rows
                if r["distance"] is not None and r["content"] is not None
            ]

        return self._run(work)

    def clear(self) -> None:
        """Every document of the collection (or of the table, without one)."""

        async def work(conn: Any) -> None:
            collection_id = await self._collection_id(conn)
            if collection_id is None:
                await conn.execute(f"DELETE FROM {self._table}")
            else:
                await conn.execute(
                    f"DELETE FROM {self._table} WHERE collection_id = $1::uuid", collection_id
                )

        self._run(work)

    # plumbing -------------------------------------------------------------------------
    @property
    def _table(self) -> str:
        return _identifier(self.table, "table name")

    def _run(self, work: Callable[[Any], Awaitable[T]], dimensions: int | None = None) -> T:
        from hetumind.asyncbridge import run_sync
        from hetumind.db.pg_pool import connection_failure, get_pool

        async def main() -> T:
            pool = await get_pool(self.target)
            async with pool.acquire() as conn:
                await self._ensure(conn, dimensions)
                return await work(conn)

        try:
            return run_sync(main())
        except AIConfigError:
            raise
        except Exception as exc:
            failure = connection_failure(exc, self.target)
            message = failure or f"{type(exc).__name__}: {exc}".strip()
            raise AIConfigError(f"PGVector store {self.table!r}: {message}") from None

    async def _ensure(self, conn: Any, dimensions: int | None) -> None:
        """The extension, the table and (with a collection) the collections table, each
        created when missing, as LangChain's PGVectorStore does on initialisation."""
        import asyncpg

        if not await conn.fetchval("SELECT 1 FROM pg_extension WHERE extname = 'vector'"):
            try:
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", _EXTENSION_LOCK)
                    await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            except (asyncpg.InsufficientPrivilegeError, asyncpg.UndefinedFileError) as exc:
                raise AIConfigError(
                    f"the pgvector extension is not installed in database "
                    f"{self.target.database!r} and could not be created ({exc}); a superuser "
                    "can run CREATE EXTENSION vector"
                ) from None
        c = self.columns
        vector_type = f"vector({dimensions})" if dimensions else "vector"
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {self._table} ("
            f"{_identifier(c.id, 'ID column name')} uuid NOT NULL DEFAULT gen_random_uuid() "
            f"PRIMARY KEY, {_identifier(c.content, 'content column name')} text, "
            f"{_identifier(c.metadata, 'metadata column name')} jsonb, "
            f"{_identifier(c.vector, 'vector column name')} {vector_type})"
        )
        if self.collection is None:
            return
        collections = _identifier(self.collection_table, "collection table name")
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {collections} (uuid uuid NOT NULL DEFAULT "
            "gen_random_uuid() PRIMARY KEY, name character varying, cmetadata jsonb)"
        )
        await conn.execute(f"ALTER TABLE {self._table} ADD COLUMN IF NOT EXISTS collection_id uuid")

    async def _collection_id(self, conn: Any) -> str | None:
        """The collection's uuid, its row added on first use (LangChain's
        getOrCreateCollection); None without a collection."""
        if self.collection is None:
            return None
        collections = _identifier(self.collection_table, "collection table name")
        found = await conn.fetchval(
            f"SELECT uuid FROM {collections} WHERE name = $1", self.collection
        )
        if found is None:
            found = await conn.fetchval(
                f"INSERT INTO {collections} (uuid, name, cmetadata) "
                "VALUES (gen_random_uuid(), $1, NULL) RETURNING uuid",
                self.collection,
            )
        return str(found)


def _vector_text(vector: Sequence[float]) -> str:
    """pgvector's text form, `[1.0,2.5,...]`; a non-finite component is refused here
    rather than by the server mid-batch."""
    values = [float(x) for x in vector]
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise AIConfigError("an embedding holds NaN or an infinite value")
    return "[" + ",".join(repr(v) for v in values) + "]"


def _filter_text(value: Any) -> str:
    """What `metadata->>key` reads for `value`: JSON text for objects, lists and
    booleans, the plain string otherwise."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _metadata(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value) if isinstance(value, dict) else {}
