"""Conversation memory by session key, behind a small backend interface.

`InProcessMemory` keeps sessions in this process (inline runs, tests). `RayActorMemory`
keeps them in one named, detached Ray actor, so every task of a cluster sees the same
conversation whichever worker runs the node. A store-backed backend (database table)
plugs in through the same interface once the store has a table for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "ConversationMemory",
    "InProcessMemory",
    "MemoryBackend",
    "RayActorMemory",
    "default_memory_backend",
]

Message = dict[str, Any]


class MemoryBackend(Protocol):
    """Where conversations live; messages are OpenAI chat messages (role, content)."""

    def load(self, session: str) -> list[Message]: ...

    def append(self, session: str, messages: Sequence[Message]) -> None: ...

    def clear(self, session: str) -> None: ...


class InProcessMemory:
    """Sessions in a dict guarded by a lock; `max_messages` bounds each session."""

    def __init__(self, max_messages: int = 1000) -> None:
        self._sessions: dict[str, list[Message]] = {}
        self._lock = threading.Lock()
        self._max = max_messages

    def load(self, session: str) -> list[Message]:
        with self._lock:
            return [dict(m) for m in self._sessions.get(session, [])]

    def append(self, session: str, messages: Sequence[Message]) -> None:
        with self._lock:
            kept = self._sessions.setdefault(session, [])
            kept.extend(dict(m) for m in messages)
            del kept[: max(0, len(kept) - self._max)]

    def clear(self, session: str) -> None:
        with self._lock:
            self._sessions.pop(session, None)


ACTOR_NAME = "hetumind-chat-memory"
ACTOR_NAMESPACE = "hetumind"


class RayActorMemory:
    """Sessions in one named Ray actor shared by the whole cluster (created on first use)."""

    def __init__(self) -> None:
        import ray

        @ray.remote(num_cpus=0)
        class _Sessions(InProcessMemory):
            pass

        self._ray = ray
        self._actor = _Sessions.options(  # type: ignore[attr-defined]
            name=ACTOR_NAME, namespace=ACTOR_NAMESPACE, lifetime="detached", get_if_exists=True
        ).remote()

    def load(self, session: str) -> list[Message]:
        return list(self._ray.get(self._actor.load.remote(session)))

    def append(self, session: str, messages: Sequence[Message]) -> None:
        self._ray.get(self._actor.append.remote(session, list(messages)))

    def clear(self, session: str) -> None:
        self._ray.get(self._actor.clear.remote(session))


_process_memory = InProcessMemory()
_ray_memory: RayActorMemory | None = None


def default_memory_backend() -> MemoryBackend:
    """Ray's actor when this process is connected to Ray, else this process's memory.

    `HETUMIND_MEMORY_BACKEND=process|ray` forces one.
    """
    choice = os.environ.get("HETUMIND_MEMORY_BACKEND", "").lower()
    if choice != "process":
        import ray

        if choice == "ray" or ray.is_initialized():
            global _ray_memory
            if _ray_memory is None:
                _ray_memory = RayActorMemory()
            return _ray_memory
    return _process_memory


@dataclass
class ConversationMemory:
    """A window onto one session: the last `window` exchanges (user + assistant turns)."""

    backend: MemoryBackend
    session: str
    window: int = 5

    def history(self) -> list[Message]:
        messages = self.backend.load(self.session)
        if self.window <= 0:
            return []
        return messages[-2 * self.window :]

    def save_turn(self, user: str, assistant: str) -> None:
        self.backend.append(
            self.session,
            [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
        )
