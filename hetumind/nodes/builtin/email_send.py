"""Send Email (n8n's emailSend, versions 1, 2 and 2.1): one message per item over SMTP.

The `smtp` credential is n8n's: host, port, secure (TLS from the first byte, port 465),
user, password, disableStartTls, hostName (the EHLO name). Without `secure` the client
upgrades with STARTTLS when the server offers it, as nodemailer does. The output item is
what nodemailer's `sendMail` reports: accepted and rejected recipients, the server's last
response, the envelope and the Message-ID.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._files import binary_entry, entry_bytes
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.builtin._protocol import as_mapping, credential, pinned
from hetumind.nodes.item_wise import map_items

ATTRIBUTION = "This email was sent automatically with "
TIMEOUT_S = 60.0


class EmailSendParams(NodeParams):
    fromEmail: str = ""
    toEmail: str = ""


class SendFailed(Exception):
    """The SMTP exchange failed; the message is nodemailer's kind of text."""


class _PinnedSMTP(smtplib.SMTP):
    """Connects to a checked address while TLS checks the certificate against the name."""

    address: str | None = None

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return super()._get_socket(self.address or host, port, timeout)  # type: ignore[misc]


class _PinnedSMTPSSL(_PinnedSMTP, smtplib.SMTP_SSL):
    pass


@node(
    "emailSend",
    versions=[1, 2, 2.1],
    display_name="Send Email",
    params=EmailSendParams,
    fusible=False,
)
class EmailSend(Node):
    """Sends an email per item through an SMTP server."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()

        def step(i: int, _row: dict[str, Any]) -> tuple[dict[str, Any], None]:
            return self._send(ctx, batch, i), None

        failures = (SendFailed, HetumindError, OSError, smtplib.SMTPException)
        return [map_items(ctx, batch, step, failures=failures, describe=_describe)]

    def _send(self, ctx: NodeContext, batch: ItemBatch, i: int) -> dict[str, Any]:
        version = ctx.type_version
        if version >= 2:
            operation = str(ctx.param("operation", i, "send"))
            if operation != "send":
                raise SendFailed(f'The operation "{operation}" is not supported!')
        options = dict(as_mapping(ctx.param("options", i, {})))
        msg = EmailMessage()
        sender = js_string(ctx.param("fromEmail", i, ""))
        to = js_string(ctx.param("toEmail", i, ""))
        if version < 2:
            cc = js_string(ctx.param("ccEmail", i, "") or "")
            bcc = js_string(ctx.param("bccEmail", i, "") or "")
            text = js_string(ctx.param("text", i, "") or "")
            html = js_string(ctx.param("html", i, "") or "")
            attachments = js_string(ctx.param("attachments", i, "") or "")
        else:
            cc = js_string(options.get("ccEmail") or "")
            bcc = js_string(options.get("bccEmail") or "")
            text, html = _bodies(ctx, i, version, options)
            attachments = js_string(options.get("attachments") or "")
        if not to.strip():
            raise SendFailed("No recipients defined")
        msg["From"] = sender
        msg["To"] = to
        if cc:
            msg["Cc"] = cc
        if options.get("replyTo"):
            msg["Reply-To"] = js_string(options["replyTo"])
        msg["Subject"] = js_string(ctx.param("subject", i, "") or "")
        sender_address = _addresses(sender)[:1] or [""]
        msg["Message-ID"] = make_msgid(domain=sender_address[0].rpartition("@")[2] or None)
        if html and text:
            msg.set_content(text)
            msg.add_alternative(html, subtype="html")
        elif html:
            msg.set_content(html, subtype="html")
        else:
            msg.set_content(text)
        if attachments and batch.binary is not None and batch.binary[i]:
            _attach(msg, batch, i, attachments, strict=version >= 2)
        recipients = _addresses(to) + _addresses(cc) + _addresses(bcc)
        smtp = credential(ctx, "smtp")
        return _deliver(ctx, smtp, options, msg, sender_address[0], recipients)


def _bodies(
    ctx: NodeContext, i: int, version: float, options: Mapping[str, Any]
) -> tuple[str, str]:
    """Text and HTML of a v2 message, with n8n's attribution (on by default from 2.1)."""
    fmt = str(ctx.param("emailFormat", i, "text" if version == 2 else "html"))
    text = js_string(ctx.param("text", i, "") or "") if fmt in ("text", "both") else ""
    html = js_string(ctx.param("html", i, "") or "") if fmt in ("html", "both") else ""
    append = options.get("appendAttribution")
    if append is None:
        append = version >= 2.1
    if append:
        if fmt == "html" or (fmt == "both" and html):
            link = "https://n8n.io/?utm_source=n8n-internal&utm_medium=powered_by"
            html = f'{html}<br><br>---<br><em>{ATTRIBUTION}<a href="{link}">n8n</a></em>'
        else:
            text = f"{text}\n\n---\n{ATTRIBUTION}n8n\nhttps://n8n.io"
    return text, html


def _attach(msg: EmailMessage, batch: ItemBatch, i: int, names: str, *, strict: bool) -> None:
    """Binary properties as attachments; v2 refuses a missing one, v1 skips it."""
    binary = batch.binary[i] if batch.binary is not None else None
    for prop in (p.strip() for p in names.split(",")):
        if not prop:
            continue
        if not strict and (not binary or prop not in binary):
            continue
        entry = binary_entry(batch, i, prop)
        data = entry_bytes(entry, prop)
        maintype, _, subtype = str(entry.get("mimeType") or "application/octet-stream").partition(
            "/"
        )
        msg.add_attachment(
            data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=str(entry.get("fileName") or "unknown"),
            cid=f"<{prop}>" if strict else None,
        )


def _addresses(field: str) -> list[str]:
    return [address for _, address in getaddresses([field]) if address]


def _tls_context(options: Mapping[str, Any]) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if options.get("allowUnauthorizedCerts") is True:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _deliver(
    ctx: NodeContext,
    smtp: Mapping[str, Any],
    options: Mapping[str, Any],
    msg: EmailMessage,
    sender: str,
    recipients: list[str],
) -> dict[str, Any]:
    host = str(smtp.get("host") or "")
    secure = smtp.get("secure", True) is not False
    port = int(smtp.get("port") or (465 if secure else 587))
    address = pinned(ctx, host, port)
    context = _tls_context(options)
    client: _PinnedSMTP
    if secure:
        client = _PinnedSMTPSSL(timeout=TIMEOUT_S, context=context)
    else:
        client = _PinnedSMTP(timeout=TIMEOUT_S)
    client.address = address
    ehlo_name = str(smtp.get("hostName") or "")
    started = time.monotonic()
    try:
        try:
            client.connect(host, port)
        except OSError as exc:
            raise SendFailed(f"connect {_errno_name(exc)} {address}:{port}") from None
        client.ehlo(ehlo_name)
        if not secure and not smtp.get("disableStartTls") and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo(ehlo_name)
        ehlo = [line for line in (client.ehlo_resp or b"").decode().splitlines()[1:]]
        if smtp.get("user") or smtp.get("password"):
            try:
                client.login(str(smtp.get("user") or ""), str(smtp.get("password") or ""))
            except smtplib.SMTPAuthenticationError as exc:
                raise SendFailed(
                    f"Invalid login: {exc.smtp_code} {_text(exc.smtp_error)}"
                ) from None
            except smtplib.SMTPNotSupportedError:
                raise SendFailed("Authentication is not offered by the server") from None
        code, reply = client.mail(sender)
        if code != 250:
            raise SendFailed(f"Mail command failed: {code} {_text(reply)}")
        accepted: list[str] = []
        rejected: list[str] = []
        last = ""
        for rcpt in recipients:
            code, reply = client.rcpt(rcpt)
            (accepted if code in (250, 251) else rejected).append(rcpt)
            last = f"{code} {_text(reply)}"
        if not accepted:
            raise SendFailed(f"Can't send mail - all recipients were rejected: {last}")
        envelope_ms = int((time.monotonic() - started) * 1000)
        body = msg.as_bytes()
        code, reply = client.data(body)
        if code != 250:
            raise SendFailed(f"Message failed: {code} {_text(reply)}")
        return {
            "accepted": accepted,
            "rejected": rejected,
            "ehlo": ehlo,
            "envelopeTime": envelope_ms,
            "messageTime": int((time.monotonic() - started) * 1000) - envelope_ms,
            "messageSize": len(body),
            "response": f"{code} {_text(reply)}",
            "envelope": {"from": sender, "to": recipients},
            "messageId": str(msg["Message-ID"]),
        }
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _errno_name(exc: OSError) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "ETIMEDOUT"
    if isinstance(exc, ConnectionRefusedError):
        return "ECONNREFUSED"
    return type(exc).__name__


def _describe(exc: BaseException) -> str:
    if isinstance(exc, NodeExecutionError):
        return exc.reason
    if isinstance(exc, HetumindError):
        return exc.message
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


EmailSendTool = as_tool(EmailSend)
"""n8n's Send Email as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
