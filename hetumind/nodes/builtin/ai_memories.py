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


_WHOLE = 10**9
"""A window that keeps every message: n8n's BufferMemory in the oldest versions."""


def _session_key(view: SubNodeView, plain_key_until: float | None = None) -> str:
    """n8n's getSessionId; Redis before v1.2 reads `sessionKey` alone (v1 default
    "chat_history", v1.1 "={{ $json.sessionId }}")."""
    version = float(getattr(view.sub.node, "type_version", None) or 1)
    if plain_key_until is not None and version < plain_key_until:
        default = "chat_history" if version < 1.1 else "={{ $json.sessionId }}"
        key = view.param("sessionKey", None)
        if key is None:
            key = view.ctx.evaluate(default, view.item_index, "sessionKey")
    elif view.param("sessionIdType", "fromInput") == "customKey":
        key = view.param("sessionKey")
    else:
        key = view.ctx.evaluate("={{ $json.sessionId }}", view.item_index, "sessionKey")
    if key in (None, ""):
        raise AIConfigError(
            f"sub-node {view.name!r}: No session ID found for item {view.item_index} "
            "(give items a 'sessionId' field or set a custom key)"
        )
    return str(key)


def _memory(
    view: SubNodeView, backend: MemoryBackend, window_from: float, plain_key_until: float | None
) -> ConversationMemory:
    version = float(getattr(view.sub.node, "type_version", None) or 1)
    window = int(view.param("contextWindowLength", 5) or 5) if version >= window_from else _WHOLE
    return ConversationMemory(backend, _session_key(view, plain_key_until), window)


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
        return _memory(view, backend, window_from=1.1, plain_key_until=None)


@node(
    "memoryRedisChat",
    versions=[1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6],
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
        return _memory(
            view, RedisChatHistory(client_for(target), ttl), window_from=1.3, plain_key_until=1.2
        )
