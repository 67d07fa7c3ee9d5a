"""The handler with its production settings: the store on real PostgreSQL records the
execution, binary data goes to S3 (moto's server)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import boto3
import pytest

from hetumind.serverless import handler
from tests.serverless.test_handler import v2
from tests.store.conftest import new_pg_database


def test_postgres_records_and_s3_holds_binary(
    bundle: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_scratch: list[str],
    s3_endpoint: str,
    s3_env: None,
) -> None:
    url = new_pg_database(pg_scratch)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="lambda-blobs")
    monkeypatch.setenv("HETUMIND_DATABASE_URL", url)
    monkeypatch.setenv("HETUMIND_BLOB_URL", "s3://lambda-blobs/h")
    monkeypatch.setenv("HETUMIND_S3_ENDPOINT_URL", s3_endpoint)
    from hetumind import binary

    binary.reset_blob_store()
    try:
        answer = handler(v2("GET", "/file"), None)
        assert answer["statusCode"] == 200 and answer["isBase64Encoded"] is True
        assert b"headers" in base64.b64decode(answer["body"])
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="lambda-blobs").get("Contents", [])]
        assert keys, "binary data and execution data went to S3"

        answer = handler(v2("POST", "/greet", {"name": "Pg"}), None)
        assert json.loads(answer["body"])["greeting"] == "hello Pg"
        from hetumind.serverless import _handler

        store = _handler._STATE["store"]
        page = store.run_sync(store.executions.list())
        rows = getattr(page, "items", page)
        assert len(rows) == 2
        assert {r.status for r in rows} == {"success"}
        assert {r.mode for r in rows} == {"webhook"}
    finally:
        binary.reset_blob_store()
