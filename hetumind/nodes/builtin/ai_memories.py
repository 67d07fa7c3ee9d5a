"""memoryPostgresChat and memoryRedisChat: conversation memory in the database, in the
shapes n8n (LangChain JS) uses (see hetumind.ai.chat_histories)."""

from __future__ import annotations

from hetumind.ai.chat_histories import PostgresChatHistory, RedisChatHistory
from hetumind.ai.errors import AIConfigError
from hetumind.ai.memory import ConversationMemory, MemoryBackend
from hetumind.ai.subnodes import SubNodeView
from hetumind.nodes.api import node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase

__all__ = ["MemoryPostgresChat", "MemoryRedisChat"]


def _session_key(view: SubNodeView) -> str:
    if view.param("sessionIdType", "fromInput") == "customKey":
        key = view.param("sessionKey")
    else:
        key = view.ctx.evaluate("={{ $json.sessionId }}", view.item_index, "sessionKey")
    if key in (None, ""):
        raise AIConfigError(
            f"sub-node {view.name!r}: no session key for item {view.item_index} "
            "(give items a 'sessionId' field or set a custom key)"
        )
    return str(key)


def _memory(view: SubNodeView, backend: MemoryBackend) -> ConversationMemory:
    window = int(view.param("contextWindowLength", 5) or 5)
    return ConversationMemory(backend, _session_key(view), window)


@node(
    "memoryPostgresChat",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Postgres Chat Memory",
    inputs=0,
    supplies="ai_memory",
    n8n=False,
    aliases=(f"{LANGCHAIN}.memoryPostgresChat",),
)
class MemoryPostgresChat(SubNodeBase):
    """The last `contextWindowLength` exchanges of a session, kept in `tableName`
    (default n8n_chat_histories, created when missing); credential `postgres`."""

    def supply(self, view: SubNodeView) -> ConversationMemory:
        from hetumind.db.pg_pool import PgTarget

        creds = view.credential("postgres")
        target = PgTarget.from_credential(creds, connect_timeout=10.0)
        table = str(view.param("tableName", "n8n_chat_histories") or "n8n_chat_histories")
        try:
            backend = PostgresChatHistory(target, table)
        except AIConfigError as exc:
            raise AIConfigError(f"sub-node {view.name!r}: {exc.message}") from None
        return _memory(view, backend)


@node(
    "memoryRedisChat",
    versions=[1, 1.1, 1.2, 1.3, 1.4, 1.5],
    display_name="Redis Chat Memory",
    inputs=0,
    supplies="ai_memory",
    n8n=False,
    aliases=(f"{LANGCHAIN}.memoryRedisChat",),
)
class MemoryRedisChat(SubNodeBase):
    """The last `contextWindowLength` exchanges of a session, in a Redis list at the
    session key; `sessionTTL` (seconds, 0 = none); credential `redis`."""

    def supply(self, view: SubNodeView) -> ConversationMemory:
        from hetumind.db.redis_pool import RedisTarget, client_for

        target = RedisTarget.from_credential(view.credential("redis"))
        ttl = int(view.param("sessionTTL", 0) or 0)
        return _memory(view, RedisChatHistory(client_for(target), ttl))
