"""Chat memory backends on PostgreSQL and Redis, in the shapes LangChain JS stores (so
n8n and Hetumind can share a conversation):

* PostgreSQL: table `n8n_chat_histories` (or the node's `tableName`) with
  `id SERIAL PRIMARY KEY, session_id VARCHAR(255) NOT NULL, message JSONB NOT NULL`;
  one row per message, in id order.
* Redis: a list at the session key, newest first (LPUSH), each entry a JSON message;
  `sessionTTL` seconds renews the key's expiry on every write.

A stored message is `{"type": "human"|"ai"|"system", "data": {"content": ...}}`; the
memory interface (hetumind.ai.memory.MemoryBackend) speaks OpenAI roles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hetumind.ai.errors import AIConfigError

__all__ = ["PostgresChatHistory", "RedisChatHistory", "from_stored", "to_stored"]

Message = dict[str, Any]
_TYPES = {"user": "human", "assistant": "ai", "system": "system"}
_ROLES = {v: k for k, v in _TYPES.items()}


def to_stored(message: Message) -> dict[str, Any]:
    content = message.get("content") or ""
    return {
        "type": _TYPES.get(str(message.get("role")), "human"),
        "data": {"content": content, "additional_kwargs": {}, "response_metadata": {}},
    }


def from_stored(value: Any) -> Message | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    data: dict[str, Any] = value["data"] if isinstance(value.get("data"), dict) else value
    role = _ROLES.get(str(kind))
    if role is None:
        return None
    return {"role": role, "content": str(data.get("content") or "")}


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class PostgresChatHistory:
    target: Any
    """hetumind.db.pg_pool.PgTarget"""
    table: str = "n8n_chat_histories"

    def __post_init__(self) -> None:
        if not _IDENTIFIER.match(self.table):
            raise AIConfigError(f"table name {self.table!r} is not a plain SQL identifier")

    def _run(self, work: Any) -> Any:
        from hetumind.asyncbridge import run_sync
        from hetumind.db.pg_pool import get_pool

        async def main() -> Any:
            pool = await get_pool(self.target)
            async with pool.acquire() as conn:
                await conn.execute(
                    f'CREATE TABLE IF NOT EXISTS "{self.table}" (id SERIAL PRIMARY KEY, '
                    "session_id VARCHAR(255) NOT NULL, message JSONB NOT NULL)"
                )
                return await work(conn)

        try:
            return run_sync(main())
        except OSError as exc:
            raise AIConfigError(f"cannot reach PostgreSQL at {self.target.host}: {exc}") from None

    def load(self, session: str) -> list[Message]:
        async def work(conn: Any) -> list[Any]:
            return list(
                await conn.fetch(
                    f'SELECT message FROM "{self.table}" WHERE session_id = $1 ORDER BY id',
                    session,
                )
            )

        rows = self._run(work)
        return [m for m in (from_stored(r["message"]) for r in rows) if m is not None]

    def append(self, session: str, messages: Sequence[Message]) -> None:
        async def work(conn: Any) -> None:
            await conn.executemany(
                f'INSERT INTO "{self.table}" (session_id, message) VALUES ($1, $2::jsonb)',
                [(session, json.dumps(to_stored(m))) for m in messages],
            )

        self._run(work)

    def clear(self, session: str) -> None:
        async def work(conn: Any) -> None:
            await conn.execute(f'DELETE FROM "{self.table}" WHERE session_id = $1', session)

        self._run(work)


@dataclass(frozen=True)
class RedisChatHistory:
    client: Any
    """a redis.Redis (hetumind.db.redis_pool.client_for)"""
    ttl: int = 0

    def load(self, session: str) -> list[Message]:
        raw = list(reversed(self.client.lrange(session, 0, -1)))
        return [m for m in (from_stored(r) for r in raw) if m is not None]

    def append(self, session: str, messages: Sequence[Message]) -> None:
        pipe = self.client.pipeline()
        for message in messages:
            pipe.lpush(session, json.dumps(to_stored(message)))
        if self.ttl > 0:
            pipe.expire(session, self.ttl)
        pipe.execute()

    def clear(self, session: str) -> None:
        self.client.delete(session)
