"""A fake of the Google Docs API v1 (and the Drive v3 files.create n8n's Google Docs node
makes documents with) on loopback, written from Google's reference
(developers.google.com/docs/api/reference/rest/v1/documents):

- documents.get: `{documentId, title, revisionId, body: {content: [structural
  elements]}, headers, footers, namedRanges}`; the body's first element is the section
  break (0..1), then one paragraph per line with `textRun` elements (a page break is a
  `pageBreak` element of one index), the last newline ending the segment.
- documents.batchUpdate: atomic (a bad request leaves the document as it was and answers
  400 `Invalid requests[i].<kind>: ...`); insertText (location / endOfSegmentLocation),
  replaceAllText (matchCase; reply occurrencesChanged), deleteContentRange (never the
  segment's last newline), insertPageBreak, insertTable (kept apart from the text's
  indexes: the fake tracks tables by start index only), insertTableRow / Column,
  deleteTableRow / Column (by the table's start index), createHeader / Footer (reply
  with the new id), deleteHeader / Footer, createNamedRange (reply namedRangeId),
  deleteNamedRange (by id or name), createParagraphBullets, deleteParagraphBullets,
  deletePositionedObject; writeControl.requiredRevisionId must be the current one.
- POST /drive/v3/files: a Google Doc in `parents` ('root' or a folder in `folders`).

Bearer tokens are those the fake token endpoint issued (401 UNAUTHENTICATED otherwise);
ids in `forbidden` answer 403 PERMISSION_DENIED; unknown ids 404 NOT_FOUND; 429 is
RESOURCE_EXHAUSTED with Retry-After. Errors are google.rpc's `{"error": {"code",
"message", "status"}}`.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any

from tests.fakes._base import Answer, FakeService, Request
from tests.fakes.fake_google_token import FakeGoogleToken

DOCUMENT = "application/vnd.google-apps.document"
PAGE_BREAK = "\x0c"
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
}


def rpc_error(code: int, message: str) -> Answer:
    return Answer(code, {"error": {"code": code, "message": message, "status": _STATUS[code]}})


class BadRequest(Exception):
    pass


class FakeGoogleDocs(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            {
                "error": {
                    "code": 429,
                    "message": "Quota exceeded for quota metric 'Write requests' and limit "
                    "'Write requests per minute per user' of service 'docs.googleapis.com'.",
                    "status": "RESOURCE_EXHAUSTED",
                }
            },
            {"Retry-After": str(wait)},
        )
    )

    def __init__(self, tokens: FakeGoogleToken) -> None:
        super().__init__()
        self.tokens = tokens
        self._ids = itertools.count(1)
        self.docs: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.folders: set[str] = set()
        self.forbidden: set[str] = set()

    def reset(self) -> None:
        with self.lock:
            self.docs.clear()
            self.files.clear()
            self.folders.clear()
            self.forbidden.clear()
            self.log.clear()

    # -- state ------------------------------------------------------------------------

    def add_doc(self, title: str = "Doc", text: str = "", doc_id: str | None = None) -> str:
        """A document whose body holds `text` (a final newline is added)."""
        doc_id = doc_id or f"1FakeDoc{next(self._ids):04d}xxxxxxxxxxxxxxxx"
        self.docs[doc_id] = {
            "title": title,
            "text": text + "\n",
            "revision": 1,
            "headers": {},
            "footers": {},
            "namedRanges": {},
            "tables": [],
            "bullets": [],
        }
        return doc_id

    def text(self, doc_id: str) -> str:
        """The body's text without the segment's final newline."""
        return str(self.docs[doc_id]["text"][:-1])

    # -- routes -----------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.token_info(token) is None:
            return rpc_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        if req.path == "/drive/v3/files" and req.method == "POST":
            return self._drive_create(req)
        m = re.fullmatch(r"/v1/documents/([^/:]+)(:batchUpdate)?", req.path)
        if not m:
            return rpc_error(404, "Requested entity was not found.")
        doc_id, update = m.groups()
        if doc_id in self.forbidden:
            return rpc_error(403, "The caller does not have permission")
        doc = self.docs.get(doc_id)
        if doc is None:
            return rpc_error(404, "Requested entity was not found.")
        if update and req.method == "POST":
            return self._batch_update(doc_id, doc, req.json or {})
        if not update and req.method == "GET":
            return Answer(200, self.render(doc_id))
        return rpc_error(404, "Requested entity was not found.")

    def _drive_create(self, req: Request) -> Answer:
        meta = req.json or {}
        parents = meta.get("parents") or ["root"]
        for parent in parents:
            if parent != "root" and parent not in self.folders:
                message = f"File not found: {parent}."
                detail = {
                    "message": message,
                    "domain": "global",
                    "reason": "notFound",
                    "location": "fileId",
                    "locationType": "parameter",
                }
                return Answer(404, {"error": {"code": 404, "message": message, "errors": [detail]}})
        name = str(meta.get("name") or "Untitled")
        mime = str(meta.get("mimeType") or "application/octet-stream")
        file_id = self.add_doc(name) if mime == DOCUMENT else f"1FakeFile{next(self._ids):04d}"
        self.files[file_id] = {"name": name, "mimeType": mime, "parents": parents}
        return Answer(200, {"kind": "drive#file", "id": file_id, "name": name, "mimeType": mime})

    # -- documents.get ----------------------------------------------------------------

    def render(self, doc_id: str) -> dict[str, Any]:
        doc = self.docs[doc_id]
        content: list[dict[str, Any]] = [{"endIndex": 1, "sectionBreak": {"sectionStyle": {}}}]
        index = 1
        for line in re.findall(r"[^\n]*\n", doc["text"]):
            start = index
            elements: list[dict[str, Any]] = []
            for piece in re.findall(rf"{PAGE_BREAK}|[^{PAGE_BREAK}]+", line):
                end = index + len(piece)
                if piece == PAGE_BREAK:
                    elements.append({"startIndex": index, "endIndex": end, "pageBreak": {}})
                else:
                    elements.append(
                        {
                            "startIndex": index,
                            "endIndex": end,
                            "textRun": {"content": piece, "textStyle": {}},
                        }
                    )
                index = end
            content.append(
                {
                    "startIndex": start,
                    "endIndex": index,
                    "paragraph": {
                        "elements": elements,
                        "paragraphStyle": {"namedStyleType": "NORMAL_TEXT"},
                    },
                }
            )
        for table in doc["tables"]:
            content.append(
                {
                    "startIndex": table["startIndex"],
                    "table": {"rows": table["rows"], "columns": table["columns"]},
                }
            )
        return {
            "documentId": doc_id,
            "title": doc["title"],
            "revisionId": f"rev{doc['revision']}",
            "body": {"content": content},
            "headers": {k: {"headerId": k} for k in doc["headers"]},
            "footers": {k: {"footerId": k} for k in doc["footers"]},
            "namedRanges": {
                r["name"]: {"name": r["name"], "namedRanges": [r]}
                for r in doc["namedRanges"].values()
            },
        }

    # -- documents.batchUpdate ---------------------------------------------------------

    def _batch_update(self, doc_id: str, doc: dict[str, Any], body: dict[str, Any]) -> Answer:
        control = body.get("writeControl") or {}
        required = control.get("requiredRevisionId")
        if required is not None and required != f"rev{doc['revision']}":
            return rpc_error(
                400,
                "The required revision ID does not match the latest revision of the document.",
            )
        requests = body.get("requests")
        if not isinstance(requests, list):
            return rpc_error(400, 'Invalid JSON payload received. Unknown name "requests".')
        work = copy.deepcopy(doc)
        replies: list[dict[str, Any]] = []
        for n, request in enumerate(requests):
            if not isinstance(request, dict) or len(request) != 1:
                return rpc_error(400, f"Invalid requests[{n}]: No request set.")
            ((kind, args),) = request.items()
            handler = getattr(self, f"_r_{kind}", None)
            if handler is None or not isinstance(args, dict):
                return rpc_error(400, f"Invalid requests[{n}]: Unknown request {kind!r}.")
            try:
                replies.append(handler(work, args))
            except BadRequest as exc:
                return rpc_error(400, f"Invalid requests[{n}].{kind}: {exc}")
        if requests:
            work["revision"] += 1
        doc.clear()
        doc.update(work)
        return Answer(
            200,
            {
                "documentId": doc_id,
                "replies": replies,
                "writeControl": {"requiredRevisionId": f"rev{doc['revision']}"},
            },
        )

    @staticmethod
    def _segment(doc: dict[str, Any], where: dict[str, Any]) -> None:
        segment = where.get("segmentId") or ""
        if segment and segment not in doc["headers"] and segment not in doc["footers"]:
            raise BadRequest(f"The segment ID {segment} is invalid.")

    def _insert_at(self, doc: dict[str, Any], args: dict[str, Any], text: str) -> None:
        location = args.get("location")
        end = args.get("endOfSegmentLocation")
        if (location is None) == (end is None):
            raise BadRequest("Exactly one of location or endOfSegmentLocation must be set.")
        limit = len(doc["text"]) + 1  # the body's end index
        if location is not None:
            self._segment(doc, location)
            index = location.get("index")
            if not isinstance(index, int) or index < 1:
                raise BadRequest(
                    "The insertion index must be inside the bounds of an existing "
                    "paragraph. You can still create new paragraphs by inserting newlines."
                )
            if index >= limit:
                raise BadRequest(
                    f"Index {index} must be less than the end index of the referenced "
                    f"segment, {limit}."
                )
            pos = index - 1
        else:
            self._segment(doc, end or {})
            pos = len(doc["text"]) - 1
        doc["text"] = doc["text"][:pos] + text + doc["text"][pos:]

    def _r_insertText(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        if "text" not in args:
            raise BadRequest("text must be set.")
        self._insert_at(doc, args, str(args["text"]))
        return {}

    def _r_insertPageBreak(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        self._insert_at(doc, args, PAGE_BREAK + "\n")
        return {}

    def _r_insertTable(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        rows, columns = args.get("rows"), args.get("columns")
        if not isinstance(rows, int) or not isinstance(columns, int) or rows < 1 or columns < 1:
            raise BadRequest("Table rows and columns must be at least 1.")
        before = len(doc["text"])
        self._insert_at(doc, args, "\n")
        at = (args.get("location") or {}).get("index", before)
        doc["tables"].append({"startIndex": at + 1, "rows": rows, "columns": columns})
        return {}

    def _table(self, doc: dict[str, Any], args: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
        cell = args.get("tableCellLocation") or {}
        start = (cell.get("tableStartLocation") or {}).get("index")
        for table in doc["tables"]:
            if table["startIndex"] == start:
                row, col = int(cell.get("rowIndex", 0)), int(cell.get("columnIndex", 0))
                if not (0 <= row < table["rows"] and 0 <= col < table["columns"]):
                    raise BadRequest("The table cell location is out of bounds.")
                return table, row, col
        raise BadRequest("The provided table start location is invalid.")

    def _r_insertTableRow(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        self._table(doc, args)[0]["rows"] += 1
        return {}

    def _r_insertTableColumn(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        self._table(doc, args)[0]["columns"] += 1
        return {}

    def _r_deleteTableRow(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        table = self._table(doc, args)[0]
        table["rows"] -= 1
        if table["rows"] == 0:
            doc["tables"].remove(table)
        return {}

    def _r_deleteTableColumn(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        table = self._table(doc, args)[0]
        table["columns"] -= 1
        if table["columns"] == 0:
            doc["tables"].remove(table)
        return {}

    def _r_replaceAllText(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        contains = args.get("containsText") or {}
        needle = str(contains.get("text") or "")
        if not needle:
            raise BadRequest("containsText.text must not be empty.")
        flags = 0 if contains.get("matchCase") else re.IGNORECASE
        body, last = doc["text"][:-1], doc["text"][-1]
        new, count = re.subn(
            re.escape(needle), lambda _: str(args.get("replaceText") or ""), body, flags=flags
        )
        doc["text"] = new + last
        return (
            {"replaceAllText": {"occurrencesChanged": count}} if count else {"replaceAllText": {}}
        )

    def _range(self, doc: dict[str, Any], args: dict[str, Any]) -> tuple[int, int]:
        rng = args.get("range") or {}
        self._segment(doc, rng)
        start, end = rng.get("startIndex"), rng.get("endIndex")
        limit = len(doc["text"]) + 1
        if not isinstance(start, int) or not isinstance(end, int) or start < 1 or end <= start:
            raise BadRequest("The range must have a start index of at least 1 below its end.")
        if end > limit:
            raise BadRequest(
                f"Index {end - 1} must be less than the end index of the referenced "
                f"segment, {limit}."
            )
        return start, end

    def _r_deleteContentRange(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        start, end = self._range(doc, args)
        if end == len(doc["text"]) + 1:
            raise BadRequest(
                "The range cannot include the newline character at the end of the segment."
            )
        doc["text"] = doc["text"][: start - 1] + doc["text"][end - 1 :]
        return {}

    def _r_createParagraphBullets(
        self, doc: dict[str, Any], args: dict[str, Any]
    ) -> dict[str, Any]:
        start, end = self._range(doc, args)
        if not args.get("bulletPreset"):
            raise BadRequest("bulletPreset must be set.")
        doc["bullets"].append(
            {"startIndex": start, "endIndex": end, "preset": args["bulletPreset"]}
        )
        return {}

    def _r_deleteParagraphBullets(
        self, doc: dict[str, Any], args: dict[str, Any]
    ) -> dict[str, Any]:
        start, end = self._range(doc, args)
        doc["bullets"] = [
            b for b in doc["bullets"] if b["endIndex"] <= start or b["startIndex"] >= end
        ]
        return {}

    def _r_createHeader(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._create_part(doc, args, "header")

    def _r_createFooter(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._create_part(doc, args, "footer")

    def _create_part(self, doc: dict[str, Any], args: dict[str, Any], part: str) -> dict[str, Any]:
        if args.get("type") != "DEFAULT":
            raise BadRequest("type must be DEFAULT.")
        if doc[f"{part}s"]:
            raise BadRequest(f"A default {part} already exists.")
        new_id = f"kix.{part}{next(self._ids)}"
        doc[f"{part}s"][new_id] = {}
        return {f"create{part.title()}": {f"{part}Id": new_id}}

    def _r_deleteHeader(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._delete_part(doc, args, "header")

    def _r_deleteFooter(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._delete_part(doc, args, "footer")

    @staticmethod
    def _delete_part(doc: dict[str, Any], args: dict[str, Any], part: str) -> dict[str, Any]:
        part_id = args.get(f"{part}Id")
        if part_id not in doc[f"{part}s"]:
            raise BadRequest(f"The {part} ID {part_id} is invalid.")
        del doc[f"{part}s"][part_id]
        return {}

    def _r_createNamedRange(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        start, end = self._range(doc, args)
        name = str(args.get("name") or "")
        if not name:
            raise BadRequest("name must be set.")
        range_id = f"kix.range{next(self._ids)}"
        doc["namedRanges"][range_id] = {
            "namedRangeId": range_id,
            "name": name,
            "ranges": [{"startIndex": start, "endIndex": end}],
        }
        return {"createNamedRange": {"namedRangeId": range_id}}

    def _r_deleteNamedRange(self, doc: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        if "namedRangeId" in args:
            if args["namedRangeId"] not in doc["namedRanges"]:
                raise BadRequest(f"The named range ID {args['namedRangeId']} is invalid.")
            del doc["namedRanges"][args["namedRangeId"]]
        elif "name" in args:
            doc["namedRanges"] = {
                k: v for k, v in doc["namedRanges"].items() if v["name"] != args["name"]
            }
        else:
            raise BadRequest("One of namedRangeId or name must be set.")
        return {}

    def _r_deletePositionedObject(
        self, doc: dict[str, Any], args: dict[str, Any]
    ) -> dict[str, Any]:
        raise BadRequest(f"The positioned object ID {args.get('objectId')} is invalid.")
