"""Where the store keeps things, read from HETUMIND_* environment variables.

Embedded defaults need no setup: a SQLite file and a blob directory under HETUMIND_HOME
(default ~/.hetumind). Production sets HETUMIND_DATABASE_URL (postgresql+asyncpg://...)
and HETUMIND_BLOB_URL (s3://bucket/prefix, with HETUMIND_S3_ENDPOINT_URL for S3-compatible
stores).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["StoreSettings", "async_url", "sqlite_url"]

# n8n's defaults: EXECUTIONS_DATA_MAX_AGE=336 hours, EXECUTIONS_DATA_PRUNE_MAX_COUNT=10000.
DEFAULT_PRUNE_MAX_AGE_HOURS = 336.0
DEFAULT_PRUNE_MAX_COUNT = 10_000


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}: expected a number, got {raw!r}") from None


@dataclass(frozen=True)
class StoreSettings:
    """Resolved store configuration.

    Attributes:
        home: HETUMIND_HOME; holds the SQLite file, the blob directory and the generated
            encryption key unless other settings point elsewhere.
        database_url: SQLAlchemy async URL (sqlite+aiosqlite:///... or
            postgresql+asyncpg://...).
        blob_url: a directory path, file:///dir, or s3://bucket/prefix.
        s3_endpoint_url: endpoint override for S3-compatible stores (None: AWS).
        encryption_key: HETUMIND_ENCRYPTION_KEY, or None to use/generate home/encryption.key.
        prune_max_age_hours: finished executions older than this are pruned (<= 0: never).
        prune_max_count: keep at most this many finished executions (<= 0: no limit).
    """

    home: Path
    database_url: str
    blob_url: str
    s3_endpoint_url: str | None = None
    encryption_key: str | None = None
    prune_max_age_hours: float = DEFAULT_PRUNE_MAX_AGE_HOURS
    prune_max_count: int = DEFAULT_PRUNE_MAX_COUNT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoreSettings:
        """Settings from `env` (default: os.environ), with embedded defaults."""
        env = os.environ if env is None else env
        home = Path(env.get("HETUMIND_HOME") or "~/.hetumind").expanduser()
        return cls(
            home=home,
            database_url=env.get("HETUMIND_DATABASE_URL") or sqlite_url(home / "hetumind.db"),
            blob_url=env.get("HETUMIND_BLOB_URL") or str(home / "blobs"),
            s3_endpoint_url=env.get("HETUMIND_S3_ENDPOINT_URL") or None,
            encryption_key=env.get("HETUMIND_ENCRYPTION_KEY") or None,
            prune_max_age_hours=_number(
                env, "HETUMIND_PRUNE_MAX_AGE_HOURS", DEFAULT_PRUNE_MAX_AGE_HOURS
            ),
            prune_max_count=int(_number(env, "HETUMIND_PRUNE_MAX_COUNT", DEFAULT_PRUNE_MAX_COUNT)),
        )


def sqlite_url(path: Path) -> str:
    """The async SQLAlchemy URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path.expanduser().resolve()}"


_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def async_url(url: str) -> str:
    """`url` with the async driver the store uses when it names none
    (postgresql://... -> postgresql+asyncpg://..., sqlite:///... -> sqlite+aiosqlite:///...)."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in _ASYNC_DRIVERS:
        return f"{_ASYNC_DRIVERS[scheme]}://{rest}"
    return url
