"""Vector store nodes (vectorStoreInMemory, vectorStoreQdrant, vectorStorePGVector,
vectorStoreSupabase, vectorStorePinecone) with n8n's operation modes, and
retrieverVectorStore.

`mode` insert (documents from the ai_document loader, embedded, stored; output one item
per document) and load (the `prompt`'s `topK` nearest documents as `{document, score}`
items) run as root nodes on main items. retrieve supplies the store (ai_vectorStore) to a
retriever; retrieve-as-tool supplies an agent tool (ai_tool) named `toolName`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hetumind.ai.agent import Tool
from hetumind.ai.documents import Document
from hetumind.ai.embeddings import Embedder
from hetumind.ai.errors import AIConfigError
from hetumind.ai.subnodes import SubNodeView, require_one
from hetumind.ai.tools import tool_name
from hetumind.ai.vector_stores import (
    QdrantVectorStore,
    Retriever,
    VectorStore,
    memory_vector_store,
    qdrant_client,
)
from hetumind.asyncbridge import run_fresh
from hetumind.capabilities import CapabilityDenied, capabilities_of, check_url_host, pin_target
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase

__all__ = [
    "RetrieverVectorStore",
    "ToolVectorStore",
    "VectorStoreInMemory",
    "VectorStorePGVector",
    "VectorStorePinecone",
    "VectorStoreQdrant",
    "VectorStoreSupabase",
]

_TOOL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"input": {"type": "string", "description": "what to search for"}},
    "required": ["input"],
}
"""LangChain's DynamicTool input, which n8n's retrieve-as-tool uses: one string."""


def _metadata_filter(values: Any) -> dict[str, Any] | None:
    entries = (values or {}).get("metadataValues", []) if isinstance(values, dict) else []
    found = {str(e.get("name")): e.get("value") for e in entries if e.get("name")}
    return found or None


def _locator_value(param: Any, name: str, default: Any = None) -> Any:
    """A parameter that newer exports write as a resource locator (`{__rl, value, mode}`)
    and older ones as the plain value."""
    value = param(name, default)
    return value.get("value") if isinstance(value, dict) else value


class _VectorStoreNode(Node):
    """The modes; subclasses say how to reach their store."""

    def store(self, param: Any, ctx: NodeContext, credential: Any, node: str) -> VectorStore:
        """`param(path, default)` reads a parameter, `credential(type)` a credential."""
        raise NotImplementedError

    def search_filter(self, param: Any) -> dict[str, Any] | None:
        return _metadata_filter(param("options.metadata"))

    # main-input modes ------------------------------------------------------------------
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        mode = ctx.param("mode", 0, "retrieve")
        embedder: Embedder = require_one(ctx, "ai_embedding", "embeddings model")
        batch = inputs[0] if inputs else ItemBatch.empty()
        try:
            if mode == "insert":
                return [self._insert(ctx, embedder, batch)]
            if mode == "load":
                return [self._load(ctx, embedder, batch)]
        except HetumindError as exc:
            if isinstance(exc, NodeExecutionError):
                raise
            raise NodeExecutionError(exc.message, node=ctx.node_name) from None
        raise NodeExecutionError(
            f"mode {mode!r} runs through the node it is connected to; on main items "
            "only 'insert' and 'load' run",
            node=ctx.node_name,
        )

    def _param(self, ctx: NodeContext, item: int) -> Any:
        return lambda path, default=None: ctx.param(path, item, default)

    def _insert(self, ctx: NodeContext, embedder: Embedder, batch: ItemBatch) -> ItemBatch:
        loader = require_one(ctx, "ai_document", "document loader")
        docs: list[Document] = []
        paired: list[int] = []
        for i in range(len(batch)):
            found = loader.process_item(batch, i)
            docs += found
            paired += [i] * len(found)
        store = self.store(self._param(ctx, 0), ctx, ctx.credentials, ctx.node_name)
        if ctx.param("clearStore", 0, False) and hasattr(store, "clear"):
            store.clear()
        size = int(ctx.param("embeddingBatchSize", 0, 200) or 200)
        for start in range(0, len(docs), max(1, size)):
            part = docs[start : start + size]
            vectors = run_fresh(embedder.embed([d.page_content for d in part]))
            store.add(part, vectors)
        rows = [{"metadata": d.metadata, "pageContent": d.page_content} for d in docs]
        return ItemBatch.from_json(rows, paired=paired)

    def _load(self, ctx: NodeContext, embedder: Embedder, batch: ItemBatch) -> ItemBatch:
        rows: list[dict[str, Any]] = []
        paired: list[int] = []
        for i in range(len(batch)):
            param = self._param(ctx, i)
            prompt = param("prompt", "")
            if prompt in (None, ""):
                raise NodeExecutionError("the prompt is empty", node=ctx.node_name, item_index=i)
            retriever = Retriever(
                self.store(param, ctx, ctx.credentials, ctx.node_name),
                embedder,
                int(param("topK", 4) or 4),
                self.search_filter(param),
            )
            with_metadata = bool(param("includeDocumentMetadata", True))
            for doc, score in run_fresh(retriever.search(str(prompt))):
                document: dict[str, Any] = {"pageContent": doc.page_content}
                if with_metadata:
                    document["metadata"] = doc.metadata
                rows.append({"document": document, "score": score})
                paired.append(i)
        return ItemBatch.from_json(rows, paired=paired)

    # supplied modes --------------------------------------------------------------------
    def supply(self, view: SubNodeView) -> Any:
        mode = view.param("mode", "retrieve")
        embedders = view.supplied("ai_embedding")
        if not embedders:
            raise AIConfigError(
                f"sub-node {view.name!r} needs an embeddings model on 'ai_embedding'"
            )
        store = self.store(view.param, view.ctx, view.credential, view.name)
        if mode == "retrieve":
            return Retriever(store, embedders[0], 4, self.search_filter(view.param))
        if mode != "retrieve-as-tool":
            raise AIConfigError(
                f"sub-node {view.name!r}: mode {mode!r} cannot be connected to another node"
            )
        retriever = Retriever(
            store, embedders[0], int(view.param("topK", 4) or 4), self.search_filter(view.param)
        )
        with_metadata = bool(view.param("includeDocumentMetadata", True))

        async def call(args: dict[str, Any]) -> str:
            found = await retriever.search(str(args.get("input", "")))
            texts = [
                {
                    "type": "text",
                    "text": json.dumps(
                        {"pageContent": d.page_content, "metadata": d.metadata}
                        if with_metadata
                        else {"pageContent": d.page_content},
                        ensure_ascii=False,
                    ),
                }
                for d, _ in found
            ]
            return json.dumps(texts, ensure_ascii=False)

        # n8n: from v1.3 the tool is named after the node
        version = float(getattr(view.sub.node, "type_version", None) or 1)
        name = tool_name(view.param("toolName") if version < 1.3 else None, view.name)
        description = str(view.param("toolDescription", "") or "") or f"searches {view.name}"
        return Tool(name=name, description=description, parameters=_TOOL_SCHEMA, call=call)


_MODES = dict(
    inputs=1,
    supplies="ai_vectorStore",
    also_supplies=("ai_tool",),
    accepts=["ai_embedding", "ai_document"],
    n8n=False,
    fusible=False,
)


@node(
    "vectorStoreInMemory",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Simple Vector Store",
    aliases=(f"{LANGCHAIN}.vectorStoreInMemory",),
    **_MODES,  # type: ignore[arg-type]
)
class VectorStoreInMemory(_VectorStoreNode):
    """Documents kept in memory by `memoryKey` per workflow (see hetumind.ai.vector_stores
    for which process holds them); `clearStore` empties the key before an insert."""

    def store(self, param: Any, ctx: NodeContext, credential: Any, node: str) -> VectorStore:
        key = _locator_value(param, "memoryKey", "vector_store_key")
        return memory_vector_store(
            str(ctx.execution.workflow_id or ""), str(key or "vector_store_key")
        )


@node(
    "vectorStoreQdrant",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Qdrant Vector Store",
    aliases=(f"{LANGCHAIN}.vectorStoreQdrant",),
    **_MODES,  # type: ignore[arg-type]
)
class VectorStoreQdrant(_VectorStoreNode):
    """A Qdrant collection (`qdrantCollection`); the qdrantApi credential's `qdrantUrl`
    is a server URL, or ":memory:" / "path:<dir>" for qdrant-client's local mode."""

    def store(self, param: Any, ctx: NodeContext, credential: Any, node: str) -> VectorStore:
        collection = _locator_value(param, "qdrantCollection")
        if not collection:
            raise AIConfigError(f"node {node!r}: parameter 'qdrantCollection' is required")
        creds = credential("qdrantApi")
        url = str(creds.get("qdrantUrl") or "")
        if not url:
            raise AIConfigError(f"node {node!r}: the qdrantApi credential has no qdrantUrl")
        caps = capabilities_of(ctx)
        if url.startswith(("path:", "file:")):  # local mode writes a folder: the file policy
            caps.check_file(url.split(":", 1)[1].removeprefix("//"), node=node)
        elif url != ":memory:":
            check_url_host(caps, url, what=f"node {node!r}", default_port=6333)
        config = param("options.collectionConfig")
        if isinstance(config, str) and config.strip():
            try:
                config = json.loads(config)
            except json.JSONDecodeError as exc:
                raise AIConfigError(
                    f"node {node!r}: options.collectionConfig is not valid JSON: {exc.msg}"
                ) from None
        return QdrantVectorStore(
            qdrant_client(url, creds.get("apiKey")),
            str(collection),
            str(param("options.contentPayloadKey", "content") or "content"),
            str(param("options.metadataPayloadKey", "metadata") or "metadata"),
            config if isinstance(config, dict) else None,
        )

    def search_filter(self, param: Any) -> dict[str, Any] | None:
        raw = param("options.searchFilterJson")
        if raw in (None, "", {}):
            return None
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            raise AIConfigError(f"options.searchFilterJson is not valid JSON: {exc.msg}") from None
        return value if isinstance(value, dict) else None


@node(
    "vectorStorePGVector",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Postgres PGVector Store",
    aliases=(f"{LANGCHAIN}.vectorStorePGVector",),
    **_MODES,  # type: ignore[arg-type]
)
class VectorStorePGVector(_VectorStoreNode):
    """A PostgreSQL table with pgvector (`tableName`, default n8n_vectors; credential
    `postgres`), in LangChain's layout; options: collection, column names, distance
    strategy. Scores are distances (lower is nearer), as in n8n."""

    def store(self, param: Any, ctx: NodeContext, credential: Any, node: str) -> VectorStore:
        from hetumind.ai.pgvector import PGVectorColumns, PGVectorStore
        from hetumind.db.pg_pool import PgTarget

        table = _locator_value(param, "tableName", "n8n_vectors")
        columns = param("options.columnNames.values") or {}
        collection = param("options.collection.values") or {}
        use_collection = isinstance(collection, dict) and bool(collection.get("useCollection"))
        try:
            target = PgTarget.from_credential(credential("postgres"), connect_timeout=10.0)
            return PGVectorStore(
                pin_target(capabilities_of(ctx), target, what=f"node {node!r}"),
                str(table or "n8n_vectors"),
                PGVectorColumns(
                    str(columns.get("idColumnName") or "id"),
                    str(columns.get("vectorColumnName") or "embedding"),
                    str(columns.get("contentColumnName") or "text"),
                    str(columns.get("metadataColumnName") or "metadata"),
                ),
                str(param("options.distanceStrategy", "cosine") or "cosine"),
                str(collection.get("collectionName") or "n8n") if use_collection else None,
                str(collection.get("collectionTableName") or "n8n_vector_collections"),
            )
        except CapabilityDenied:
            raise
        except AIConfigError as exc:
            raise AIConfigError(f"node {node!r}: {exc.message}") from None


class _OwnCredentials:
    """A node context as the integration kit's client reads it, with the credentials of
    the node that owns the store: a supplied sub-node's own, not its root's."""

    def __init__(self, ctx: NodeContext, credential: Any, node: str) -> None:
        self._ctx, self._credential, self.node_name = ctx, credential, node
        self.credential_refs = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    def credentials(self, kind: str) -> Any:
        return self._credential(kind)

    def param(self, path: str, item_index: int = 0, default: Any = None) -> Any:
        return default  # `authentication`: the store has one credential type


@node(
    "vectorStoreSupabase",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Supabase Vector Store",
    aliases=(f"{LANGCHAIN}.vectorStoreSupabase",),
    **_MODES,  # type: ignore[arg-type]
)
class VectorStoreSupabase(_VectorStoreNode):
    """A Supabase table (`tableName`, string or resource locator) and its match function
    (`options.queryName`, default match_documents); credential `supabaseApi`. Scores
    are the function's similarity (higher is nearer), as in n8n."""

    def store(self, param: Any, ctx: NodeContext, credential: Any, node: str) -> VectorStore:
        from hetumind.ai.supabase_vectors import SupabaseVectorStore
        from hetumind.integrations import ServiceClient
        from hetumind.nodes.builtin.supabase import SUPABASE

        table = _locator_value(param, "tableName")
        if not table:
            raise AIConfigError(f"node {node!r}: parameter 'tableName' is required")
        client = ServiceClient(_OwnCredentials(ctx, credential, node), SUPABASE)
        query = str(param("options.queryName", "match_documents") or "match_documents")
        return SupabaseVectorStore(client, str(table), query)


@node(
    "vectorStorePinecone",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Pinecone Vector Store",
    aliases=(f"{LANGCHAIN}.vectorStorePinecone",),
    **_MODES,  # type: ignore[arg-type]
)
class VectorStorePinecone(_VectorStoreNode):
    """A Pinecone index (`pineconeIndex`, string or resource locator);
    `options.pineconeNamespace`, `options.clearNamespace` (insert); credential
    `pineconeApi`. Scores are Pinecone's (cosine: higher is nearer)."""

    def store(self, param: Any, ctx: NodeContext, credential: Any, node: str) -> VectorStore:
        from hetumind.ai.pinecone import PINECONE, PineconeVectorStore
        from hetumind.integrations import ServiceClient

        index = _locator_value(param, "pineconeIndex")
        if not index:
            raise AIConfigError(f"node {node!r}: parameter 'pineconeIndex' is required")
        namespace = param("options.pineconeNamespace")
        return PineconeVectorStore(
            ServiceClient(_OwnCredentials(ctx, credential, node), PINECONE),
            str(index),
            str(namespace) if namespace else None,
            bool(param("options.clearNamespace", False)),
        )


@node(
    "retrieverVectorStore",
    versions=[1],
    display_name="Vector Store Retriever",
    inputs=0,
    supplies="ai_retriever",
    accepts=["ai_vectorStore"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.retrieverVectorStore",),
)
class RetrieverVectorStore(SubNodeBase):
    """The connected vector store's `topK` nearest documents for a query."""

    def supply(self, view: SubNodeView) -> Retriever:
        stores = view.supplied("ai_vectorStore")
        if not stores:
            raise AIConfigError(f"sub-node {view.name!r} needs a vector store on 'ai_vectorStore'")
        base: Retriever = stores[0]
        return Retriever(base.store, base.embedder, int(view.param("topK", 4) or 4), base.filter)


_QA_PROMPT = (
    "Use the following pieces of context to answer the question at the end. If you don't "
    "know the answer, just say that you don't know, don't try to make up an answer.\n\n"
    "{context}\n\nQuestion: {question}\nHelpful Answer:"
)
"""LangChain's VectorDBQAChain prompt (stuff documents), which toolVectorStore runs."""


@node(
    "toolVectorStore",
    versions=[1, 1.1],
    display_name="Vector Store Question Answer Tool",
    inputs=0,
    supplies="ai_tool",
    accepts=["ai_vectorStore", "ai_languageModel"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.toolVectorStore",),
)
class ToolVectorStore(SubNodeBase):
    """An agent tool that answers a question from the connected vector store's `topK`
    documents with the connected model (LangChain's VectorStoreQATool)."""

    def supply(self, view: SubNodeView) -> Tool:
        from hetumind.ai.chains import ask, fill, format_documents

        stores = view.supplied("ai_vectorStore")
        if not stores or not view.sub.supplied.get("ai_languageModel"):
            raise AIConfigError(
                f"sub-node {view.name!r} needs a vector store ('ai_vectorStore') and a chat "
                "model ('ai_languageModel')"
            )
        base: Retriever = stores[0]
        retriever = Retriever(
            base.store, base.embedder, int(view.param("topK", 4) or 4), base.filter
        )
        name = str(view.param("name", "") or "")
        about = str(view.param("description", "") or "")
        description = (
            f"Useful for when you need to answer questions about {name}. Whenever you need "
            f"information about {about}, you should ALWAYS use this. Input should be a fully "
            "formed question."
        )

        async def call(args: dict[str, Any]) -> str:
            question = str(args.get("input", ""))
            docs = await retriever.retrieve(question)
            # a client per call: it belongs to the loop the agent calls the tool on
            (model,) = view.supplied("ai_languageModel")[:1]
            try:
                prompt = fill(_QA_PROMPT, {"context": format_documents(docs), "question": question})
                answer, _ = await ask(model, [{"role": "user", "content": prompt}], [], "tool")
            finally:
                await model.aclose()
            return answer

        return Tool(
            name=tool_name(name, view.name),
            description=description,
            parameters=_TOOL_SCHEMA,
            call=call,
        )
