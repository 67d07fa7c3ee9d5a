"""Server settings from HETUMIND_* environment variables, with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ServerSettings"]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}: expected an integer, got {raw!r}") from None


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in env.get(name, "").split(",") if p.strip())


@dataclass(frozen=True)
class ServerSettings:
    """What the API replicas need to know.

    Attributes:
        max_body_bytes: requests with a larger body get 413 (HETUMIND_MAX_BODY_BYTES).
        inline_max_nodes: workflows with at most this many nodes, and no node that wants a
            task of its own, run inside the replica (inline backend) unless
            settings.backend says otherwise; bigger ones run as Ray tasks.
        inline_max_items: the same limit on the number of input items.
        database_url: None for the store's own default (HETUMIND_DATABASE_URL or SQLite).
        public_url: base of webhook URLs shown in items (HETUMIND_PUBLIC_URL).
        max_concurrency: executions running at once per replica (HETUMIND_MAX_CONCURRENCY).
        max_queue: executions waiting for a slot; beyond it runs get 429 (HETUMIND_MAX_QUEUE).
        max_concurrency_per_workflow: default per-workflow limit, 0 for none
            (HETUMIND_MAX_CONCURRENCY_PER_WORKFLOW); a workflow's settings.maxConcurrency
            overrides it.
        idempotency_hours: how long an Idempotency-Key is remembered
            (HETUMIND_IDEMPOTENCY_HOURS).
    """

    max_body_bytes: int = 16 * 1024 * 1024
    inline_max_nodes: int = 30
    inline_max_items: int = 5000
    database_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    max_concurrency: int = 64
    max_queue: int = 1000
    max_concurrency_per_workflow: int = 0
    idempotency_hours: int = 24
    server_hosts: tuple[str, ...] = ()
    """Host header values served besides localhost and public_url's host
    (HETUMIND_SERVER_HOSTS, comma-separated; `*` serves any: DNS rebinding is then on you)."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed cross-origin calls and WebSocket connections (HETUMIND_CORS_ORIGINS);
    none by default."""
    store_env: dict[str, str] = field(default_factory=dict)
    """The HETUMIND_* variables where the app was built: replicas run in other processes
    (on other machines, in a cluster) and must open the same store."""

    def store_settings(self) -> Any:
        """The store's settings: this process's environment under `store_env`."""
        from hetumind.store import StoreSettings

        return StoreSettings.from_env({**os.environ, **self.store_env})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if env is None else env
        return cls(
            max_body_bytes=_int(env, "HETUMIND_MAX_BODY_BYTES", cls.max_body_bytes),
            inline_max_nodes=_int(env, "HETUMIND_INLINE_MAX_NODES", cls.inline_max_nodes),
            inline_max_items=_int(env, "HETUMIND_INLINE_MAX_ITEMS", cls.inline_max_items),
            database_url=env.get("HETUMIND_DATABASE_URL") or None,
            public_url=env.get("HETUMIND_PUBLIC_URL") or cls.public_url,
            max_concurrency=_int(env, "HETUMIND_MAX_CONCURRENCY", cls.max_concurrency),
            max_queue=_int(env, "HETUMIND_MAX_QUEUE", cls.max_queue),
            max_concurrency_per_workflow=_int(
                env, "HETUMIND_MAX_CONCURRENCY_PER_WORKFLOW", cls.max_concurrency_per_workflow
            ),
            idempotency_hours=_int(env, "HETUMIND_IDEMPOTENCY_HOURS", cls.idempotency_hours),
            server_hosts=_list(env, "HETUMIND_SERVER_HOSTS"),
            cors_origins=_list(env, "HETUMIND_CORS_ORIGINS"),
            store_env={k: v for k, v in env.items() if k.startswith("HETUMIND_")},
        )
