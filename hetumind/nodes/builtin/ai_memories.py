"""memoryPostgresChat and memoryRedisChat: conversation memory in the database, in the
shapes n8n (LangChain JS) uses (see hetumind.ai.chat_histories); memoryManager reads and
edits any connected memory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hetumind.ai.chat_histories import PostgresChatHistory, RedisChatHistory
from hetumind.ai.errors import AIConfigError
from hetumind.ai.memory import ConversationMemory, MemoryBackend
from hetumind.ai.subnodes import SubNodeView, require_one
from hetumind.capabilities import capabilities_of, pin_target
from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase
from hetumind.nodes.item_wise import item_error

__all__ = ["MemoryManager", "MemoryPostgresChat", "MemoryRedisChat"]


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
        target = pin_target(
            capabilities_of(view.ctx),
            PgTarget.from_credential(creds, connect_timeout=10.0),
            what=f"sub-node {view.name!r}",
        )
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

        target = pin_target(
            capabilities_of(view.ctx),
            RedisTarget.from_credential(view.credential("redis")),
            what=f"sub-node {view.name!r}",
        )
        ttl = int(view.param("sessionTTL", 0) or 0)
        return _memory(
            view, RedisChatHistory(client_for(target), ttl), window_from=1.3, plain_key_until=1.2
        )


_TYPES = {"user": "human", "assistant": "ai", "system": "system"}
_CLASSES = {"human": "HumanMessage", "ai": "AIMessage", "system": "SystemMessage"}
_ROLES = {"user": "user", "ai": "assistant", "system": "system"}


def simplify_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """n8n's simplifyMessages: consecutive messages grouped into {human, ai, system}
    objects, a new group whenever a type repeats."""
    groups: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for message in messages:
        kind = _TYPES.get(str(message.get("role")), "human")
        if kind in current:
            groups.append(current)
            current = {}
        current[kind] = message.get("content", "")
    if current:
        groups.append(current)
    return groups


def serialized(message: dict[str, Any]) -> dict[str, Any]:
    """A message as LangChain's toJSON() gives it."""
    kind = _TYPES.get(str(message.get("role")), "human")
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain_core", "messages", _CLASSES[kind]],
        "kwargs": {
            "content": message.get("content", ""),
            "additional_kwargs": {},
            "response_metadata": {},
        },
    }


@node(
    "memoryManager",
    versions=[1, 1.1],
    display_name="Chat Memory Manager",
    accepts=["ai_memory"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.memoryManager",),
    fusible=False,
)
class MemoryManager(Node):
    """Reads (`mode` load), adds (insert: `messages.messageValues`, `insertMode`
    insert/override) or deletes (`deleteMode` lastN/all) the connected memory's messages
    for each item's session."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        mode = str(ctx.param("mode", 0, "load"))
        legacy = ctx.type_version < 1.1
        rows: list[dict[str, Any]] = []
        paired: list[int] = []
        for i in range(len(batch)):
            # outside the item's onError: a missing memory sub-node fails the node
            memory: ConversationMemory = require_one(ctx, "ai_memory", "memory", i)
            backend, session = memory.backend, memory.session
            try:
                out = self._one(ctx, i, mode, legacy, backend, session)
            except HetumindError as exc:
                out = [item_error(ctx, i, exc.message)]
            rows += out
            paired += [i] * len(out)
        return [ItemBatch.from_json(rows, paired=paired)]

    def _one(
        self,
        ctx: NodeContext,
        i: int,
        mode: str,
        legacy: bool,
        backend: MemoryBackend,
        session: str,
    ) -> list[dict[str, Any]]:
        messages = backend.load(session)
        if mode == "load":
            simplify = bool(ctx.param("simplifyOutput", i, True))
            group = ctx.param("options.groupMessages", i, None)
            grouped = group is not False and not (group is None and legacy)
            output = simplify_messages(messages) if simplify else [serialized(m) for m in messages]
            return [{"messages": output, "messagesCount": len(output)}] if grouped else output
        if mode == "delete":
            if ctx.param("deleteMode", i, "lastN") == "lastN":
                count = int(ctx.param("lastMessagesCount", i, 2) or 0)
                if len(messages) >= count:
                    backend.clear(session)
                    backend.append(session, messages[: len(messages) - count])
            else:
                backend.clear(session)
        elif mode == "insert":
            if ctx.param("insertMode", i, "insert") == "override":
                backend.clear(session)
            entries = ctx.param("messages.messageValues", i, None) or []
            new = []
            for entry in entries:
                kind = str(entry.get("type", "system"))
                if kind not in _ROLES:
                    raise AIConfigError(f"message type {kind!r} is not ai, system or user")
                new.append({"role": _ROLES[kind], "content": str(entry.get("message", ""))})
            backend.append(session, new)
        else:
            raise AIConfigError(f"mode {mode!r} is not load, insert or delete")
        if legacy:  # v1 answers with the memory's messages
            return [serialized(m) for m in backend.load(session)]
        return [{"success": True}]
