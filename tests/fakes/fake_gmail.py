"""A fake of the Gmail API v1 on loopback, written from Google's reference
(developers.google.com/gmail/api/reference/rest): under `/gmail/v1/users/me/`

- `profile`; `messages` list (q, labelIds, includeSpamTrash, maxResults, pageToken),
  get (format full / metadata with metadataHeaders / minimal / raw), send (a base64url
  RFC 2822 `raw`, optional threadId), modify, trash, untrash, delete;
- `threads` list / get / modify / trash / untrash / delete; `drafts` create / list / get /
  delete; `labels` list / get / create / delete.

Bearer tokens are those the fake token endpoint issued (401 UNAUTHENTICATED otherwise);
`required_scope`, when set, must be among the token's scopes (403 PERMISSION_DENIED
"Request had insufficient authentication scopes."). Unknown ids are 404 "Requested entity
was not found."; ids that are not hex are 400 "Invalid id value"; a label name taken is
409 "Label name exists or conflicts"; 429 is RESOURCE_EXHAUSTED with Retry-After, all in
Google's `{"error": {"code", "message", "errors", "status"}}` shape.

The `q` subset: `from:`, `to:`, `subject:`, `is:unread` / `is:read` / `is:starred`,
`in:<label>` / `label:<name>`, `has:attachment`, `after:` / `before:` (epoch seconds or
yyyy/mm/dd), and plain words (in the subject, snippet or body). Lists are newest first;
page tokens are opaque.
"""

from __future__ import annotations

import base64
import email
import html
import itertools
import re
import time
from datetime import UTC, datetime
from email.message import Message
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Any
from urllib.parse import parse_qs

from tests.fakes._base import Answer, FakeService, Request
from tests.fakes.fake_google_token import FakeGoogleToken

SYSTEM_LABELS = ("INBOX", "SENT", "DRAFT", "UNREAD", "STARRED", "IMPORTANT", "SPAM", "TRASH")
OWNER = "me@example.com"


def gmail_error(code: int, message: str, status: str, reason: str = "") -> Answer:
    errors = [{"message": message, "domain": "global", "reason": reason or status.lower()}]
    return Answer(
        code, {"error": {"code": code, "message": message, "errors": errors, "status": status}}
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64url(text: str) -> bytes:
    text = text.strip().replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Stored:
    """One message as Gmail keeps it."""

    def __init__(
        self, msg_id: str, thread_id: str, raw: bytes, labels: list[str], internal_ms: int
    ) -> None:
        self.id, self.thread_id, self.raw = msg_id, thread_id, raw
        self.labels = list(labels)
        self.internal_ms = internal_ms
        self.parsed: Message = email.message_from_bytes(raw, policy=default_policy)

    def header(self, name: str) -> str:
        return str(self.parsed.get(name) or "")

    def text(self) -> str:
        for part in self.parsed.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                if part.get_content_disposition() == "attachment":
                    continue
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    text = payload.decode(part.get_content_charset() or "utf-8", "replace")
                    if part.get_content_type() == "text/html":
                        text = re.sub(r"<[^>]+>", " ", text)
                    return text
        return ""

    def snippet(self) -> str:
        return html.escape(" ".join(self.text().split())[:200], quote=True).replace(
            "&#x27;", "&#39;"
        )

    def has_attachment(self) -> bool:
        return any(p.get_content_disposition() == "attachment" for p in self.parsed.walk())

    def minimal(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "threadId": self.thread_id,
            "labelIds": list(self.labels),
            "snippet": self.snippet(),
            "sizeEstimate": len(self.raw),
            "historyId": str(1000 + int(self.id, 16) % 1000),
            "internalDate": str(self.internal_ms),
        }

    def as_format(self, fmt: str, wanted: list[str]) -> dict[str, Any]:
        out = self.minimal()
        if fmt == "minimal":
            return out
        if fmt == "raw":
            out["raw"] = _b64url(self.raw)
            return out
        headers = [{"name": k, "value": str(v)} for k, v in self.parsed.items()]
        if fmt == "metadata":
            if wanted:
                low = {w.lower() for w in wanted}
                headers = [h for h in headers if h["name"].lower() in low]
            out["payload"] = {
                "partId": "",
                "mimeType": self.parsed.get_content_type(),
                "filename": "",
                "headers": headers,
            }
            return out
        out["payload"] = _part(self.parsed, "")
        return out


def _part(part: Message, part_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": [{"name": k, "value": str(v)} for k, v in part.items()],
    }
    if part.is_multipart():
        children = part.get_payload()
        assert isinstance(children, list)
        out["body"] = {"size": 0}
        out["parts"] = [
            _part(child, f"{part_id}.{i}" if part_id else str(i))
            for i, child in enumerate(children)
        ]
        return out
    data = part.get_payload(decode=True)
    data = data if isinstance(data, bytes) else b""
    if part.get_filename():
        out["body"] = {"attachmentId": f"att-{part_id}", "size": len(data)}
    else:
        out["body"] = {"size": len(data), "data": _b64url(data).rstrip("=")}
    return out


def _when(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.strptime(value, "%Y/%m/%d").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


class FakeGmail(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            {
                "error": {
                    "code": 429,
                    "message": "User-rate limit exceeded.",
                    "errors": [
                        {
                            "message": "User-rate limit exceeded.",
                            "domain": "usageLimits",
                            "reason": "rateLimitExceeded",
                        }
                    ],
                    "status": "RESOURCE_EXHAUSTED",
                }
            },
            {"Retry-After": str(wait)},
        )
    )

    def __init__(self, tokens: FakeGoogleToken) -> None:
        super().__init__()
        self.tokens = tokens
        self.required_scope: str | None = None
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.messages: dict[str, Stored] = {}
            self.drafts: dict[str, str] = {}  # draft id -> message id
            self.labels: dict[str, dict[str, Any]] = {
                name: {
                    "id": name,
                    "name": name,
                    "type": "system",
                    "messageListVisibility": "hide",
                    "labelListVisibility": "labelHide",
                }
                for name in SYSTEM_LABELS
            }
            self.sent: list[Stored] = []
            self._ids = itertools.count(0x18C0A0B0C0D00001)
            self._label_ids = itertools.count(1)
            self._draft_ids = itertools.count(1)
            self.log.clear()

    # -- test set-up ----------------------------------------------------------------------

    def add_label(self, name: str) -> str:
        with self.lock:
            return self._new_label(name)

    def _new_label(self, name: str) -> str:
        label_id = f"Label_{next(self._label_ids)}"
        self.labels[label_id] = {
            "id": label_id,
            "name": name,
            "type": "user",
            "messageListVisibility": "show",
            "labelListVisibility": "labelShow",
        }
        return label_id

    def add_message(
        self,
        raw: bytes | Message,
        labels: list[str] | None = None,
        *,
        internal_s: float | None = None,
        thread_id: str | None = None,
    ) -> str:
        data = raw.as_bytes() if isinstance(raw, Message) else raw
        with self.lock:
            return self._store(data, labels or ["INBOX", "UNREAD"], internal_s, thread_id)

    def _store(
        self, data: bytes, labels: list[str], internal_s: float | None, thread_id: str | None
    ) -> str:
        msg_id = f"{next(self._ids):016x}"
        when = int((time.time() if internal_s is None else internal_s) * 1000)
        self.messages[msg_id] = Stored(msg_id, thread_id or msg_id, data, labels, when)
        return msg_id

    # -- dispatch -------------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        info = self.tokens.token_info(token)
        if info is None:
            return gmail_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
                "authError",
            )
        if self.required_scope and self.required_scope not in str(info.get("scope")).split():
            return gmail_error(
                403,
                "Request had insufficient authentication scopes.",
                "PERMISSION_DENIED",
                "insufficientPermissions",
            )
        prefix = "/gmail/v1/users/me/"
        if not req.path.startswith(prefix):
            return gmail_error(404, "Not Found", "NOT_FOUND")
        parts = req.path[len(prefix) :].split("/")
        query = {k: v for k, v in parse_qs(req.raw_query).items()}
        with self.lock:
            return self._route(req, parts, query)

    def _route(self, req: Request, parts: list[str], query: dict[str, list[str]]) -> Answer:
        head, rest = parts[0], parts[1:]
        method = req.method
        body = req.json if isinstance(req.json, dict) else {}
        if head == "profile" and method == "GET":
            return Answer(
                200,
                {
                    "emailAddress": OWNER,
                    "messagesTotal": len(self.messages),
                    "threadsTotal": len({m.thread_id for m in self.messages.values()}),
                    "historyId": "1000",
                },
            )
        if head == "labels":
            return self._labels(method, rest, body)
        if head == "messages":
            return self._messages(method, rest, body, query)
        if head == "threads":
            return self._threads(method, rest, body, query)
        if head == "drafts":
            return self._drafts(method, rest, body, query)
        return gmail_error(404, "Not Found", "NOT_FOUND")

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _first(query: dict[str, list[str]], name: str, default: str = "") -> str:
        return (query.get(name) or [default])[0]

    def _missing(self) -> Answer:
        return gmail_error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")

    def _bad_id(self, value: str) -> Answer | None:
        if not re.fullmatch(r"[0-9a-fA-F]+", value or ""):
            return gmail_error(400, "Invalid id value", "INVALID_ARGUMENT", "invalidArgument")
        return None

    def _page(
        self, rows: list[Any], query: dict[str, list[str]], key: str, default_size: int = 100
    ) -> Answer:
        token = self._first(query, "pageToken")
        start = 0
        if token:
            try:
                start = int(_unb64url(token).decode().removeprefix("offset:"))
            except ValueError:
                return gmail_error(400, "Invalid pageToken", "INVALID_ARGUMENT", "invalid")
        try:
            size = int(self._first(query, "maxResults", str(default_size)))
        except ValueError:
            return gmail_error(400, "Invalid value for maxResults", "INVALID_ARGUMENT")
        size = max(1, min(size, 500))
        chunk = rows[start : start + size]
        out: dict[str, Any] = {"resultSizeEstimate": len(rows)}
        if chunk:
            out[key] = chunk
        if start + size < len(rows):
            out["nextPageToken"] = _b64url(f"offset:{start + size}".encode()).rstrip("=")
        return Answer(200, out)

    def _label_named(self, name: str) -> str | None:
        for label in self.labels.values():
            if label["name"].lower() == name.lower() or label["id"].lower() == name.lower():
                return str(label["id"])
        return None

    def _matches(self, m: Stored, q: str) -> bool:
        for term in re.findall(r'(?:\S+:)?"[^"]*"|\S+', q):
            key, _, value = term.partition(":") if ":" in term else ("", "", term)
            value = value.strip('"').lower()
            if key == "from" and value not in m.header("from").lower():
                return False
            if key == "to" and value not in m.header("to").lower():
                return False
            if key == "subject" and value not in m.header("subject").lower():
                return False
            if key == "is":
                flag = {"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}
                if value == "read" and "UNREAD" in m.labels:
                    return False
                if value in flag and flag[value] not in m.labels:
                    return False
            if key in ("in", "label"):
                label_id = self._label_named(value)
                if label_id is None or label_id not in m.labels:
                    return False
            if key == "has" and value == "attachment" and not m.has_attachment():
                return False
            if key in ("after", "before"):
                moment = _when(value)
                if moment is None:
                    continue
                seconds = m.internal_ms / 1000
                if key == "after" and not seconds > moment:
                    return False
                if key == "before" and not seconds < moment:
                    return False
            if not key:
                haystack = f"{m.header('subject')} {m.text()}".lower()
                if value not in haystack:
                    return False
        return True

    def _listed(self, query: dict[str, list[str]]) -> list[Stored] | Answer:
        wanted = query.get("labelIds") or []
        for label in wanted:
            if label not in self.labels:
                return gmail_error(400, f"Invalid label: {label}", "INVALID_ARGUMENT", "invalid")
        spam_trash = self._first(query, "includeSpamTrash") == "true"
        q = self._first(query, "q")
        rows = [
            m
            for m in self.messages.values()
            if all(label in m.labels for label in wanted)
            and (spam_trash or not ({"SPAM", "TRASH"} & set(m.labels)))
            and self._matches(m, q)
        ]
        rows.sort(key=lambda m: (m.internal_ms, m.id), reverse=True)
        return rows

    def _modify(self, targets: list[Stored], body: dict[str, Any]) -> Answer | None:
        add = list(body.get("addLabelIds") or [])
        remove = list(body.get("removeLabelIds") or [])
        for label in add + remove:
            if label not in self.labels:
                return gmail_error(400, f"Invalid label: {label}", "INVALID_ARGUMENT", "invalid")
        for m in targets:
            m.labels = [x for x in m.labels if x not in remove]
            m.labels += [x for x in add if x not in m.labels]
        return None

    # -- messages -------------------------------------------------------------------------

    def _messages(
        self, method: str, rest: list[str], body: dict[str, Any], query: dict[str, list[str]]
    ) -> Answer:
        if not rest:
            if method != "GET":
                return gmail_error(405, "Method Not Allowed", "INVALID_ARGUMENT")
            rows = self._listed(query)
            if isinstance(rows, Answer):
                return rows
            return self._page(
                [{"id": m.id, "threadId": m.thread_id} for m in rows], query, "messages"
            )
        if rest == ["send"] and method == "POST":
            return self._send(body)
        bad = self._bad_id(rest[0])
        if bad:
            return bad
        m = self.messages.get(rest[0])
        if m is None:
            return self._missing()
        verb = rest[1] if len(rest) > 1 else ""
        if not verb and method == "GET":
            fmt = self._first(query, "format", "full")
            return Answer(200, m.as_format(fmt, query.get("metadataHeaders") or []))
        if not verb and method == "DELETE":
            del self.messages[m.id]
            return Answer(204, content=b"")
        if verb == "modify" and method == "POST":
            problem = self._modify([m], body)
            if problem:
                return problem
            return Answer(200, {"id": m.id, "threadId": m.thread_id, "labelIds": m.labels})
        if verb in ("trash", "untrash") and method == "POST":
            patch = {"addLabelIds": ["TRASH"]} if verb == "trash" else {"removeLabelIds": ["TRASH"]}
            self._modify([m], patch)
            return Answer(200, {"id": m.id, "threadId": m.thread_id, "labelIds": m.labels})
        return gmail_error(404, "Not Found", "NOT_FOUND")

    def _parse_raw(self, raw: Any) -> bytes | Answer:
        if not isinstance(raw, str) or not raw:
            return gmail_error(
                400,
                "'raw' RFC822 payload message string or uploading message via /upload/* URL "
                "required",
                "INVALID_ARGUMENT",
                "invalidArgument",
            )
        try:
            return _unb64url(raw)
        except ValueError:
            return gmail_error(400, "Invalid value for ByteString", "INVALID_ARGUMENT")

    def _send(self, body: dict[str, Any]) -> Answer:
        data = self._parse_raw(body.get("raw"))
        if isinstance(data, Answer):
            return data
        parsed = email.message_from_bytes(data, policy=default_policy)
        recipients = getaddresses([str(parsed.get(h) or "") for h in ("to", "cc", "bcc")])
        if not [a for _, a in recipients if a]:
            return gmail_error(
                400, "Recipient address required", "INVALID_ARGUMENT", "invalidArgument"
            )
        for _, address in recipients:
            if address and "@" not in address:
                return gmail_error(400, "Invalid To header", "INVALID_ARGUMENT", "invalidArgument")
        thread = str(body.get("threadId") or "")
        if thread and not any(m.thread_id == thread for m in self.messages.values()):
            return self._missing()
        msg_id = self._store(data, ["SENT"], None, thread or None)
        stored = self.messages[msg_id]
        self.sent.append(stored)
        return Answer(200, {"id": msg_id, "threadId": stored.thread_id, "labelIds": ["SENT"]})

    # -- threads --------------------------------------------------------------------------

    def _threads(
        self, method: str, rest: list[str], body: dict[str, Any], query: dict[str, list[str]]
    ) -> Answer:
        if not rest:
            rows = self._listed(query)
            if isinstance(rows, Answer):
                return rows
            seen: dict[str, Stored] = {}
            for m in rows:
                seen.setdefault(m.thread_id, m)
            threads = [
                {"id": tid, "snippet": m.snippet(), "historyId": m.minimal()["historyId"]}
                for tid, m in seen.items()
            ]
            return self._page(threads, query, "threads")
        bad = self._bad_id(rest[0])
        if bad:
            return bad
        members = sorted(
            (m for m in self.messages.values() if m.thread_id == rest[0]),
            key=lambda m: (m.internal_ms, m.id),
        )
        if not members:
            return self._missing()
        verb = rest[1] if len(rest) > 1 else ""
        if not verb and method == "GET":
            fmt = self._first(query, "format", "full")
            wanted = query.get("metadataHeaders") or []
            return Answer(
                200,
                {
                    "id": rest[0],
                    "historyId": members[-1].minimal()["historyId"],
                    "messages": [m.as_format(fmt, wanted) for m in members],
                },
            )
        if not verb and method == "DELETE":
            for m in members:
                del self.messages[m.id]
            return Answer(204, content=b"")
        if verb in ("modify", "trash", "untrash") and method == "POST":
            patch = body
            if verb == "trash":
                patch = {"addLabelIds": ["TRASH"]}
            elif verb == "untrash":
                patch = {"removeLabelIds": ["TRASH"]}
            problem = self._modify(members, patch)
            if problem:
                return problem
            return Answer(
                200,
                {
                    "id": rest[0],
                    "messages": [
                        {"id": m.id, "threadId": m.thread_id, "labelIds": m.labels} for m in members
                    ],
                },
            )
        return gmail_error(404, "Not Found", "NOT_FOUND")

    # -- drafts ---------------------------------------------------------------------------

    def _drafts(
        self, method: str, rest: list[str], body: dict[str, Any], query: dict[str, list[str]]
    ) -> Answer:
        if not rest and method == "POST":
            message = body.get("message") if isinstance(body.get("message"), dict) else {}
            data = self._parse_raw((message or {}).get("raw"))
            if isinstance(data, Answer):
                return data
            thread = str((message or {}).get("threadId") or "") or None
            msg_id = self._store(data, ["DRAFT"], None, thread)
            draft_id = f"r{next(self._draft_ids):019d}"
            self.drafts[draft_id] = msg_id
            stored = self.messages[msg_id]
            return Answer(
                200,
                {
                    "id": draft_id,
                    "message": {"id": msg_id, "threadId": stored.thread_id, "labelIds": ["DRAFT"]},
                },
            )
        if not rest and method == "GET":
            rows = [
                {"id": d, "message": {"id": mid, "threadId": self.messages[mid].thread_id}}
                for d, mid in sorted(self.drafts.items(), reverse=True)
                if mid in self.messages
            ]
            return self._page(rows, query, "drafts")
        if not rest:
            return gmail_error(405, "Method Not Allowed", "INVALID_ARGUMENT")
        found = self.drafts.get(rest[0])
        if found is None or found not in self.messages:
            return self._missing()
        msg_id = found
        if method == "GET":
            fmt = self._first(query, "format", "full")
            return Answer(200, {"id": rest[0], "message": self.messages[msg_id].as_format(fmt, [])})
        if method == "DELETE":
            del self.drafts[rest[0]]
            del self.messages[msg_id]
            return Answer(204, content=b"")
        return gmail_error(404, "Not Found", "NOT_FOUND")

    # -- labels ---------------------------------------------------------------------------

    def _labels(self, method: str, rest: list[str], body: dict[str, Any]) -> Answer:
        if not rest and method == "GET":
            return Answer(200, {"labels": list(self.labels.values())})
        if not rest and method == "POST":
            name = str(body.get("name") or "")
            if not name:
                return gmail_error(400, "Invalid label name", "INVALID_ARGUMENT", "invalidArgument")
            if any(label["name"].lower() == name.lower() for label in self.labels.values()):
                return gmail_error(
                    409, "Label name exists or conflicts", "ALREADY_EXISTS", "duplicate"
                )
            label_id = self._new_label(name)
            label = self.labels[label_id]
            for key in ("labelListVisibility", "messageListVisibility"):
                if body.get(key):
                    label[key] = body[key]
            return Answer(200, label)
        known = self.labels.get(rest[0]) if rest else None
        if known is None:
            return self._missing()
        label = known
        if method == "GET":
            total = [m for m in self.messages.values() if label["id"] in m.labels]
            return Answer(
                200,
                {
                    **label,
                    "messagesTotal": len(total),
                    "messagesUnread": len([m for m in total if "UNREAD" in m.labels]),
                },
            )
        if method == "DELETE":
            if label["type"] == "system":
                return gmail_error(
                    400, "Invalid delete request", "INVALID_ARGUMENT", "invalidArgument"
                )
            del self.labels[rest[0]]
            for m in self.messages.values():
                m.labels = [x for x in m.labels if x != rest[0]]
            return Answer(204, content=b"")
        return gmail_error(404, "Not Found", "NOT_FOUND")
