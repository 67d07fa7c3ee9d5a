"""Store fixtures: the suite runs on SQLite and on real PostgreSQL, blobs on a local
directory and on moto's S3 server.

PostgreSQL must listen on 127.0.0.1:5432 with trust auth (scripts/ensure-postgres.sh
starts it); each test session creates a uniquely named database and drops it afterwards.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from hetumind.store import (
    ExecutionData,
    LocalBlobStore,
    S3BlobStore,
    Store,
    StoreSettings,
)
from hetumind.store.models import (
    CredentialRecord,
    ExecutionRecord,
    NodeRunRecord,
    TagRecord,
    WebhookRecord,
    WorkflowRecord,
    WorkflowTagLink,
    WorkflowVersionRecord,
)
from hetumind.store.settings import sqlite_url

PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
TEST_KEY = "test-encryption-key"


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (URL), dropped at the end."""
    name = f"hetumind_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable on 127.0.0.1:5432 ({exc}); run scripts/ensure-postgres.sh"
        )
    yield f"{PG_SERVER}/{name}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_scratch() -> Iterator[list[str]]:
    """Creates extra PostgreSQL databases on demand (for migration tests); drops them."""
    names: list[str] = []
    yield names
    for name in names:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def new_pg_database(scratch: list[str]) -> str:
    name = f"hetumind_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    scratch.append(name)
    return f"{PG_SERVER}/{name}"


def settings_for(home: Path, url: str, **overrides: object) -> StoreSettings:
    values: dict[str, object] = {
        "home": home,
        "database_url": url,
        "blob_url": str(home / "blobs"),
        "encryption_key": TEST_KEY,
    }
    values.update(overrides)
    return StoreSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def _session_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    home = tmp_path_factory.mktemp(f"store-{request.param}")
    if request.param == "sqlite":
        url = sqlite_url(home / "hetumind.db")
    else:
        url = request.getfixturevalue("pg_database")
    store = Store.open_sync(url, settings=settings_for(home, url))
    yield store
    store.close_sync()


async def _clear(store: Store) -> None:
    async with store.transaction() as session:
        for model in (
            NodeRunRecord,
            ExecutionRecord,
            WebhookRecord,
            WorkflowTagLink,
            TagRecord,
            WorkflowVersionRecord,
            WorkflowRecord,
            CredentialRecord,
        ):
            await session.execute(delete(model))


@pytest.fixture
def store(_session_store: Store) -> Store:
    """A migrated, empty store on SQLite and on PostgreSQL (one per session, cleared
    before each test)."""
    _session_store.run_sync(_clear(_session_store))
    return _session_store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port: real HTTP, real boto3 requests."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # moto accepts any credentials; boto3 only needs some to sign requests.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def make_s3_blobs(endpoint: str, prefix: str = "hetumind") -> S3BlobStore:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return S3BlobStore(bucket, prefix, client=client)


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> LocalBlobStore | S3BlobStore:
    """A blob store on a local directory and on moto's S3 server."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    request.getfixturevalue("s3_env")
    return make_s3_blobs(request.getfixturevalue("s3_endpoint"))


@pytest.fixture
def data(store: Store, tmp_path: Path) -> ExecutionData:
    return ExecutionData(store, LocalBlobStore(tmp_path / "blobs"))
