"""hetumind.store's public surface is pinned; the API layer codes against it."""

from __future__ import annotations

import hetumind.store


def test_store_public_names() -> None:
    assert sorted(hetumind.store.__all__) == sorted(
        [
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
    )
    for name in hetumind.store.__all__:
        assert getattr(hetumind.store, name) is not None


def test_statuses_and_modes_are_the_documented_ones() -> None:
    assert hetumind.store.EXECUTION_STATUSES == (
        "new",
        "running",
        "waiting",
        "success",
        "error",
        "canceled",
        "crashed",
    )
    assert hetumind.store.EXECUTION_MODES == (
        "manual",
        "webhook",
        "schedule",
        "trigger",
        "cli",
        "retry",
        "integrated",
        "error",
    )


def test_settings_from_env(tmp_path: object) -> None:
    s = hetumind.store.StoreSettings.from_env(
        {"HETUMIND_HOME": "/srv/h", "HETUMIND_PRUNE_MAX_COUNT": "5"}
    )
    assert s.database_url == "sqlite+aiosqlite:////srv/h/hetumind.db"
    assert s.blob_url == "/srv/h/blobs" and s.prune_max_count == 5
    assert s.prune_max_age_hours == 336
    import pytest

    with pytest.raises(ValueError, match="HETUMIND_PRUNE_MAX_AGE_HOURS"):
        hetumind.store.StoreSettings.from_env({"HETUMIND_PRUNE_MAX_AGE_HOURS": "soon"})


def test_plain_urls_get_the_async_driver() -> None:
    from hetumind.store.settings import async_url

    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert async_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_recording_public_names() -> None:
    # The recorder and checkpoint reading moved out of the store into the adapter layer
    # (issue 12): hetumind.store no longer exports ExecutionRecorder or SaveSettings.
    import hetumind.recording

    assert sorted(hetumind.recording.__all__) == [
        "ExecutionRecorder",
        "RECORDED_STATUSES",
        "ResumableData",
        "RunItems",
        "SaveSettings",
        "load_checkpoint",
    ]
    assert not hasattr(hetumind.store, "ExecutionRecorder")
    assert issubclass(hetumind.recording.ResumableData, hetumind.store.ExecutionData)
