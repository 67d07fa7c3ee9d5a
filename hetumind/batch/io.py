"""Where batch rows come from and go to: Parquet, CSV and JSON Lines, local or on S3.

Paths are files, directories or globs; ``s3://bucket/key`` goes through pyarrow's S3
filesystem, with the endpoint from ``--s3-endpoint`` or ``AWS_ENDPOINT_URL`` (what boto3
reads too, so MinIO, moto and other S3-compatible stores work the same way).

Blocks have deterministic boundaries (``block_rows`` rows, never crossing a file) so that
``--resume`` can recognise the ones an earlier run already wrote.
"""

from __future__ import annotations

import fnmatch
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.fs as pafs
import pyarrow.json as pjson
import pyarrow.parquet as pq

from hetumind.errors import HetumindError
from hetumind.items import ItemBatch

__all__ = [
    "FORMATS",
    "BatchIOError",
    "Location",
    "Source",
    "SourceBlock",
    "format_of",
    "locate",
    "read_table",
    "write_table",
]

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl"}
FORMATS |= {".ndjson": "jsonl", ".json": "jsonl"}


class BatchIOError(HetumindError):
    """A source or destination cannot be read or written; the message names it."""


@dataclass(frozen=True)
class Location:
    """A path on a filesystem (local or S3), picklable for Ray workers."""

    fs: pafs.FileSystem
    path: str
    uri: str

    def child(self, name: str) -> Location:
        return Location(
            self.fs, f"{self.path.rstrip('/')}/{name}", f"{self.uri.rstrip('/')}/{name}"
        )

    def exists(self) -> bool:
        return self.fs.get_file_info(self.path).type != pafs.FileType.NotFound

    def is_dir(self) -> bool:
        return self.fs.get_file_info(self.path).type == pafs.FileType.Directory


def locate(uri: str, s3_endpoint: str | None = None) -> Location:
    """The filesystem and path for `uri` (a local path or s3://bucket/key)."""
    if uri.startswith("s3://"):
        endpoint = (
            s3_endpoint
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
        )
        kwargs: dict[str, Any] = {}
        if endpoint:
            scheme, _, host = endpoint.partition("://")
            kwargs = {"endpoint_override": host or scheme, "scheme": scheme if host else "https"}
        kwargs |= _credentials()
        return Location(pafs.S3FileSystem(**kwargs), uri[len("s3://") :].rstrip("/"), uri)
    if "://" in uri:
        raise BatchIOError(f"{uri}: only local paths and s3:// URLs are supported")
    path = os.path.abspath(os.path.expanduser(uri))
    return Location(pafs.LocalFileSystem(), path, path)


def _credentials() -> dict[str, Any]:
    """boto3's credential chain, resolved here so that Ray workers get the same keys."""
    import boto3

    session = boto3.Session()
    out: dict[str, Any] = {"region": session.region_name or "us-east-1"}
    creds = session.get_credentials()
    if creds is not None:
        frozen = creds.get_frozen_credentials()
        out |= {"access_key": frozen.access_key, "secret_key": frozen.secret_key}
        if frozen.token:
            out["session_token"] = frozen.token
    return out


def format_of(path: str, explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    return FORMATS.get(os.path.splitext(path)[1].lower())


@dataclass(frozen=True)
class SourceBlock:
    """Rows [start, start + length) of one Parquet file (read by the worker itself)."""

    index: int
    location: Location
    start: int
    length: int


class Source:
    """The files a SRC names, in sorted order, and their blocks."""

    def __init__(
        self, uri: str, *, fmt: str | None, block_rows: int, s3_endpoint: str | None
    ) -> None:
        self.uri = uri
        self.block_rows = block_rows
        self.files = _expand(locate(uri, s3_endpoint))
        formats = {format_of(f.path, fmt) for f in self.files}
        if None in formats:
            bad = next(f.uri for f in self.files if format_of(f.path, fmt) is None)
            raise BatchIOError(
                f"--input: {bad}: unknown format; name files .parquet, .csv or .jsonl "
                "or pass --input-format"
            )
        if len(formats) != 1:
            raise BatchIOError(f"--input: {uri} mixes formats {sorted(map(str, formats))}")
        self.format = str(formats.pop())

    def total_rows(self) -> int | None:
        """Known up front for Parquet (from the footers), else None."""
        if self.format != "parquet":
            return None
        return sum(self._parquet_rows(f) for f in self.files)

    def _parquet_rows(self, f: Location) -> int:
        try:
            with f.fs.open_input_file(f.path) as fh:
                return int(pq.ParquetFile(fh).metadata.num_rows)
        except (OSError, pa.ArrowInvalid) as exc:
            raise BatchIOError(f"--input: {f.uri}: not a readable Parquet file: {exc}") from None

    def parquet_blocks(self) -> Iterator[SourceBlock]:
        index = 0
        for f in self.files:
            rows = self._parquet_rows(f)
            for start in range(0, rows, self.block_rows):
                yield SourceBlock(index, f, start, min(self.block_rows, rows - start))
                index += 1

    def streamed_blocks(self) -> Iterator[tuple[int, pa.Table]]:
        """CSV / JSON Lines: read here, cut into exact blocks (boundaries never cross files)."""
        index = 0
        for f in self.files:
            pending: list[pa.RecordBatch] = []
            held = 0
            for batch in _stream(f, self.format):
                pending.append(batch)
                held += batch.num_rows
                while held >= self.block_rows:
                    table = pa.Table.from_batches(pending)
                    yield index, table.slice(0, self.block_rows).combine_chunks()
                    index += 1
                    rest = table.slice(self.block_rows)
                    pending, held = rest.to_batches(), rest.num_rows
            if held:
                yield index, pa.Table.from_batches(pending).combine_chunks()
                index += 1


def _expand(loc: Location) -> list[Location]:
    pattern = loc.path
    if any(ch in pattern for ch in "*?["):
        base = pattern[: min(pattern.find(ch) for ch in "*?[" if ch in pattern)].rsplit("/", 1)[0]
        infos = _list(loc, base)
        files = [i.path for i in infos if fnmatch.fnmatch(i.path, pattern)]
    else:
        info = loc.fs.get_file_info(pattern)
        if info.type == pafs.FileType.NotFound:
            raise BatchIOError(f"--input: {loc.uri} does not exist")
        if info.type == pafs.FileType.File:
            files = [pattern]
        else:
            files = [
                i.path
                for i in _list(loc, pattern)
                if format_of(i.path) and not os.path.basename(i.path).startswith(("_", "."))
            ]
    if not files:
        raise BatchIOError(f"--input: {loc.uri} matches no files")
    prefix = loc.uri[: len(loc.uri) - len(loc.path)] if loc.uri.endswith(loc.path) else "s3://"
    return [
        Location(loc.fs, p, prefix + p if loc.uri.startswith("s3://") else p) for p in sorted(files)
    ]


def _list(loc: Location, base: str) -> list[pafs.FileInfo]:
    try:
        infos = loc.fs.get_file_info(pafs.FileSelector(base, recursive=True))
    except (OSError, FileNotFoundError) as exc:
        raise BatchIOError(f"--input: cannot list {base}: {exc}") from None
    return [i for i in infos if i.type == pafs.FileType.File]


def _stream(f: Location, fmt: str) -> Iterator[pa.RecordBatch]:
    try:
        raw = f.fs.open_input_stream(f.path)
        # Types are inferred from the first 16 MiB; later rows must fit them.
        if fmt == "csv":
            reader: Any = pcsv.open_csv(raw, read_options=pcsv.ReadOptions(block_size=16 << 20))
        else:
            reader = pjson.open_json(raw, read_options=pjson.ReadOptions(block_size=16 << 20))
        with raw:
            yield from reader
    except (pa.ArrowInvalid, OSError) as exc:
        raise BatchIOError(f"--input: {f.uri}: cannot read as {fmt}: {exc}") from None


def read_table(block: SourceBlock, columns: frozenset[str] | None = None) -> pa.Table:
    """One Parquet block, reading only the row groups that overlap it (and only `columns`
    of it, in file order, when given)."""
    with block.location.fs.open_input_file(block.location.path) as fh:
        pf = pq.ParquetFile(fh)
        meta = pf.metadata
        wanted = None
        if columns is not None:
            wanted = [n for n in pf.schema_arrow.names if n in columns]
        groups, first, offset = [], None, 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if offset + n > block.start and offset < block.start + block.length:
                groups.append(g)
                first = offset if first is None else first
            offset += n
        table = pf.read_row_groups(groups, columns=wanted)
    return table.slice(block.start - (first or 0), block.length)


def write_table(items: ItemBatch, loc: Location, fmt: str) -> None:
    """Write `items` to `loc` atomically where the filesystem allows (local: rename)."""
    tmp = loc.path + ".tmp" if isinstance(loc.fs, pafs.LocalFileSystem) else loc.path
    parent = loc.path.rsplit("/", 1)[0]
    loc.fs.create_dir(parent, recursive=True)
    with loc.fs.open_output_stream(tmp) as out:
        if fmt == "parquet":
            pq.write_table(items.table, out)
        elif fmt == "csv":
            try:
                pcsv.write_csv(items.table, out)
            except pa.ArrowNotImplementedError as exc:
                raise BatchIOError(
                    f"{loc.uri}: these items have nested values CSV cannot hold ({exc}); "
                    "write Parquet or JSON Lines instead"
                ) from None
        else:
            buf = io.StringIO()
            for row in items.to_json():
                buf.write(json.dumps(row, ensure_ascii=False, default=str))
                buf.write("\n")
            out.write(buf.getvalue().encode("utf-8"))
    if tmp != loc.path:
        loc.fs.move(tmp, loc.path)


def read_part(loc: Location, fmt: str) -> pa.Table:
    """A part file this package wrote (schema metadata kept, so json columns survive)."""
    with loc.fs.open_input_file(loc.path) as fh:
        if fmt == "parquet":
            return pq.read_table(fh)
        if fmt == "csv":
            return pcsv.read_csv(fh)
        return pjson.read_json(fh)
