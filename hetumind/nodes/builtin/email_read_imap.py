"""Email Trigger (IMAP) (n8n's emailReadImap, versions 1 to 2.2) as a polling trigger.

n8n keeps an IMAP connection open and reacts to new mail; Hetumind polls the mailbox
(every minute unless `pollTimes` says otherwise, see hetumind.nodes.polling) with the same
search: options.customEmailConfig (node-imap criteria as JSON, default `["UNSEEN"]`) plus
`UID <lastMessageUid>:*`, skipping what the node already returned (`lastMessageUid` in its
static data, as n8n). postProcessAction `read` marks returned mails as seen. Formats:
`simple` (textHtml, textPlain, cc/date/from/subject/to on top, other headers in metadata,
attachments with downloadAttachments), `resolved` (a mailparser-like object: headers, html,
text, textAsHtml, subject, date, from/to/cc/replyTo address objects, messageId; every
attachment as binary) and `raw` (the body text). A manual run returns what the search
finds now without marking or remembering anything.
"""

from __future__ import annotations

import email
import html
import imaplib
import json
import socket
import ssl
from collections.abc import Mapping
from email.message import Message
from email.policy import default as default_policy
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from hetumind.binary import put_binary
from hetumind.errors import NodeExecutionError
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._protocol import as_mapping, credential, pinned
from hetumind.nodes.polling import PollingTrigger

TOP_LEVEL = ("cc", "date", "from", "subject", "to")
TIMEOUT_S = 20.0


class EmailReadImapParams(NodeParams):
    mailbox: str = "INBOX"


class ImapFailed(Exception):
    """The server refused a command or the login."""


@node(
    "emailReadImap",
    versions=[1, 2, 2.1, 2.2],
    display_name="Email Trigger (IMAP)",
    description="Triggers the workflow when a new email is received",
    inputs=0,
    trigger=True,
    params=EmailReadImapParams,
    trigger_kind="polling",
    fusible=False,
)
class EmailReadImap(PollingTrigger):
    """Polls an IMAP mailbox and emits the new emails."""

    polls_binary = True

    def poll(self, ctx: NodeContext, *, manual: bool) -> list[dict[str, Any]] | None:
        """New mails as n8n-shaped items ({"json", "binary"})."""
        try:
            return _poll(ctx, manual)
        except (ImapFailed, imaplib.IMAP4.error, OSError) as exc:
            raise NodeExecutionError(_describe(exc), node=ctx.node_name) from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return f"connect ECONNREFUSED {exc.filename or ''}".strip()
    text = exc.args[0] if exc.args else str(exc)
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)


def _client(ctx: NodeContext, cred: Mapping[str, Any], options: Mapping[str, Any]) -> imaplib.IMAP4:
    host = str(cred.get("host") or "")
    secure = cred.get("secure", True) is not False
    port = int(cred.get("port") or (993 if secure else 143))
    address = pinned(ctx, host, port)

    def create_socket(self: imaplib.IMAP4, timeout: float | None) -> socket.socket:
        # connect to the checked address; TLS still checks the certificate against `host`
        sock = socket.create_connection((address, port), timeout)
        if secure:
            return context.wrap_socket(sock, server_hostname=host)
        return sock

    context = ssl.create_default_context()
    if options.get("allowUnauthorizedCerts") or cred.get("allowUnauthorizedCerts"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    pinned_class = type("PinnedIMAP4", (imaplib.IMAP4,), {"_create_socket": create_socket})
    try:
        client: imaplib.IMAP4 = pinned_class(host, port, timeout=TIMEOUT_S)
    except ConnectionRefusedError:
        raise ImapFailed(f"connect ECONNREFUSED {address}:{port}") from None
    try:
        client.login(str(cred.get("user") or ""), str(cred.get("password") or ""))
    except imaplib.IMAP4.error as exc:
        client.shutdown()
        raise ImapFailed(_describe(exc)) from None
    return client


def _criteria(raw: Any) -> list[Any]:
    if raw is None or raw == "":
        return ["UNSEEN"]
    if isinstance(raw, list):
        return list(raw)
    try:
        parsed = json.loads(str(raw))
    except ValueError:
        raise ImapFailed("Custom email config is not valid JSON.") from None
    if not isinstance(parsed, list):
        raise ImapFailed("Custom email config must be a JSON array of search criteria.")
    return parsed


def _quote(value: Any) -> str:
    text = js_string(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _search_text(criteria: list[Any]) -> str:
    """node-imap criteria (`"UNSEEN"`, `["SINCE", "May 20, 2024"]`, `["UID", "5:*"]`) as an
    IMAP SEARCH query."""
    parts: list[str] = []
    for criterion in criteria:
        if isinstance(criterion, list) and criterion:
            key = str(criterion[0]).upper()
            values = criterion[1:]
            if key in ("UID",):
                parts.append(f"UID {js_string(values[0])}")
            elif key in ("SINCE", "BEFORE", "ON", "SENTSINCE", "SENTBEFORE", "SENTON"):
                parts.append(f"{key} {_imap_date(values[0])}")
            elif key == "HEADER":
                parts.append(f"HEADER {_quote(values[0])} {_quote(values[1])}")
            else:
                parts.append(" ".join([key, *(_quote(v) for v in values)]))
        else:
            parts.append(str(criterion).upper())
    return " ".join(parts) or "ALL"


def _imap_date(value: Any) -> str:
    from datetime import datetime

    text = js_string(value)
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d", "%B %d, %Y", "%d-%b-%Y"):
        try:
            return datetime.strptime(text, fmt).strftime("%d-%b-%Y")
        except ValueError:
            continue
    raise ImapFailed(f"cannot read the date {text!r} in the search criteria")


def _ok(response: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = response
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise ImapFailed(f"{what} failed: {detail}")
    return data


def _poll(ctx: NodeContext, manual: bool) -> list[dict[str, Any]] | None:
    cred = credential(ctx, "imap")
    options = as_mapping(ctx.param("options", 0, {}))
    mailbox = js_string(ctx.param("mailbox", 0, "INBOX") or "INBOX")
    mark_read = ctx.param("postProcessAction", 0, "read") == "read"
    fmt = str(ctx.param("format", 0, "simple"))
    state = ctx.static_data("node")
    last = state.get("lastMessageUid")
    criteria = _criteria(options.get("customEmailConfig"))
    if isinstance(last, int) and not manual:
        criteria.append(["UID", f"{last}:*"])
    client = _client(ctx, cred, options)
    try:
        _ok(client.select(_quote(mailbox)), f'Opening mailbox "{mailbox}"')
        found = _ok(client.uid("SEARCH", _search_text(criteria)), "Search")
        uids = sorted(int(u) for u in b" ".join(found).split()) if found and found[0] else []
        items: list[dict[str, Any]] = []
        processed: list[int] = []
        for uid in uids:
            if isinstance(last, int) and uid <= last and not manual:
                continue
            data = _ok(client.uid("FETCH", str(uid), "(BODY.PEEK[])"), "Fetch")
            raw = next((d[1] for d in data if isinstance(d, tuple)), None)
            if raw is None:
                continue
            items.append(_item(ctx, fmt, uid, bytes(raw)))
            processed.append(uid)
        if processed and not manual:
            if mark_read:
                uid_set = ",".join(str(u) for u in processed)
                _ok(client.uid("STORE", uid_set, "+FLAGS", "(\\Seen)"), "Marking as read")
            state["lastMessageUid"] = max(processed + ([last] if isinstance(last, int) else []))
        return items or None
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            client.shutdown()


def _text_part(message: Message, subtype: str) -> str:
    for part in message.walk():
        if part.get_content_maintype() == "text" and part.get_content_subtype() == subtype:
            if part.get_content_disposition() == "attachment":
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def _attachments(message: Message, prefix: str) -> dict[str, Any]:
    binary: dict[str, Any] = {}
    for part in message.walk():
        if part.get_content_disposition() != "attachment":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        binary[f"{prefix}{len(binary)}"] = put_binary(
            payload, mime_type=part.get_content_type(), file_name=part.get_filename()
        )
    return binary


def _addresses(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    found = [{"address": a, "name": n} for n, a in getaddresses([value])]
    text = ", ".join(
        f'"{e["name"]}" <{e["address"]}>' if e["name"] else e["address"] for e in found
    )
    return {"value": found, "html": html.escape(text), "text": text}


def _item(ctx: NodeContext, fmt: str, uid: int, raw: bytes) -> dict[str, Any]:
    message = email.message_from_bytes(raw, policy=default_policy)
    version = ctx.type_version
    if fmt == "raw":
        _, _, body = raw.partition(b"\r\n\r\n")
        return {"json": {"raw": body.decode(errors="replace")}}
    prefix = js_string(ctx.param("dataPropertyAttachmentsPrefixName", 0, "attachment_"))
    if fmt == "resolved":
        text = _text_part(message, "plain")
        page = _text_part(message, "html")
        json_out: dict[str, Any] = {
            "headers": {k.lower(): f"{k}: {v}" for k, v in message.items()},
            "html": page or False,
            "text": text,
            "textAsHtml": "<p>" + html.escape(text).replace("\n", "<br/>") + "</p>" if text else "",
            "subject": message.get("subject"),
            "date": _iso(message.get("date")),
            "messageId": message.get("message-id"),
        }
        for name, key in (("from", "from"), ("to", "to"), ("cc", "cc"), ("reply-to", "replyTo")):
            parsed = _addresses(message.get(name))
            if parsed is not None:
                json_out[key] = parsed
        if version >= 2:
            json_out["attributes"] = {"uid": uid}
        binary = _attachments(message, prefix)
        return {"json": json_out, **({"binary": binary} if binary else {})}
    json_out = {
        "textHtml": _text_part(message, "html"),
        "textPlain": _text_part(message, "plain"),
        "metadata": {},
    }
    if version >= 2:
        json_out["attributes"] = {"uid": uid}
    for name, value in message.items():
        key = name.lower()
        if key in TOP_LEVEL:
            json_out.setdefault(key, str(value))
        else:
            json_out["metadata"].setdefault(key, str(value))
    item: dict[str, Any] = {"json": json_out}
    if ctx.param("downloadAttachments", 0, False):
        binary = _attachments(message, prefix)
        if binary:
            item["binary"] = binary
    return item


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.astimezone().isoformat(timespec="milliseconds")
