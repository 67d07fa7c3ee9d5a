"""Persistence: workflows, executions, webhooks, tags and credentials in a database
(SQLite by default, PostgreSQL via asyncpg), execution data as Arrow IPC in a blob store
(a local directory by default, S3 via boto3).

Settings (environment): HETUMIND_HOME (default ~/.hetumind), HETUMIND_DATABASE_URL
(postgresql+asyncpg://...), HETUMIND_BLOB_URL (s3://bucket/prefix), HETUMIND_S3_ENDPOINT_URL,
HETUMIND_ENCRYPTION_KEY, HETUMIND_PRUNE_MAX_AGE_HOURS, HETUMIND_PRUNE_MAX_COUNT.

Example (a server, inside its event loop):
    >>> store = await Store.open()                  # runs migrations first
    >>> data = ExecutionData(store, open_blob_store())
    >>> wf = await store.workflows.create(doc, tags=["prod"])
    >>> await data.to_json(execution_id)            # the `hetumind run --json` shape

Recording an execution as it runs and reading it back as a checkpoint join the engine to
the store and live above both, in hetumind.recording (ExecutionRecorder, SaveSettings,
ResumableData): nothing here imports the engine, the nodes or the workflow model.

Errors: NotFound (hetumind.errors) for unknown ids -> 404; Conflict for duplicates or
stale versions -> 409; CredentialInvalid and InvalidData for bad input -> 400/422.
"""

from hetumind.errors import NotFound
from hetumind.store.blobs import BlobStore, LocalBlobStore, S3BlobStore, open_blob_store
from hetumind.store.credential_types import (
    CREDENTIAL_TYPES,
    REDACTED,
    redact,
    secret_values,
    validate_credential,
)
from hetumind.store.credentials import CredentialRepository, CredentialView, DecryptedCredential
from hetumind.store.db import Store
from hetumind.store.errors import Conflict, CredentialInvalid, DecryptionFailed, InvalidData
from hetumind.store.execution_data import ExecutionData, decode_batch, encode_batch
from hetumind.store.executions import ExecutionRepository
from hetumind.store.migrate import current, head, upgrade, upgrade_async
from hetumind.store.models import (
    EXECUTION_MODES,
    EXECUTION_STATUSES,
    FINISHED_STATUSES,
    CredentialRecord,
    ExecutionRecord,
    NodeRunRecord,
    TagRecord,
    WebhookRecord,
    WorkflowRecord,
    WorkflowVersionRecord,
)
from hetumind.store.resolver import credential_resolver
from hetumind.store.scrubbing import scrub, scrub_batch
from hetumind.store.settings import StoreSettings
from hetumind.store.tags import TagRepository
from hetumind.store.webhooks import WebhookRepository, WebhookRoute, normalize_path
from hetumind.store.workflows import WorkflowRepository

__all__ = [
    "CREDENTIAL_TYPES",
    "EXECUTION_MODES",
    "EXECUTION_STATUSES",
    "FINISHED_STATUSES",
    "REDACTED",
    "BlobStore",
    "Conflict",
    "CredentialInvalid",
    "CredentialRecord",
    "CredentialRepository",
    "CredentialView",
    "DecryptedCredential",
    "DecryptionFailed",
    "ExecutionData",
    "ExecutionRecord",
    "ExecutionRepository",
    "InvalidData",
    "LocalBlobStore",
    "NodeRunRecord",
    "NotFound",
    "S3BlobStore",
    "Store",
    "StoreSettings",
    "TagRecord",
    "TagRepository",
    "WebhookRecord",
    "WebhookRepository",
    "WebhookRoute",
    "WorkflowRecord",
    "WorkflowRepository",
    "WorkflowVersionRecord",
    "credential_resolver",
    "current",
    "decode_batch",
    "encode_batch",
    "head",
    "normalize_path",
    "open_blob_store",
    "redact",
    "scrub",
    "scrub_batch",
    "secret_values",
    "upgrade",
    "upgrade_async",
    "validate_credential",
]
