"""MIME for the Gmail nodes: messages built as nodemailer builds n8n's (RFC 2822 with
Python's email package, base64url as Gmail's `raw` wants), and raw messages read into
the fields mailparser's simpleParser gives n8n (text, html, textAsHtml, subject, date,
address objects, messageId, headers as `{name: "Name: value"}`), attachments apart."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import formatdate, getaddresses, make_msgid, parsedate_to_datetime
from typing import Any

__all__ = ["Attachment", "Email", "encode_email", "parse_raw"]


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    mime_type: str


@dataclass
class Email:
    """n8n's IEmail: address fields are comma-separated lists ("<a@b.c>, Name <d@e.f>")."""

    subject: str = ""
    body: str = ""
    html_body: str = ""
    sender: str = ""
    to: str = ""
    cc: str = ""
    bcc: str = ""
    reply_to: str = ""
    in_reply_to: str = ""
    references: str = ""
    attachments: Sequence[Attachment] = field(default_factory=list)


def _addresses(value: str) -> str:
    """A header value from n8n's "<a@b.c>, " lists (trailing separators dropped)."""
    pairs = [(n, a) for n, a in getaddresses([value]) if a]
    return ", ".join(f"{n} <{a}>" if n else a for n, a in pairs)


def build_message(mail: Email, *, domain: str = "gmail.hetumind") -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    if mail.sender:
        msg["From"] = _addresses(mail.sender) or mail.sender
    for header, value in (
        ("To", mail.to),
        ("Cc", mail.cc),
        ("Bcc", mail.bcc),  # kept, as n8n's keepBcc: Gmail reads and drops it
        ("Reply-To", mail.reply_to),
    ):
        if value and _addresses(value):
            msg[header] = _addresses(value)
    msg["Subject"] = mail.subject
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = mail.references
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    if mail.body and mail.html_body:
        msg.set_content(mail.body)
        msg.add_alternative(mail.html_body, subtype="html")
    elif mail.html_body:
        msg.set_content(mail.html_body, subtype="html")
    else:
        msg.set_content(mail.body)
    for attachment in mail.attachments:
        maintype, _, subtype = (attachment.mime_type or "application/octet-stream").partition("/")
        msg.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.name,
        )
    return msg


def encode_email(mail: Email) -> str:
    """The message as Gmail's `raw`: base64url of the RFC 2822 bytes (n8n keeps padding)."""
    return base64.urlsafe_b64encode(build_message(mail).as_bytes()).decode()


# -- reading ------------------------------------------------------------------------------


def _decode_raw(raw: str) -> bytes:
    text = raw.strip().replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _address_object(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    found = [{"address": a, "name": n} for n, a in getaddresses([str(value)]) if a or n]
    text = ", ".join(
        f'"{e["name"]}" <{e["address"]}>' if e["name"] else e["address"] for e in found
    )
    parts = [
        f'<span class="mp_address_group"><span class="mp_address_name">{html.escape(e["name"])}'
        f'</span> &lt;<a href="mailto:{html.escape(e["address"])}" class="mp_address_email">'
        f"{html.escape(e['address'])}</a>&gt;</span>"
        if e["name"]
        else f'<span class="mp_address_group"><a href="mailto:{html.escape(e["address"])}" '
        f'class="mp_address_email">{html.escape(e["address"])}</a></span>'
        for e in found
    ]
    return {"value": found, "html": ", ".join(parts), "text": text}


def _body(message: Message, subtype: str) -> str | None:
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return None


def _text_as_html(text: str) -> str:
    paragraphs = [p for p in re.split(r"\r?\n\s*\r?\n", text.strip()) if p]
    return "".join(
        "<p>" + html.escape(p).replace("\r\n", "\n").replace("\n", "<br/>") + "</p>"
        for p in paragraphs
    )


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_raw(raw: str) -> tuple[dict[str, Any], list[Attachment]]:
    """simpleParser's fields of a Gmail `raw` message, and its attachments."""
    data = _decode_raw(raw)
    message = message_from_bytes(data, policy=default_policy)
    out: dict[str, Any] = {}
    text = _body(message, "plain")
    page = _body(message, "html")
    out["html"] = page if page is not None else False
    if text is not None:
        out["text"] = text
        out["textAsHtml"] = _text_as_html(text)
    elif page is not None:
        plain = re.sub(r"<[^>]+>", " ", page)
        out["text"] = html.unescape(" ".join(plain.split()))
    out["subject"] = str(message.get("subject") or "") if message.get("subject") else None
    date = _iso(message.get("date"))
    if date:
        out["date"] = date
    for header, key in (
        ("from", "from"),
        ("to", "to"),
        ("cc", "cc"),
        ("bcc", "bcc"),
        ("reply-to", "replyTo"),
    ):
        parsed = _address_object(message.get(header))
        if parsed is not None:
            out[key] = parsed
    if message.get("message-id"):
        out["messageId"] = str(message["message-id"])
    if message.get("in-reply-to"):
        out["inReplyTo"] = str(message["in-reply-to"])
    if message.get("references"):
        refs = str(message["references"]).split()
        out["references"] = refs[0] if len(refs) == 1 else refs
    out = {k: v for k, v in out.items() if v is not None}
    out["headers"] = {name.lower(): f"{name}: {value}" for name, value in message.items()}
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() != "attachment" and not part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append(
                Attachment(part.get_filename() or "attachment", payload, part.get_content_type())
            )
    return out, attachments
