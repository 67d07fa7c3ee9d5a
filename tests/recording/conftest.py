"""The recording adapter is tested against the store's real backends: the store's
fixtures (SQLite and PostgreSQL, local and S3 blobs) serve here too."""

from tests.store.conftest import (  # noqa: F401  (pytest finds fixtures by name here)
    _session_store,
    blobs,
    data,
    pg_database,
    pg_scratch,
    s3_endpoint,
    s3_env,
    store,
)
