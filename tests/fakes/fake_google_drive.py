"""A fake of the Google Drive API v3 (and the one Docs API call n8n makes) on loopback,
written from Google's reference (developers.google.com/drive/api/reference/rest/v3):

- files: list (a subset of the `q` language: name / fullText `contains`, `=`, `!=`,
  mimeType, trashed, starred, createdTime / modifiedTime comparisons, `'id' in parents`,
  `not`, `and`, `or`, parentheses; corpora / driveId / includeItemsFromAllDrives rules;
  orderBy; pageSize up to 1000 and opaque pageTokens), get (`fields` partial answers,
  `alt=media`; Docs editors files refuse it with fileNotDownloadable), export (the
  formats Google offers per type), create, update (addParents / removeParents; `parents`
  is not writable; a second parent is refused with cannotAddParent, as single-parent
  Drive does), delete (204), copy, permissions.create.
- uploads at /upload/drive/v3/files: uploadType=media, multipart (multipart/related:
  metadata JSON then the media) and resumable (a session URL in Location, the bytes in
  one PUT), for new files (POST) and new content of existing ones (PATCH).
- shared drives: drives.create (requestId required), get, list, update, delete.
- Docs: POST /v1/documents/<id>:batchUpdate with insertText.

'root' is an alias of the user's root folder, whose real id is ROOT. Bearer tokens are
those the fake token endpoint issued (401 authError otherwise); ids in `forbidden`
answer 403 insufficientFilePermissions; unknown ids 404 notFound; 429 is
rateLimitExceeded with Retry-After. Errors are Drive's `{"error": {"code", "message",
"errors": [{"domain", "reason", "message", "location", "locationType"}]}}`.
"""

from __future__ import annotations

import base64
import itertools
import json
import operator
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes._base import Answer, FakeService, Request
from tests.fakes.fake_google_token import FakeGoogleToken

ROOT = "0AFakeRootFolderUk9PVA"
OWNER = "me@drive.example"
FOLDER = "application/vnd.google-apps.folder"
GOOGLE_APPS = "application/vnd.google-apps."
EXPORTS: dict[str, set[str]] = {
    "document": {
        "text/html",
        "text/plain",
        "application/rtf",
        "application/pdf",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/epub+zip",
        "text/markdown",
    },
    "spreadsheet": {
        "text/csv",
        "text/tab-separated-values",
        "application/pdf",
        "application/x-vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    },
    "presentation": {
        "text/plain",
        "application/pdf",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "image/jpeg",
        "image/png",
        "image/svg+xml",
    },
    "drawing": {"image/jpeg", "image/png", "image/svg+xml", "application/pdf"},
}
ROLES = {"owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"}
TYPES = {"user", "group", "domain", "anyone"}
WRITABLE = {
    "name",
    "mimeType",
    "trashed",
    "description",
    "properties",
    "appProperties",
    "originalFilename",
    "folderColorRgb",
    "starred",
    "copyRequiresWriterPermission",
    "contentHints",
}


def drive_error(
    code: int,
    message: str,
    reason: str,
    location: str | None = None,
    location_type: str = "parameter",
    domain: str = "global",
) -> Answer:
    detail: dict[str, Any] = {"message": message, "domain": domain, "reason": reason}
    if location:
        detail.update(location=location, locationType=location_type)
    return Answer(code, {"error": {"code": code, "message": message, "errors": [detail]}})


def rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _truthy(value: str | None) -> bool:
    return str(value).lower() == "true"


# -- fields=... partial responses ---------------------------------------------------------


def parse_fields(text: str) -> dict[str, Any]:
    """'nextPageToken, files(id, name)' -> {'nextPageToken': {}, 'files': {'id': {}, ...}};
    {} below a key means the whole value; '*' at a level means everything."""
    pos = 0

    def level() -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(text):
            m = re.match(r"\s*([\w*]+)\s*", text[pos:])
            if not m:
                raise ValueError(text)
            key = m.group(1)
            pos += m.end()
            sub: dict[str, Any] = {}
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = level()
                if pos >= len(text) or text[pos] != ")":
                    raise ValueError(text)
                pos += 1
            out[key] = sub
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            break
        return out

    tree = level()
    if pos != len(text.rstrip()):
        raise ValueError(text)
    return tree


def select(value: Any, tree: dict[str, Any]) -> Any:
    if not tree or "*" in tree:
        return value
    if isinstance(value, list):
        return [select(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, sub in tree.items():
        if key in value:
            out[key] = select(value[key], sub)
    return out


# -- the q language -----------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<op>!=|<=|>=|=|<|>)|(?P<paren>[()])|(?P<word>[\w.]+))"
)


class QueryError(ValueError):
    pass


def _tokens(q: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(q):
        if not q[pos:].strip():
            break
        m = _TOKEN.match(q, pos)
        if not m:
            raise QueryError(q)
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
    return out


class Query:
    """A parsed q: call with a file to test it."""

    FIELDS = {
        "name",
        "mimeType",
        "trashed",
        "starred",
        "sharedWithMe",
        "createdTime",
        "modifiedTime",
        "fullText",
    }

    def __init__(self, q: str, root: str) -> None:
        self.toks = _tokens(q)
        self.pos = 0
        self.root = root
        self.test = self._or() if self.toks else (lambda f: True)
        if self.pos != len(self.toks):
            raise QueryError(q)

    def _peek(self) -> tuple[str, str] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def _take(self) -> tuple[str, str]:
        tok = self._peek()
        if tok is None:
            raise QueryError("unexpected end")
        self.pos += 1
        return tok

    def _word(self, word: str) -> bool:
        tok = self._peek()
        if tok and tok[0] == "word" and tok[1].lower() == word:
            self.pos += 1
            return True
        return False

    def _or(self) -> Any:
        left = self._and()
        while self._word("or"):
            right, prev = self._and(), left
            left = lambda f, a=prev, b=right: a(f) or b(f)  # noqa: E731
        return left

    def _and(self) -> Any:
        left = self._not()
        while self._word("and"):
            right, prev = self._not(), left
            left = lambda f, a=prev, b=right: a(f) and b(f)  # noqa: E731
        return left

    def _not(self) -> Any:
        if self._word("not"):
            inner = self._not()
            return lambda f: not inner(f)
        tok = self._peek()
        if tok == ("paren", "("):
            self.pos += 1
            inner = self._or()
            if self._take() != ("paren", ")"):
                raise QueryError("missing )")
            return inner
        return self._comparison()

    def _comparison(self) -> Any:
        kind, value = self._take()
        if kind == "str":
            if not self._word("in"):
                raise QueryError("expected in")
            target = self._take()
            if target in (("word", "owners"), ("word", "writers"), ("word", "readers")):
                # every file of the fake belongs to the caller, 'me'
                return lambda f: value in ("me", OWNER)
            if target != ("word", "parents"):
                raise QueryError("in parents / owners / writers / readers")
            folder = self.root if value == "root" else value
            return lambda f: folder in f["parents"]
        if kind != "word" or value not in self.FIELDS:
            raise QueryError(f"unknown field {value}")
        field = value
        nxt = self._peek()
        if field in ("sharedWithMe", "starred") and (nxt is None or nxt[0] != "op"):
            key = "_sharedWithMe" if field == "sharedWithMe" else field
            return lambda f: bool(f[key])  # the bare form: `sharedWithMe`
        if self._word("contains"):
            kind2, needle = self._take()
            if kind2 != "str" or field not in ("name", "fullText"):
                raise QueryError("contains")
            low = needle.lower()
            if field == "fullText":
                return lambda f: low in f["name"].lower() or low in f["_text"].lower()
            return lambda f: any(
                w.startswith(low)
                for w in [f["name"].lower(), *re.split(r"[\W_]+", f["name"].lower())]
            )
        op_kind, op = self._take()
        if op_kind != "op":
            raise QueryError("operator")
        vkind, raw = self._take()
        if field in ("trashed", "starred", "sharedWithMe"):
            if vkind != "word" or raw not in ("true", "false") or op not in ("=", "!="):
                raise QueryError("boolean")
            want = raw == "true"
            key = "_sharedWithMe" if field == "sharedWithMe" else field
            return lambda f: (f[key] == want) == (op == "=")
        if vkind != "str":
            raise QueryError("string value")
        if field in ("createdTime", "modifiedTime"):
            try:
                at = parse_time(raw)
            except ValueError:
                raise QueryError("time") from None
            compare = {
                "=": lambda a: a == at,
                "!=": lambda a: a != at,
                "<": lambda a: a < at,
                "<=": lambda a: a <= at,
                ">": lambda a: a > at,
                ">=": lambda a: a >= at,
            }[op]
            return lambda f: compare(f[field])
        if op not in ("=", "!="):
            raise QueryError("operator for text")
        return lambda f: (f[field] == raw) == (op == "=")


# -- the fake -----------------------------------------------------------------------------


class FakeGoogleDrive(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            {
                "error": {
                    "code": 429,
                    "message": "Rate Limit Exceeded",
                    "errors": [
                        {
                            "domain": "usageLimits",
                            "reason": "rateLimitExceeded",
                            "message": "Rate Limit Exceeded",
                        }
                    ],
                }
            },
            {"Retry-After": str(wait)},
        )
    )

    def __init__(self, tokens: FakeGoogleToken) -> None:
        super().__init__()
        self.tokens = tokens
        self._ids = itertools.count(1)
        self.files: dict[str, dict[str, Any]] = {}
        self.content: dict[str, bytes] = {}
        self.permissions: dict[str, list[dict[str, Any]]] = {}
        self.drives: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.forbidden: set[str] = set()
        self.clock: datetime | None = None
        self.reset()

    # -- state ------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.files.clear()
            self.content.clear()
            self.permissions.clear()
            self.drives.clear()
            self.sessions.clear()
            self.forbidden.clear()
            self.clock = None
            self.log.clear()
        self.files[ROOT] = self._record(ROOT, "My Drive", FOLDER, [], None)

    def now(self) -> datetime:
        return self.clock or datetime.now(UTC)

    def _record(
        self,
        file_id: str,
        name: str,
        mime: str,
        parents: list[str],
        drive_id: str | None,
        created: datetime | None = None,
    ) -> dict[str, Any]:
        at = created or self.now()
        return {
            "id": file_id,
            "name": name,
            "mimeType": mime,
            "parents": parents,
            "createdTime": at,
            "modifiedTime": at,
            "trashed": False,
            "explicitlyTrashed": False,
            "starred": False,
            "_sharedWithMe": False,
            "driveId": drive_id,
            "properties": None,
            "appProperties": None,
            "description": None,
            "originalFilename": None,
            "folderColorRgb": None,
            "copyRequiresWriterPermission": False,
            "version": 1,
            "_placed": True,
            "_text": "",
        }

    def add_file(
        self,
        name: str,
        mime: str = "text/plain",
        content: bytes | str = b"",
        *,
        parents: list[str] | None = None,
        created: datetime | None = None,
        modified: datetime | None = None,
        trashed: bool = False,
        file_id: str | None = None,
        drive_id: str | None = None,
    ) -> str:
        file_id = file_id or f"file{next(self._ids):04d}xYz"
        where = [ROOT if p == "root" else p for p in (parents or [drive_id or ROOT])]
        rec = self._record(file_id, name, mime, where, drive_id, created)
        if modified:
            rec["modifiedTime"] = modified
        rec["trashed"] = rec["explicitlyTrashed"] = trashed
        data = content.encode() if isinstance(content, str) else content
        rec["_text"] = data.decode("utf-8", "replace") if mime.startswith(GOOGLE_APPS) else ""
        self.files[file_id] = rec
        self.content[file_id] = b"" if mime.startswith(GOOGLE_APPS) else data
        return file_id

    def add_folder(self, name: str, **kw: Any) -> str:
        return self.add_file(name, FOLDER, **kw)

    def add_drive(self, name: str, drive_id: str | None = None) -> str:
        drive_id = drive_id or f"0ADrive{next(self._ids):03d}PVA"
        self.drives[drive_id] = {"kind": "drive#drive", "id": drive_id, "name": name}
        self.files[drive_id] = self._record(drive_id, name, FOLDER, [], drive_id)
        return drive_id

    def file_json(self, rec: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "drive#file"}
        for key, value in rec.items():
            if key.startswith("_") or value is None:
                continue
            out[key] = rfc3339(value) if isinstance(value, datetime) else value
        if not rec["mimeType"].startswith(GOOGLE_APPS):
            out["size"] = str(len(self.content.get(rec["id"], b"")))
            out["webContentLink"] = f"https://drive.google.com/uc?id={rec['id']}&export=download"
        if not rec["driveId"]:
            out["owners"] = [
                {"kind": "drive#user", "displayName": "Me", "emailAddress": OWNER, "me": True}
            ]
        out["webViewLink"] = f"https://drive.google.com/file/d/{rec['id']}/view?usp=drivesdk"
        out["version"] = str(rec["version"])
        return out

    # -- routing ----------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.token_info(token) is None:
            return drive_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
                "authError",
                "Authorization",
                "header",
            )
        path = req.path
        if m := re.fullmatch(r"/v1/documents/([^/:]+):batchUpdate", path):
            return self._docs_update(m.group(1), req)
        if m := re.fullmatch(r"/upload/drive/v3/files(?:/([^/]+))?", path):
            return self._upload(m.group(1), req)
        if m := re.fullmatch(r"/drive/v3/drives(?:/([^/]+))?", path):
            return self._drives(m.group(1), req)
        m = re.fullmatch(r"/drive/v3/files(?:/([^/]+)(?:/(copy|export|permissions))?)?", path)
        if not m:
            return drive_error(404, "Not Found", "notFound")
        file_id, verb = m.groups()
        if file_id is None:
            if req.method == "GET":
                return self._list(req)
            if req.method == "POST":
                return self._create(req.json or {}, req, b"", None)
            return drive_error(405, "Method not allowed", "methodNotAllowed")
        rec = self._find(file_id)
        if isinstance(rec, Answer):
            return rec
        if verb == "copy":
            return self._copy(rec, req)
        if verb == "export":
            return self._export(rec, req)
        if verb == "permissions":
            return self._share(rec, req)
        if req.method == "GET":
            if req.query.get("alt") == "media":
                if rec["mimeType"].startswith(GOOGLE_APPS):
                    return drive_error(
                        403,
                        "Only files with binary content can be downloaded. Use Export with "
                        "Docs Editors files.",
                        "fileNotDownloadable",
                        "alt",
                    )
                return Answer(
                    200,
                    content=self.content.get(rec["id"], b""),
                    headers={"Content-Type": rec["mimeType"]},
                )
            return self._answer_file(rec, req)
        if rec["id"] in self.forbidden:
            return self._forbidden(rec["id"])
        if req.method == "PATCH":
            return self._patch(rec, req.json or {}, req)
        if req.method == "DELETE":
            self._remove(rec["id"])
            return Answer(204, content=b"")
        return drive_error(405, "Method not allowed", "methodNotAllowed")

    def _find(self, file_id: str) -> dict[str, Any] | Answer:
        rec = self.files.get(ROOT if file_id == "root" else file_id)
        if rec is None:
            return drive_error(404, f"File not found: {file_id}.", "notFound", "fileId")
        return rec

    @staticmethod
    def _forbidden(file_id: str) -> Answer:
        return drive_error(
            403,
            f"The user does not have sufficient permissions for file {file_id}.",
            "insufficientFilePermissions",
        )

    def _fields(self, req: Request) -> dict[str, Any] | Answer:
        text = req.query.get("fields")
        if not text:
            return {}
        try:
            return parse_fields(text)
        except ValueError:
            return drive_error(400, f"Invalid field selection {text}", "invalidParameter", "fields")

    def _answer_file(self, rec: dict[str, Any], req: Request, status: int = 200) -> Answer:
        tree = self._fields(req)
        if isinstance(tree, Answer):
            return tree
        full = self.file_json(rec)
        if not tree:
            full = {k: full[k] for k in ("kind", "id", "name", "mimeType") if k in full}
            return Answer(status, full)
        return Answer(status, select(full, tree))

    # -- files.list -------------------------------------------------------------------

    def _list(self, req: Request) -> Answer:
        qs = req.query
        try:
            query = Query(qs.get("q", ""), ROOT)
        except QueryError:
            return drive_error(400, "Invalid Value", "invalid", "q")
        try:
            size = int(qs.get("pageSize", "100"))
        except ValueError:
            return drive_error(400, "Invalid Value", "invalid", "pageSize")
        if not 1 <= size <= 1000:
            return drive_error(
                400,
                f"Invalid value '{size}'. Values must be within the range: [1, 1000]",
                "invalid",
                "pageSize",
            )
        spaces = {x.strip() for x in qs.get("spaces", "drive").split(",")}
        if not spaces <= {"drive", "appDataFolder", "photos"}:
            return drive_error(400, "Invalid Value", "invalid", "spaces")
        corpora = qs.get("corpora", "user")
        if corpora not in ("user", "domain", "drive", "allDrives"):
            return drive_error(400, "Invalid Value", "invalid", "corpora")
        drive_id = qs.get("driveId")
        if (corpora == "drive") != bool(drive_id):
            return drive_error(
                400,
                "The driveId parameter must be specified if and only if corpora is set to drive.",
                "invalidParameter",
                "driveId",
            )
        all_drives = _truthy(qs.get("includeItemsFromAllDrives"))
        if drive_id and not all_drives:
            return drive_error(
                403,
                "The includeItemsFromAllDrives parameter must be set to true when driveId is set.",
                "teamDrivesParameterRequired",
                "includeItemsFromAllDrives",
            )
        if drive_id and drive_id not in self.drives:
            return drive_error(404, f"Shared drive not found: {drive_id}", "notFound", "driveId")

        def visible(rec: dict[str, Any]) -> bool:
            if rec["id"] == ROOT or rec["id"] in self.drives:
                return False
            if drive_id:
                return rec["driveId"] == drive_id
            return not (rec["driveId"] and (corpora == "user" or not all_drives))

        found = [r for r in self.files.values() if visible(r) and query.test(r)]
        order = qs.get("orderBy", "")
        for part in reversed([x.strip() for x in order.split(",") if x.strip()]):
            key, _, direction = part.partition(" ")
            if key not in ("createdTime", "modifiedTime", "name", "folder"):
                return drive_error(400, "Invalid Value", "invalid", "orderBy")
            if key == "folder":
                found.sort(key=lambda r: r["mimeType"] != FOLDER, reverse=direction == "desc")
            else:
                found.sort(key=operator.itemgetter(key), reverse=direction == "desc")
        fingerprint = base64.urlsafe_b64encode(
            json.dumps([qs.get("q", ""), corpora, drive_id, order]).encode()
        ).decode()[:12]
        start = 0
        if token := qs.get("pageToken"):
            try:
                mark, offset = token.split("~", 1)
                start = int(offset)
            except ValueError:
                return drive_error(400, "Invalid Value", "invalid", "pageToken")
            if mark != fingerprint:
                return drive_error(400, "Invalid Value", "invalid", "pageToken")
        page = found[start : start + size]
        body: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": [self.file_json(r) for r in page],
        }
        if start + size < len(found):
            body["nextPageToken"] = f"{fingerprint}~{start + size}"
        tree = self._fields(req)
        if isinstance(tree, Answer):
            return tree
        if not tree:
            body["files"] = [
                {k: f[k] for k in ("kind", "id", "name", "mimeType")} for f in body["files"]
            ]
            return Answer(200, body)
        return Answer(200, select(body, tree))

    # -- create / update / delete -----------------------------------------------------

    def _parents(self, wanted: Any) -> list[str] | Answer:
        if not isinstance(wanted, list):
            return drive_error(400, "Invalid Value", "invalid", "parents", "other")
        if len(wanted) > 1:
            return drive_error(
                403, "Increasing the number of parents is not allowed", "cannotAddParent"
            )
        out = []
        for pid in wanted:
            rec = self._find(str(pid))
            if isinstance(rec, Answer):
                return rec
            if rec["mimeType"] != FOLDER:
                return drive_error(400, "The specified parent is not a folder.", "notAFolder")
            out.append(rec["id"])
        return out or [ROOT]

    def _create(
        self, meta: dict[str, Any], req: Request, data: bytes, media_mime: str | None
    ) -> Answer:
        bad = [k for k in meta if k not in WRITABLE | {"parents", "id"}]
        if bad:
            return drive_error(
                403,
                f"The resource body includes fields which are not directly writable: {bad[0]}",
                "fieldNotWritable",
            )
        parents = self._parents(meta.get("parents", []))
        if isinstance(parents, Answer):
            return parents
        mime = str(meta.get("mimeType") or media_mime or "application/octet-stream")
        file_id = self.add_file(
            str(meta.get("name") or "Untitled"),
            mime,
            data,
            parents=parents,
            drive_id=self.files[parents[0]]["driveId"],
        )
        rec = self.files[file_id]
        if mime.startswith(GOOGLE_APPS):
            rec["_text"] = data.decode("utf-8", "replace")  # an import converts the media
        rec["_placed"] = "parents" in meta
        for key in WRITABLE - {"name", "mimeType"}:
            if key in meta:
                rec[key] = meta[key]
        return self._answer_file(rec, req)

    def _patch(self, rec: dict[str, Any], meta: dict[str, Any], req: Request) -> Answer:
        if "parents" in meta:
            return drive_error(
                403,
                "The parents field is not directly writable in update requests. Use the "
                "addParents and removeParents parameters instead.",
                "fieldNotWritable",
            )
        bad = [k for k in meta if k not in WRITABLE]
        if bad:
            return drive_error(
                403,
                f"The resource body includes fields which are not directly writable: {bad[0]}",
                "fieldNotWritable",
            )
        parents = list(rec["parents"])
        for pid in filter(None, req.query.get("removeParents", "").split(",")):
            pid = ROOT if pid == "root" else pid
            if pid in parents:
                parents.remove(pid)
        adds = list(filter(None, req.query.get("addParents", "").split(",")))
        if adds:
            if not rec["_placed"] and parents == [ROOT]:
                parents = []  # a bare upload's root placement gives way to the chosen one
            found = self._parents(adds)
            if isinstance(found, Answer):
                return found
            parents += [f for f in found if f not in parents]
            if len(parents) > 1:
                return drive_error(
                    403, "Increasing the number of parents is not allowed", "cannotAddParent"
                )
            rec["_placed"] = True
        rec["parents"] = parents
        for key, value in meta.items():
            rec[key] = value
        if "trashed" in meta:
            rec["explicitlyTrashed"] = bool(meta["trashed"])
        rec["modifiedTime"] = self.now()
        rec["version"] += 1
        return self._answer_file(rec, req)

    def _remove(self, file_id: str) -> None:
        for child in [r["id"] for r in self.files.values() if file_id in r["parents"]]:
            self._remove(child)
        self.files.pop(file_id, None)
        self.content.pop(file_id, None)

    def _copy(self, rec: dict[str, Any], req: Request) -> Answer:
        if rec["mimeType"] == FOLDER:
            return drive_error(403, "This file cannot be copied by the user.", "cannotCopyFile")
        meta = dict(req.json or {})
        parents = self._parents(meta.pop("parents", None) or rec["parents"])
        if isinstance(parents, Answer):
            return parents
        new_id = self.add_file(
            str(meta.get("name") or f"Copy of {rec['name']}"),
            rec["mimeType"],
            self.content.get(rec["id"], b""),
            parents=parents,
        )
        new = self.files[new_id]
        new["_text"] = rec["_text"]
        for key in ("description", "copyRequiresWriterPermission", "properties", "appProperties"):
            if key in meta:
                new[key] = meta[key]
        return self._answer_file(new, req)

    def _export(self, rec: dict[str, Any], req: Request) -> Answer:
        target = req.query.get("mimeType", "")
        kind = rec["mimeType"].removeprefix(GOOGLE_APPS)
        if not rec["mimeType"].startswith(GOOGLE_APPS) or kind not in EXPORTS:
            return drive_error(403, "Export only supports Docs Editors files.", "fileNotExportable")
        if target not in EXPORTS[kind]:
            return drive_error(
                400, "The requested conversion is not supported.", "badRequest", "convertTo"
            )
        text = rec["_text"]
        if target == "text/html":
            data = f"<html><body><p>{text}</p></body></html>".encode()
        elif target.startswith("text/"):
            data = text.encode()
        else:
            data = f"EXPORT {target}\n{text}".encode()
        return Answer(200, content=data, headers={"Content-Type": target})

    def _share(self, rec: dict[str, Any], req: Request) -> Answer:
        if rec["id"] in self.forbidden:
            return self._forbidden(rec["id"])
        body = req.json or {}
        role, kind = body.get("role"), body.get("type")
        if role not in ROLES:
            return drive_error(
                400, "The permission role field is required.", "required", "permission.role"
            )
        if kind not in TYPES:
            return drive_error(
                400, "The permission type field is required.", "required", "permission.type"
            )
        if kind in ("user", "group") and not body.get("emailAddress"):
            return drive_error(
                400,
                "The permission email address field is required for this permission type.",
                "required",
                "permission.emailAddress",
            )
        if kind == "domain" and not body.get("domain"):
            return drive_error(
                400, "The permission domain field is required.", "required", "permission.domain"
            )
        if role == "owner" and not _truthy(req.query.get("transferOwnership")):
            return drive_error(
                403,
                "The transferOwnership parameter must be enabled when the permission role is "
                "'owner'.",
                "forbidden",
                "transferOwnership",
            )
        perm = {
            "kind": "drive#permission",
            "id": "anyoneWithLink" if kind == "anyone" else f"perm{next(self._ids)}",
            "type": kind,
            "role": role,
        }
        self.permissions.setdefault(rec["id"], []).append({**body, "id": perm["id"]})
        return Answer(200, perm)

    # -- uploads ----------------------------------------------------------------------

    def _upload(self, file_id: str | None, req: Request) -> Answer:
        kind = req.query.get("uploadType")
        if req.method == "PUT" and kind == "resumable":
            session = self.sessions.pop(req.query.get("upload_id", ""), None)
            if session is None:
                return drive_error(404, "Upload session not found", "notFound")
            expected = session.get("length")
            if expected is not None and int(expected) != len(req.raw):
                return drive_error(400, "Content length does not match", "badContent")
            return self._store(session["file_id"], session["meta"], req, req.raw, session["mime"])
        if kind not in ("media", "multipart", "resumable"):
            return drive_error(400, "Invalid Value", "invalid", "uploadType")
        if (req.method == "PATCH") != (file_id is not None) or req.method not in ("POST", "PATCH"):
            return drive_error(405, "Method not allowed", "methodNotAllowed")
        if file_id is not None:
            rec = self._find(file_id)
            if isinstance(rec, Answer):
                return rec
            if rec["id"] in self.forbidden:
                return self._forbidden(rec["id"])
        content_type = req.headers.get("content-type", "")
        if kind == "resumable":
            sid = f"sess{next(self._ids)}"
            self.sessions[sid] = {
                "file_id": file_id,
                "meta": req.json if isinstance(req.json, dict) else {},
                "mime": req.headers.get("x-upload-content-type"),
                "length": req.headers.get("x-upload-content-length"),
            }
            location = f"{self.url}/upload/drive/v3/files?uploadType=resumable&upload_id={sid}"
            return Answer(200, content=b"", headers={"Location": location})
        if kind == "media":
            return self._store(file_id, {}, req, req.raw, content_type.split(";")[0] or None)
        m = re.search(r'boundary="?([^";]+)"?', content_type)
        if not content_type.startswith("multipart/related") or not m:
            return drive_error(400, "Bad content type. Please use multipart.", "badContent")
        parts = self._related(req.raw, m.group(1))
        if parts is None or len(parts) != 2:
            return drive_error(400, "Malformed multipart body.", "badContent")
        (_, meta_raw), (media_type, media) = parts
        try:
            meta = json.loads(meta_raw)
        except ValueError:
            return drive_error(400, "Malformed multipart body.", "badContent")
        return self._store(file_id, meta, req, media, media_type or None)

    @staticmethod
    def _related(raw: bytes, boundary: str) -> list[tuple[str, bytes]] | None:
        delimiter = f"--{boundary}".encode()
        chunks = raw.split(delimiter)
        if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
            return None
        out = []
        for chunk in chunks[1:-1]:
            chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
            head, sep, body = chunk.partition(b"\r\n\r\n")
            if not sep:
                head, sep, body = chunk.partition(b"\n\n")
            if not sep:
                return None
            kind = ""
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-type":
                    kind = value.strip().split(";")[0]
            out.append((kind, body.removesuffix(b"\r\n").removesuffix(b"\n")))
        return out

    def _store(
        self,
        file_id: str | None,
        meta: dict[str, Any],
        req: Request,
        data: bytes,
        mime: str | None,
    ) -> Answer:
        if file_id is None:
            return self._create(meta, req, data, mime)
        rec = self.files[file_id]
        if rec["mimeType"].startswith(GOOGLE_APPS):
            rec["_text"] = data.decode("utf-8", "replace")
        else:
            self.content[file_id] = data
        return self._patch(rec, meta, req)

    # -- shared drives ----------------------------------------------------------------

    def _drives(self, drive_id: str | None, req: Request) -> Answer:
        if drive_id is None:
            if req.method == "POST":
                if not req.query.get("requestId"):
                    return drive_error(
                        400, "Required parameter: requestId", "required", "requestId"
                    )
                body = req.json or {}
                new = self.add_drive(str(body.get("name") or "Untitled"))
                for key in ("colorRgb", "hidden", "restrictions"):
                    if key in body:
                        self.drives[new][key] = body[key]
                return Answer(200, self.drives[new])
            size = int(req.query.get("pageSize", "10"))
            if not 1 <= size <= 100:
                return drive_error(400, "Invalid Value", "invalid", "pageSize")
            start = int(req.query.get("pageToken", "0") or 0)
            rows = list(self.drives.values())
            body = {"kind": "drive#driveList", "drives": rows[start : start + size]}
            if start + size < len(rows):
                body["nextPageToken"] = str(start + size)
            return Answer(200, body)
        drive = self.drives.get(drive_id)
        if drive is None:
            return drive_error(404, f"Shared drive not found: {drive_id}", "notFound", "driveId")
        if req.method == "PATCH":
            drive.update(req.json or {})
        elif req.method == "DELETE":
            if any(r["driveId"] == drive_id and r["id"] != drive_id for r in self.files.values()):
                return drive_error(
                    403,
                    "The shared drive cannot be deleted because it contains one or more items.",
                    "cannotDeleteTeamDriveWithChildren",
                )
            del self.drives[drive_id]
            self.files.pop(drive_id, None)
            return Answer(204, content=b"")
        return Answer(200, drive)

    # -- Docs -------------------------------------------------------------------------

    def _docs_update(self, doc_id: str, req: Request) -> Answer:
        rec = self.files.get(doc_id)
        if rec is None or rec["mimeType"] != GOOGLE_APPS + "document":
            return Answer(
                404,
                {
                    "error": {
                        "code": 404,
                        "message": "Requested entity was not found.",
                        "status": "NOT_FOUND",
                    }
                },
            )
        for request in (req.json or {}).get("requests") or []:
            insert = request.get("insertText")
            if not insert or "text" not in insert:
                return Answer(
                    400,
                    {
                        "error": {
                            "code": 400,
                            "message": "Invalid requests[0]: No request set.",
                            "status": "INVALID_ARGUMENT",
                        }
                    },
                )
            rec["_text"] += str(insert["text"])
        rec["modifiedTime"] = self.now()
        return Answer(
            200,
            {
                "documentId": doc_id,
                "replies": [{} for _ in (req.json or {}).get("requests") or []],
                "writeControl": {"requiredRevisionId": f"rev{rec['version']}"},
            },
        )


def minutes_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=n)
