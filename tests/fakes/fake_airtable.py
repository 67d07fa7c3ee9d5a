"""A fake of the Airtable Web API (https://airtable.com/developers/web/api), on loopback.

From the docs: `/v0/{baseId}/{tableIdOrName}[/{recordId}]` with `Authorization: Bearer`
(401 AUTHENTICATION_REQUIRED without a valid token, 403
INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND for a base the token cannot see); records are
`{"id", "createdTime", "fields"}`; list pages hold up to `pageSize` (max 100) records
and an `offset` while more follow, `maxRecords` caps the total; create takes `fields` (one
record) or `records`; PATCH updates up to 10 records, with `performUpsert.fieldsToMergeOn`
for upserts; unknown records are 404 `{"error": "NOT_FOUND"}`; unknown fields 422
UNKNOWN_FIELD_NAME; too many requests 429 RATE_LIMIT_REACHED (the docs say wait 30 s; the
fake sends Retry-After only when a test asks, so tests need not wait). Meta API: bases and
their table schemas. OAuth: `POST /oauth2/v1/token` refreshes with a rotating refresh
token, the client authenticated with HTTP basic.
"""

from __future__ import annotations

import base64
import itertools
import re
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

TOKEN = "patFAKE.token"
BASE = "appFAKEbase01"
TABLE = "tblFAKEtable1"
FIELDS = ("Name", "Email", "Score", "Notes", "Files")


def _err(status: int, kind: str, message: str | None = None) -> Answer:
    body: dict[str, Any] = {"type": kind}
    if message:
        body["message"] = message
    return Answer(status, {"error": body})


class FakeAirtable(FakeService):
    @staticmethod
    def rate_limit_answer(wait: int) -> Answer:  # type: ignore[override]
        return Answer(
            429,
            {
                "errors": [
                    {
                        "error": "RATE_LIMIT_REACHED",
                        "message": "Rate limit exceeded. Please try again later",
                    }
                ]
            },
            {"Retry-After": str(wait)},
        )

    def __init__(self) -> None:
        super().__init__()
        self.tokens = {TOKEN}
        self.records: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.client_id, self.client_secret = "air-client", "air-secret"
        self.refresh_tokens: set[str] = set()
        self.token_calls = 0
        self.files: dict[str, tuple[bytes, str]] = {}

    def reset(self, n: int = 0) -> None:
        with self.lock:
            self.records.clear()
        for i in range(n):
            self.add({"Name": f"n{i:03d}", "Email": f"u{i}@x.io", "Score": i})

    def add(self, fields: dict[str, Any]) -> dict[str, Any]:
        rid = f"rec{next(self._ids):014d}"
        record = {"id": rid, "createdTime": "2024-01-01T00:00:00.000Z", "fields": dict(fields)}
        with self.lock:
            self.records[rid] = record
        return record

    # -- plumbing -------------------------------------------------------------------------

    def attach(self, name: str, content: bytes, mime: str) -> dict[str, Any]:
        """An attachment as Airtable lists it: its download URL (signed, no token needed)."""
        aid = f"att{len(self.files) + 1:014d}"
        self.files[aid] = (content, mime)
        url = f"{self.url}/attachments/{aid}/{name}"
        return {"id": aid, "url": url, "filename": name, "size": len(content), "type": mime}

    def handle(self, req: Request) -> Answer:
        if req.path == "/oauth2/v1/token":
            return self.token(req)
        if req.path.startswith("/attachments/"):
            content, mime = self.files.get(req.path.split("/")[2], (b"", ""))
            if not mime:
                return Answer(404, content=b"Not Found", headers={"Content-Type": "text/plain"})
            return Answer(200, content=content, headers={"Content-Type": mime})
        if req.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _err(401, "AUTHENTICATION_REQUIRED", "Authentication required")
        parts = req.path.removeprefix("/v0/").split("/")
        if parts[:2] == ["meta", "bases"]:
            return self.meta(parts[2:], req)
        if len(parts) < 2 or parts[0] != BASE or parts[1] not in (TABLE, "People"):
            return _err(
                403,
                "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
                "Invalid permissions, or the requested model was not found. Check that both your "
                "user and your token have the required permissions, and that the model names "
                "and/or ids are correct.",
            )
        rid = parts[2] if len(parts) > 2 else None
        if req.method == "GET" and rid:
            record = self.records.get(rid)
            return Answer(200, record) if record else Answer(404, {"error": "NOT_FOUND"})
        if req.method == "GET":
            return self.list(req)
        if req.method == "DELETE" and rid:
            if self.records.pop(rid, None) is None:
                return Answer(404, {"error": "NOT_FOUND"})
            return Answer(200, {"deleted": True, "id": rid})
        if req.method == "DELETE":  # several: ?records[]=id (up to 10)
            ids = [v for k, v in sorted(req.query.items()) if k.startswith("records[")]
            if not ids or len(ids) > 10:
                return _err(
                    422, "INVALID_RECORDS", "You must provide an array of up to 10 record ids"
                )
            if any(i not in self.records for i in ids):
                return Answer(404, {"error": "NOT_FOUND"})
            for i in ids:
                del self.records[i]
            return Answer(200, {"records": [{"id": i, "deleted": True} for i in ids]})
        if req.method == "POST":
            return self.create(req.json or {})
        if req.method == "PATCH":
            return self.update(req.json or {})
        return Answer(404, {"error": "NOT_FOUND"})

    def token(self, req: Request) -> Answer:
        self.token_calls += 1
        basic = req.headers.get("authorization", "").removeprefix("Basic ")
        if base64.b64decode(basic or "").decode() != f"{self.client_id}:{self.client_secret}":
            return Answer(401, {"error": "invalid_client"})
        refresh = req.form.get("refresh_token", "")
        if req.form.get("grant_type") != "refresh_token" or refresh not in self.refresh_tokens:
            return Answer(
                400, {"error": "invalid_grant", "error_description": "refresh token invalid"}
            )
        self.refresh_tokens.discard(refresh)  # single use: rotated
        n = next(self._ids)
        access, new_refresh = f"oaa-{n}", f"oar-{n}"
        self.tokens.add(access)
        self.refresh_tokens.add(new_refresh)
        return Answer(
            200,
            {
                "access_token": access,
                "refresh_token": new_refresh,
                "token_type": "Bearer",
                "expires_in": 3600,
            },
        )

    def meta(self, rest: list[str], req: Request) -> Answer:
        if not rest:
            bases = [
                {
                    "id": f"app{i:011d}",
                    "name": f"Base {i}",
                    "permissionLevel": "create" if i % 2 else "read",
                }
                for i in range(1, 6)
            ]
            start = int(req.query.get("offset") or 0)
            page = bases[start : start + 2]  # the fake pages bases two at a time
            body: dict[str, Any] = {"bases": page}
            if start + 2 < len(bases):
                body["offset"] = str(start + 2)
            return Answer(200, body)
        if rest[0] == BASE and rest[1:] == ["tables"]:
            fields = [
                {"id": f"fld{i}", "name": n, "type": "singleLineText"} for i, n in enumerate(FIELDS)
            ]
            table = {
                "id": TABLE,
                "name": "People",
                "primaryFieldId": "fld0",
                "fields": fields,
                "views": [],
            }
            return Answer(200, {"tables": [table]})
        return _err(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND")

    # -- records --------------------------------------------------------------------------

    def _check_fields(self, fields: dict[str, Any]) -> Answer | None:
        unknown = [k for k in fields if k not in FIELDS]
        if unknown:
            return _err(422, "UNKNOWN_FIELD_NAME", f'Unknown field name: "{unknown[0]}"')
        return None

    @staticmethod
    def _formula(formula: str) -> list[tuple[str, str]]:
        """The subset of Airtable formulas the fake reads: `{F} = 'v'` joined in AND(...)."""
        return re.findall(r"\{([^}]+)\}\s*=\s*'([^']*)'", formula)

    def _matching(self, formula: str) -> list[dict[str, Any]]:
        terms = self._formula(formula)
        return [
            r
            for r in self.records.values()
            if all(str(r["fields"].get(f, "")) == v for f, v in terms)
        ]

    def list(self, req: Request) -> Answer:
        q = req.query
        records = (
            self._matching(q.get("filterByFormula", ""))
            if q.get("filterByFormula")
            else list(self.records.values())
        )
        sort_field = q.get("sort[0][field]")
        if sort_field:
            records.sort(
                key=lambda r: r["fields"].get(sort_field, ""),
                reverse=q.get("sort[0][direction]") == "desc",
            )
        if q.get("maxRecords"):
            records = records[: int(q["maxRecords"])]
        size = min(100, int(q.get("pageSize") or 100))
        start = 0
        if q.get("offset"):
            match = re.fullmatch(r"itr(\d+)", q["offset"])
            if not match:
                return _err(422, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE")
            start = int(match.group(1))
        wanted = [v for k, v in sorted(q.items()) if k.startswith("fields[")]
        page = [
            {**r, "fields": {k: v for k, v in r["fields"].items() if not wanted or k in wanted}}
            for r in records[start : start + size]
        ]
        body: dict[str, Any] = {"records": page}
        if start + size < len(records):
            body["offset"] = f"itr{start + size}"
        return Answer(200, body)

    def create(self, body: dict[str, Any]) -> Answer:
        if "records" in body:
            made = []
            for r in body["records"]:
                bad = self._check_fields(r.get("fields") or {})
                if bad:
                    return bad
                made.append(self.add(r.get("fields") or {}))
            return Answer(200, {"records": made})
        bad = self._check_fields(body.get("fields") or {})
        return bad or Answer(200, self.add(body.get("fields") or {}))

    def update(self, body: dict[str, Any]) -> Answer:
        records = body.get("records") or []
        if not records or len(records) > 10:
            return _err(
                422, "INVALID_RECORDS", "You must provide an array of up to 10 record objects"
            )
        merge = (body.get("performUpsert") or {}).get("fieldsToMergeOn")
        out = []
        for r in records:
            fields = r.get("fields") or {}
            bad = self._check_fields(fields)
            if bad:
                return bad
            if merge and not r.get("id"):  # records with an id are updated by id
                formula = ",".join(f"{{{k}}} = '{fields.get(k)}'" for k in merge)
                found = self._matching(formula)
                if len(found) > 1:
                    return _err(
                        422,
                        "INVALID_REQUEST_UNKNOWN",
                        "Cannot update more than one record with the same fieldsToMergeOn",
                    )
                target = found[0] if found else self.add({})
            else:
                target = self.records.get(str(r.get("id")))
                if target is None:
                    return _err(
                        422,
                        "ROW_DOES_NOT_EXIST",
                        f"Record ID {r.get('id')} does not exist in this table",
                    )
            target["fields"].update(fields)
            out.append(target)
        return Answer(200, {"records": out})
