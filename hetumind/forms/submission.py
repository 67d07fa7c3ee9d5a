"""A form submission: the request body read into values and files, and the item n8n makes
of it (fields keyed by label, `submittedAt`, `formMode`, files as binary data)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from hetumind.forms.fields import FormField, FormSubmissionError, Upload

__all__ = ["Submission", "read_submission", "submission_item"]

Submission = tuple[dict[str, list[str]], dict[str, list[Upload]]]
"""Form values by input name, and uploaded files by input name."""

PutBinary = Callable[[bytes, str, str], dict[str, Any]]
"""Stores a file's bytes (data, mime type, file name) and returns its binary entry."""


def read_submission(raw: bytes, content_type: str) -> Submission:
    """Values and files of a urlencoded or multipart/form-data body (a JSON object is
    taken too, for clients that post one: its values as strings)."""
    kind = content_type.split(";")[0].strip().lower()
    values: dict[str, list[str]] = {}
    files: dict[str, list[Upload]] = {}
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + raw
        )
        if not message.is_multipart():
            raise FormSubmissionError({"body": "is not a valid multipart/form-data body"})
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            name = re.sub(r"\[\]$", "", name)
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename is not None:
                upload = Upload(filename, part.get_content_type(), bytes(payload))
                files.setdefault(name, []).append(upload)
            else:
                charset = part.get_content_charset() or "utf-8"
                values.setdefault(name, []).append(bytes(payload).decode(charset, "replace"))
    elif kind == "application/json":
        import json

        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise FormSubmissionError({"body": "is not valid JSON"}) from None
        if not isinstance(body, dict):
            raise FormSubmissionError({"body": "must be a JSON object"})
        for key, value in body.items():
            items = value if isinstance(value, list) else [value]
            values[key] = ["" if v is None else str(v) for v in items]
    else:
        for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
            values.setdefault(re.sub(r"\[\]$", "", key), []).append(value)
    return values, files


def submission_item(
    fields: Sequence[FormField],
    submission: Submission,
    *,
    mode: str,
    submitted_at: datetime,
    put_binary: PutBinary,
    max_file_bytes: int,
    query: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The n8n item `{"json": ..., "binary": ...}` for a valid submission; raises
    FormSubmissionError naming every field that does not fit."""
    values, uploads = submission
    problems: dict[str, str] = {}
    checked: list[tuple[FormField, Any]] = []
    for f in fields:
        try:
            raw = values.get(f.input_name, [])
            if f.type == "hiddenField" and not raw:
                raw = [str((query or {}).get(f.label, f.value))]
            checked.append((f, f.check(raw, uploads.get(f.input_name, []), max_file_bytes)))
        except ValueError as exc:
            problems[f.label] = str(exc)
    if problems:
        raise FormSubmissionError(problems)
    json: dict[str, Any] = {}
    binary: dict[str, Any] = {}
    for f, value in checked:
        if f.type == "html":
            if f.element_name:
                json[f.element_name] = value
            continue
        if f.type == "file" and value is not None:
            files = [u for u in uploads.get(f.input_name, []) if u.filename or u.data]
            base = re.sub(r"\W", "_", f.label)
            for i, upload in enumerate(files):
                key = f"{base}_{i}" if f.multiple_files else base
                binary[key] = put_binary(upload.data, upload.content_type, upload.filename)
        json[f.label] = value
    json["submittedAt"] = _luxon_iso(submitted_at)
    json["formMode"] = mode
    if query:
        json["formQueryParameters"] = dict(query)
    item: dict[str, Any] = {"json": json}
    if binary:
        item["binary"] = binary
    return item


def _luxon_iso(moment: datetime) -> str:
    """Luxon's toISO(): milliseconds and a numeric offset, as n8n writes submittedAt."""
    text = moment.isoformat(timespec="milliseconds")
    return text if moment.tzinfo else text + "Z"
