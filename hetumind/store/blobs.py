"""Blob stores: where execution data (Arrow IPC) and binary item data live.

`HETUMIND_BLOB_URL` picks one: a directory path or file:// URL (the default, under
HETUMIND_HOME), or s3://bucket/prefix through boto3 (HETUMIND_S3_ENDPOINT_URL points it
at an S3-compatible store). Keys are '/'-separated relative paths.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from hetumind.errors import NotFound
from hetumind.store.errors import InvalidData
from hetumind.store.settings import StoreSettings

__all__ = ["BlobStore", "LocalBlobStore", "S3BlobStore", "open_blob_store"]


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise InvalidData(f"blob key {key!r} must be a relative path without '.' or '..'")
    return key


class BlobStore(Protocol):
    """Bytes by key. Synchronous (boto3 is); async callers use asyncio.to_thread."""

    url: str

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes:
        """The bytes at `key`; NotFound when absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> list[str]:
        """Keys under `prefix` (a folder: 'a/b' lists 'a/b/...'), sorted."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under `prefix`; returns how many were deleted."""
        ...


class LocalBlobStore:
    """A directory; writes go through a temporary file and a rename, so readers never
    see half a blob."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_check_key(key).split("/"))

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("blob", key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete_prefix(self, prefix: str) -> int:
        base = self._path(prefix)
        if base.is_file():
            base.unlink()
            return 1
        if not base.is_dir():
            return 0
        count = sum(1 for p in base.rglob("*") if p.is_file())
        shutil.rmtree(base, ignore_errors=True)
        return count


class S3BlobStore:
    """An S3 bucket (or S3-compatible store) under a key prefix."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        client: Any = None,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3", endpoint_url=endpoint_url)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def _key(self, key: str) -> str:
        key = _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise NotFound("blob", key) from None
        body: bytes = response["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def _keys(self, prefix: str) -> list[str]:
        full = self._key(prefix) + "/" if prefix else (self.prefix + "/" if self.prefix else "")
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=full
        ):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def list(self, prefix: str = "") -> list[str]:
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(k[strip:] for k in self._keys(prefix))

    def delete_prefix(self, prefix: str) -> int:
        keys = self._keys(prefix)
        if self.exists(prefix):
            keys.append(self._key(prefix))
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            chunk = keys[start : start + 1000]
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
            )
        return len(keys)


def open_blob_store(
    url: str | None = None,
    *,
    endpoint_url: str | None = None,
    settings: StoreSettings | None = None,
) -> BlobStore:
    """The blob store at `url` (default: settings.blob_url, i.e. HETUMIND_BLOB_URL or
    HETUMIND_HOME/blobs)."""
    settings = settings or StoreSettings.from_env()
    url = url or settings.blob_url
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise InvalidData(f"HETUMIND_BLOB_URL {url!r} has no bucket (s3://bucket/prefix)")
        return S3BlobStore(
            parsed.netloc,
            parsed.path,
            endpoint_url=endpoint_url or settings.s3_endpoint_url,
        )
    if parsed.scheme == "file":
        return LocalBlobStore(parsed.path)
    if parsed.scheme in ("",) or len(parsed.scheme) == 1:  # a path (or a Windows drive)
        return LocalBlobStore(url)
    raise InvalidData(f"HETUMIND_BLOB_URL {url!r}: use a directory, file://... or s3://...")
