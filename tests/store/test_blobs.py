"""Blob stores (local directory and S3 via moto's server) and the Arrow IPC codec."""

from __future__ import annotations

from pathlib import Path

import pytest

from hetumind.errors import NotFound
from hetumind.items import ItemBatch
from hetumind.store import (
    BlobStore,
    InvalidData,
    LocalBlobStore,
    S3BlobStore,
    StoreSettings,
    decode_batch,
    encode_batch,
    open_blob_store,
)
from tests.store.conftest import make_s3_blobs


def test_put_get_list_delete(blobs: BlobStore) -> None:
    blobs.put("executions/e1/a/0/0.arrow", b"one")
    blobs.put("executions/e1/a/0/1.arrow", b"two")
    blobs.put("executions/e10/a/0/0.arrow", b"other")
    assert blobs.get("executions/e1/a/0/1.arrow") == b"two"
    assert blobs.exists("executions/e1/a/0/0.arrow")
    assert not blobs.exists("executions/e1/a/0/9.arrow")
    # A prefix is a folder: e1 does not match e10.
    assert blobs.list("executions/e1") == [
        "executions/e1/a/0/0.arrow",
        "executions/e1/a/0/1.arrow",
    ]
    blobs.put("executions/e1/a/0/1.arrow", b"replaced")
    assert blobs.get("executions/e1/a/0/1.arrow") == b"replaced"
    assert blobs.delete_prefix("executions/e1") == 2
    assert blobs.list("executions/e1") == []
    assert blobs.list() == ["executions/e10/a/0/0.arrow"]
    with pytest.raises(NotFound, match=r"blob 'executions/e1/a/0/0\.arrow'"):
        blobs.get("executions/e1/a/0/0.arrow")
    assert blobs.delete_prefix("nothing/here") == 0


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a"])
def test_bad_keys(blobs: BlobStore, key: str) -> None:
    with pytest.raises(InvalidData, match="blob key"):
        blobs.put(key, b"x")


def test_open_blob_store_from_urls(tmp_path: Path, s3_endpoint: str, s3_env: None) -> None:
    local = open_blob_store(str(tmp_path / "b"))
    assert isinstance(local, LocalBlobStore) and (tmp_path / "b").is_dir()
    assert isinstance(open_blob_store((tmp_path / "c").as_uri()), LocalBlobStore)
    default = open_blob_store(settings=StoreSettings.from_env({"HETUMIND_HOME": str(tmp_path)}))
    assert isinstance(default, LocalBlobStore) and default.root == tmp_path / "blobs"
    bucket = make_s3_blobs(s3_endpoint).bucket
    env = {
        "HETUMIND_HOME": str(tmp_path),
        "HETUMIND_BLOB_URL": f"s3://{bucket}/data/run",
        "HETUMIND_S3_ENDPOINT_URL": s3_endpoint,
    }
    s3 = open_blob_store(settings=StoreSettings.from_env(env))
    assert isinstance(s3, S3BlobStore) and s3.prefix == "data/run"
    s3.put("k", b"v")
    assert s3.client.get_object(Bucket=bucket, Key="data/run/k")["Body"].read() == b"v"
    with pytest.raises(InvalidData, match="no bucket"):
        open_blob_store("s3:///x")
    with pytest.raises(InvalidData, match="HETUMIND_BLOB_URL"):
        open_blob_store("ftp://host/x")


def test_arrow_round_trip_keeps_items_exactly() -> None:
    rows = [
        {"id": 1, "name": "Ada", "tags": ["a"], "nested": {"x": 1.5}},
        {"id": 2, "extra": True},  # ragged: json-encoded fallback columns
    ]
    batch = ItemBatch.from_items(
        [
            {"json": rows[0], "binary": {"data": {"id": "blob-1", "mimeType": "text/plain"}}},
            {"json": rows[1]},
        ]
    )
    back = decode_batch(encode_batch(batch))
    assert back.to_json() == rows
    assert back.to_items() == batch.to_items()
    assert back.columns == batch.columns


def test_arrow_round_trip_of_items_without_columns() -> None:
    batch = ItemBatch.from_json([{}, {}, {}])
    back = decode_batch(encode_batch(batch))
    assert len(back) == 3 and back.to_json() == [{}, {}, {}]
    assert len(decode_batch(encode_batch(ItemBatch.empty()))) == 0
