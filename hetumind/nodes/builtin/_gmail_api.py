"""What the Gmail node and the Gmail Trigger share (n8n's Gmail GenericFunctions): the
Gmail v1 service on the kit (gmailOAuth2 or a googleApi service account with n8n's Gmail
scopes), n8n's error texts, page-token paging, the search query built from `filters`,
recipient lists, message bodies with the n8n attribution, attachments from binary data,
and the simple and raw output shapes."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hetumind.binary import BinaryDataError, put_binary, read_binary
from hetumind.errors import NodeExecutionError
from hetumind.integrations import Params, ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.google.auth import google_service
from hetumind.nodes.builtin._gmail_mime import Attachment, parse_raw

__all__ = [
    "GMAIL",
    "METADATA_HEADERS",
    "Gmail",
    "attachments_from",
    "email_body",
    "emails_input",
    "prepare_query",
    "raw_item",
    "unescape_snippet",
]

GMAIL = dataclasses.replace(
    google_service(
        "Gmail",
        "https://www.googleapis.com",
        "gmailOAuth2",
        [
            "https://www.googleapis.com/auth/gmail.labels",
            "https://www.googleapis.com/auth/gmail.addons.current.action.compose",
            "https://www.googleapis.com/auth/gmail.addons.current.message.action",
            "https://mail.google.com/",
            "https://www.googleapis.com/auth/gmail.modify",
            "https://www.googleapis.com/auth/gmail.compose",
        ],
    ),
    array_format="repeat",  # metadataHeaders=From&metadataHeaders=To, as n8n sends
)
METADATA_HEADERS = ["From", "To", "Cc", "Bcc", "Subject"]
ATTRIBUTION = "This email was sent automatically with "
_ATTRIBUTION_LINK = (
    "https://n8n.io/?utm_source=n8n-internal&utm_medium=powered_by"
    "&utm_campaign=n8n-nodes-base.gmail"
)


class Gmail:
    """One node run's Gmail calls, with n8n's googleApiRequest error texts."""

    def __init__(self, client: ServiceClient, resource: str = "message") -> None:
        self.client = client
        self.resource = resource

    def call(
        self,
        method: str,
        path: str,
        *,
        qs: Mapping[str, Any] | None = None,
        body: Any = None,
        item: int | None = None,
    ) -> Any:
        try:
            return self.client.request(
                method, f"gmail/v1/users/me/{path}", qs=qs, body=body, item_index=item
            )
        except NodeApiError as exc:
            raise self._explain(exc) from None

    def _explain(self, exc: NodeApiError) -> NodeApiError:
        resource = self.resource
        code, said = exc.http_code, exc.description or ""

        def again(message: str, description: str | None) -> NodeApiError:
            return NodeApiError(
                message,
                node=exc.node,
                item_index=exc.item_index,
                http_code=code,
                description=description,
            )

        if code == 400 and "Invalid id value" in said:
            return again(
                f"Invalid {resource} ID",
                f"{resource[:1].upper()}{resource[1:]} IDs should look something like this: "
                "182b676d244938bd",
            )
        if code == 404:
            name = "label ID" if resource == "label" else resource
            return again(f"{name[:1].upper()}{name[1:]} not found", said or None)
        if code == 409 and resource == "label":
            return again("Label name exists already", said or None)
        if code == 400 and said:
            return again(said, None)
        return exc

    def all_items(
        self, key: str, path: str, qs: Mapping[str, Any], item: int | None = None
    ) -> list[Any]:
        """n8n's googleApiRequestAllItems: maxResults 100, pageToken until none."""
        query = {**qs, "maxResults": 100}
        out: list[Any] = []
        seen: set[str] = set()
        while True:
            answer = self.call("GET", path, qs=query, item=item) or {}
            out.extend(answer.get(key) or [])
            token = answer.get("nextPageToken")
            if not token:
                return out
            if token in seen or len(seen) >= 10_000:
                raise NodeExecutionError(
                    f"Gmail sent the page token {token!r} twice; stopping", node=self.node
                )
            seen.add(token)
            query["pageToken"] = token

    @property
    def node(self) -> str:
        return self.client.ctx.node_name

    def labels(self) -> list[dict[str, Any]]:
        cached = self.client.cache.get("gmail.labels")
        if cached is None:
            answer = self.call("GET", "labels") or {}
            cached = [
                {"id": label.get("id"), "name": label.get("name")}
                for label in answer.get("labels") or []
            ]
            self.client.cache["gmail.labels"] = cached
        return list(cached)

    def profile_address(self, item: int | None = None) -> str:
        cached = self.client.cache.get("gmail.profile")
        if cached is None:
            cached = str((self.call("GET", "profile", item=item) or {}).get("emailAddress") or "")
            self.client.cache["gmail.profile"] = cached
        return str(cached)

    def simplify(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """n8n's simplifyOutput: labels by name instead of labelIds, headers as keys."""
        labels = self.labels()
        out: list[dict[str, Any]] = []
        for message in messages or []:
            item = dict(message)
            if item.get("labelIds"):
                ids = list(item["labelIds"])
                item["labels"] = [label for label in labels if label["id"] in ids]
                del item["labelIds"]
            payload = item.get("payload")
            if isinstance(payload, Mapping) and payload.get("headers"):
                for header in payload.get("headers") or []:
                    item[str(header.get("name"))] = header.get("value")
                item["payload"] = {k: v for k, v in payload.items() if k != "headers"}
            out.append(item)
        return out

    def message(self, path: str, simple: bool, item: int | None = None) -> dict[str, Any]:
        qs: dict[str, Any] = (
            {"format": "metadata", "metadataHeaders": METADATA_HEADERS}
            if simple
            else {"format": "raw"}
        )
        return dict(self.call("GET", path, qs=qs, item=item) or {})


def message_path(message_id: Any) -> str:
    return f"messages/{quote(str(message_id), safe='')}"


def unescape_snippet(item: dict[str, Any]) -> dict[str, Any]:
    snippet = item.get("snippet")
    if isinstance(snippet, str) and snippet:
        for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&#39;", "'"), ("&quot;", '"')):
            snippet = snippet.replace(entity, char)
        item["snippet"] = snippet.replace("&amp;", "&")
    return item


def raw_item(
    message: Mapping[str, Any], prefix: str, download: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """n8n's parseRawEmail: Gmail's id, threadId, labelIds, sizeEstimate and the parsed
    mail; attachments as binary `<prefix><n>` when `download`."""
    parsed, attachments = parse_raw(str(message.get("raw") or ""))
    out: dict[str, Any] = {
        key: message.get(key) for key in ("id", "threadId", "labelIds", "sizeEstimate")
    }
    out.update(parsed)
    binary: dict[str, Any] = {}
    if download:
        for index, attachment in enumerate(attachments):
            binary[f"{prefix}{index}"] = put_binary(
                attachment.content, mime_type=attachment.mime_type, file_name=attachment.name
            )
    return {k: v for k, v in out.items() if v is not None}, binary or None


def emails_input(p: Params, value: Any, field_name: str) -> str:
    """n8n's prepareEmailsInput: every entry needs an @; plain ones are bracketed."""
    out = ""
    for entry in str(value or "").split(","):
        address = entry.strip()
        if "@" not in address:
            raise NodeExecutionError(
                f"Invalid email address: The email address '{address}' in the '{field_name}' "
                "field isn't valid",
                node=p.ctx.node_name,
                item_index=p.index,
            )
        out += f"{address}," if "<" in address and ">" in address else f"<{address}>, "
    return out


def email_body(p: Params, email_type: str, attribution: bool) -> tuple[str, str]:
    """(text, html) of the item's `message` (trimmed), with n8n's attribution."""
    message = str(p.get("message", "") or "").strip()
    if attribution:
        if email_type == "html":
            message = (
                f'{message}<br><br>---<br><em>{ATTRIBUTION}<a href="{_ATTRIBUTION_LINK}" '
                'target="_blank">n8n</a></em>'
            )
        else:
            message = f"{message}\n\n---\n{ATTRIBUTION}n8n\nhttps://n8n.io"
    return ("", message) if email_type == "html" else (message, "")


def attachments_from(p: Params, ui: Any) -> list[Attachment]:
    """Binary properties named by `attachmentsUi.attachmentsBinary[].property`
    (comma-separated) as attachments."""
    entries = (ui or {}).get("attachmentsBinary") if isinstance(ui, Mapping) else None
    if isinstance(entries, Mapping):
        entries = [entries]
    out: list[Attachment] = []
    for entry in entries or []:
        for name in str((entry or {}).get("property") or "").split(","):
            name = name.strip()
            if not name:
                continue
            binary = p.binary.get(name)
            if not isinstance(binary, Mapping):
                raise NodeExecutionError(
                    f"This operation expects the node's input data to contain a binary file "
                    f"'{name}', but none was found",
                    node=p.ctx.node_name,
                    item_index=p.index,
                )
            try:
                data = read_binary(binary, where=f"binary field '{name}'")
            except BinaryDataError as exc:
                raise NodeExecutionError(
                    f"Attachment not found: {exc.message}",
                    node=p.ctx.node_name,
                    item_index=p.index,
                ) from None
            out.append(
                Attachment(
                    str(binary.get("fileName") or "unknown"),
                    data,
                    str(binary.get("mimeType") or "application/octet-stream"),
                )
            )
    return out


def _timestamp(ctx_node: str, value: Any, label: str) -> int | float:
    """n8n's receivedAfter / receivedBefore: an ISO date, epoch seconds (fewer than 12
    digits) or epoch milliseconds, as Gmail's seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value if len(str(int(value))) < 12 else math.floor(value / 1000)
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp()
        return int(seconds) if seconds == int(seconds) else seconds
    except ValueError:
        pass
    digits = text.split(".")[0]
    if digits.lstrip("-").isdigit():
        number = int(digits)
        return number if len(digits) < 12 else math.floor(number / 1000)
    raise NodeExecutionError(
        f"Invalid date/time in '{label}' field: '{value}' isn't a valid date and time. If "
        "you're using an expression, be sure to set an ISO date string or a timestamp.",
        node=ctx_node,
    )


def prepare_query(node: str, filters: Mapping[str, Any]) -> dict[str, Any]:
    """n8n's prepareQuery: sender, readStatus and the received dates folded into `q`."""
    qs: dict[str, Any] = dict(filters)
    if "labelIds" in qs and qs["labelIds"] in ("", [], None):
        del qs["labelIds"]
    elif isinstance(qs.get("labelIds"), str):
        qs["labelIds"] = [s.strip() for s in qs["labelIds"].split(",") if s.strip()]

    def add(term: str) -> None:
        qs["q"] = f"{qs['q']} {term}" if qs.get("q") else term

    if qs.get("sender"):
        add(f"from:{qs['sender']}")
    qs.pop("sender", None)
    status = qs.pop("readStatus", None)
    if status and status != "both":
        add(f"is:{status}")
    for key, label, word in (
        ("receivedAfter", "Received After", "after"),
        ("receivedBefore", "Received Before", "before"),
    ):
        value = qs.pop(key, None)
        if value not in (None, ""):
            add(f"{word}:{_timestamp(node, value, label)}")
    if qs.get("q") in ("", None):
        qs.pop("q", None)
    return qs
