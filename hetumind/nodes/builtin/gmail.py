"""Gmail (n8n `gmail` 1, 2 and 2.1) over the Gmail v1 REST API, with gmailOAuth2
(`authentication: oAuth2`, n8n's default) or a googleApi service account.

Version 2 / 2.1 (n8n's values): message send (the default), reply, get, getAll, delete,
trash, markAsRead, markAsUnread, addLabels, removeLabels; draft create / get / getAll /
delete; thread get / getAll / reply / addLabels / removeLabels / trash / untrash / delete;
label create / get / getAll / delete. Messages are built as RFC 2822 with Python's email
package and sent base64url as Gmail's `raw`. 2.1 appends n8n's attribution to sent
messages unless `options.appendAttribution` is false, and its email type defaults to
HTML. `simple` outputs are n8n's simplifyOutput (labels by name, headers as keys); raw
outputs are mailparser's fields with `options.downloadAttachments` as binary.

Version 1 (n8n's GmailV1): message send / reply / get / getAll / delete with `toList`
arrays and `additionalFields`, messageLabel add / remove, label and draft operations.

Not done: `sendAndWait` (see docs/nodes/gmail.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import Params, ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin._gmail_api import (
    GMAIL,
    METADATA_HEADERS,
    Gmail,
    attachments_from,
    email_body,
    emails_input,
    message_path,
    prepare_query,
    raw_item,
    unescape_snippet,
)
from hetumind.nodes.builtin._gmail_mime import Email, encode_email
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.item_wise import item_error

__all__ = ["GmailNode", "GmailTool"]

Out = list[tuple[dict[str, Any], dict[str, Any] | None]]


def _id(p: Params, name: str) -> str:
    value = p.get(name, "")
    if isinstance(value, Mapping):  # a resource locator
        value = value.get("value")
    text = "" if value is None else str(value).strip()
    if not text:
        raise NodeExecutionError(
            f"The parameter {name!r} is required", node=p.ctx.node_name, item_index=p.index
        )
    return text


def _label_ids(p: Params) -> list[str]:
    value = p.get("labelIds", [])
    if isinstance(value, str):
        return [s.strip() for s in value.split(",") if s.strip()]
    return [str(v) for v in value or []]


def _email_type(p: Params, default: str | None = None) -> str:
    """n8n's emailType: HTML by default from 2.1 for messages (text for drafts)."""
    fallback = default or ("html" if p.version >= 2.1 else "text")
    return str(p.get("emailType", fallback) or fallback)


def _attribution(p: Params, options: Mapping[str, Any]) -> bool:
    value = options.get("appendAttribution")
    return p.version >= 2.1 if value is None else bool(value)


def _prefix(options: Mapping[str, Any]) -> str:
    return str(options.get("dataPropertyAttachmentsPrefixName") or "attachment_")


# -- messages (v2) -------------------------------------------------------------------------


def _send(api: Gmail, p: Params) -> Out:
    options = p.collection("options")
    mail = Email(subject=str(p.get("subject", "") or ""))
    mail.to = emails_input(p, p.get("sendTo", ""), "To")
    if options.get("ccList"):
        mail.cc = emails_input(p, options["ccList"], "CC")
    if options.get("bccList"):
        mail.bcc = emails_input(p, options["bccList"], "BCC")
    if options.get("replyTo"):
        mail.reply_to = emails_input(p, options["replyTo"], "ReplyTo")
    mail.attachments = attachments_from(p, options.get("attachmentsUi"))
    if options.get("senderName"):
        mail.sender = f"{options['senderName']} <{api.profile_address(p.index)}>"
    mail.body, mail.html_body = email_body(p, _email_type(p), _attribution(p, options))
    qs = {"userId": "me", "uploadType": "media"} if mail.attachments else None
    answer = api.call(
        "POST", "messages/send", qs=qs, body={"raw": encode_email(mail)}, item=p.index
    )
    return [(dict(answer or {}), None)]


def _header(headers: list[Mapping[str, Any]], name: str) -> str:
    for header in headers:
        if str(header.get("name") or "").lower() == name:
            return str(header.get("value") or "")
    return ""


def _reply(api: Gmail, p: Params) -> Out:
    """n8n's replyToEmail: to the sender (and the other recipients unless
    replyToSenderOnly), in the message's thread, with In-Reply-To / References."""
    options = p.collection("options")
    message_id = _id(p, "messageId")
    mail = Email()
    if options.get("ccList"):
        mail.cc = emails_input(p, options["ccList"], "CC")
    if options.get("bccList"):
        mail.bcc = emails_input(p, options["bccList"], "BCC")
    mail.attachments = attachments_from(p, options.get("attachmentsUi"))
    original = (
        api.call("GET", message_path(message_id), qs={"format": "metadata"}, item=p.index) or {}
    )
    headers = list((original.get("payload") or {}).get("headers") or [])
    mail.subject = _header(headers, "subject")
    global_id = _header(headers, "message-id")
    own = api.profile_address(p.index)
    to = ""
    for header in headers:
        name = str(header.get("name") or "").lower()
        value = str(header.get("value") or "")
        if name == "from":
            to += f"{value}, " if "<" in value and ">" in value else f"<{value}>, "
        elif name == "to" and not options.get("replyToSenderOnly"):
            for entry in value.split(","):
                entry = entry.strip()
                if not entry or (own and own in entry):
                    continue
                to += f"{entry}, " if "<" in entry and ">" in entry else f"<{entry}>, "
    mail.to = to
    if options.get("senderName"):
        mail.sender = f"{options['senderName']} <{own}>"
    mail.in_reply_to = mail.references = global_id
    mail.body, mail.html_body = email_body(p, _email_type(p), _attribution(p, options))
    qs = {"userId": "me", "uploadType": "media"} if mail.attachments else None
    body = {"raw": encode_email(mail), "threadId": original.get("threadId")}
    return [(dict(api.call("POST", "messages/send", qs=qs, body=body, item=p.index) or {}), None)]


def _get_message(api: Gmail, p: Params) -> Out:
    simple = bool(p.get("simple", True))
    options = p.collection("options")
    message = api.message(message_path(_id(p, "messageId")), simple, p.index)
    if simple:
        return [(api.simplify([message])[0], None)]
    return [raw_item(message, _prefix(options), bool(options.get("downloadAttachments")))]


def _list(api: Gmail, p: Params, key: str, path: str, qs: dict[str, Any]) -> list[Any]:
    if p.get("returnAll", False) is True:
        return api.all_items(key, path, qs, p.index)
    qs["maxResults"] = p.get("limit", 50)
    return list((api.call("GET", path, qs=qs, item=p.index) or {}).get(key) or [])


def _get_all_messages(api: Gmail, p: Params) -> Out:
    options = p.collection("options")
    qs = prepare_query(p.ctx.node_name, p.collection("filters"))
    listed = _list(api, p, "messages", "messages", qs)
    simple = bool(p.get("simple", True))
    fetched = [api.message(message_path(m.get("id")), simple, p.index) for m in listed]
    if simple:
        return [(m, None) for m in api.simplify(fetched)]
    download = bool(options.get("downloadAttachments"))
    return [raw_item(m, _prefix(options), download) for m in fetched]


def _modify(path: str, body: Mapping[str, Any] | None) -> Any:
    def run(api: Gmail, p: Params) -> Out:
        target = f"{path}/{_id(p, 'threadId' if path == 'threads' else 'messageId')}"
        if body is None:
            labels = _label_ids(p)
            op = str(p.get("operation", ""))
            key = "addLabelIds" if op in ("addLabels", "add") else "removeLabelIds"
            payload: Mapping[str, Any] = {key: labels}
        else:
            payload = body
        return [
            (dict(api.call("POST", f"{target}/modify", body=payload, item=p.index) or {}), None)
        ]

    return run


def _post(path: str, verb: str, param: str) -> Any:
    def run(api: Gmail, p: Params) -> Out:
        answer = api.call("POST", f"{path}/{_id(p, param)}/{verb}", item=p.index)
        return [(dict(answer or {}), None)]

    return run


def _delete(path: str, param: str) -> Any:
    def run(api: Gmail, p: Params) -> Out:
        api.call("DELETE", f"{path}/{_id(p, param)}", item=p.index)
        return [({"success": True}, None)]

    return run


# -- drafts (v2) ---------------------------------------------------------------------------


def _create_draft(api: Gmail, p: Params) -> Out:
    options = p.collection("options")
    mail = Email(subject=str(p.get("subject", "") or ""))
    for key, label, attr in (
        ("sendTo", "To", "to"),
        ("ccList", "CC", "cc"),
        ("bccList", "BCC", "bcc"),
        ("replyTo", "ReplyTo", "reply_to"),
    ):
        if options.get(key):
            setattr(mail, attr, emails_input(p, options[key], label))
    if options.get("fromAlias"):
        mail.sender = str(options["fromAlias"])
    mail.attachments = attachments_from(p, options.get("attachmentsUi"))
    mail.body, mail.html_body = email_body(p, _email_type(p, "text"), False)
    message: dict[str, Any] = {"raw": encode_email(mail)}
    if options.get("threadId") and isinstance(options["threadId"], str):
        message["threadId"] = options["threadId"]
    qs = {"userId": "me", "uploadType": "media"} if mail.attachments else None
    answer = api.call("POST", "drafts", qs=qs, body={"message": message}, item=p.index)
    return [(dict(answer or {}), None)]


def _draft_item(api: Gmail, p: Params, draft_id: str, options: Mapping[str, Any]) -> Any:
    answer = api.call("GET", f"drafts/{draft_id}", qs={"format": "raw"}, item=p.index) or {}
    json_out, binary = raw_item(
        answer.get("message") or {}, _prefix(options), bool(options.get("downloadAttachments"))
    )
    json_out["messageId"] = json_out.get("id")
    json_out["id"] = answer.get("id")
    return json_out, binary


def _get_draft(api: Gmail, p: Params) -> Out:
    return [_draft_item(api, p, _id(p, "messageId"), p.collection("options"))]


def _get_all_drafts(api: Gmail, p: Params) -> Out:
    options = p.collection("options")
    qs = {
        k: v
        for k, v in options.items()
        if k not in ("downloadAttachments", "dataPropertyAttachmentsPrefixName")
    }
    listed = _list(api, p, "drafts", "drafts", qs)
    return [_draft_item(api, p, str(d.get("id")), options) for d in listed]


# -- threads (v2) --------------------------------------------------------------------------


def _get_thread(api: Gmail, p: Params) -> Out:
    simple = bool(p.get("simple", True))
    options = p.collection("options")
    qs: dict[str, Any] = (
        {"format": "metadata", "metadataHeaders": METADATA_HEADERS}
        if simple
        else {"format": "full"}
    )
    answer = dict(api.call("GET", f"threads/{_id(p, 'threadId')}", qs=qs, item=p.index) or {})
    messages = api.simplify(list(answer.get("messages") or []))
    if options.get("returnOnlyMessages"):
        return [(m, None) for m in messages]
    answer["messages"] = messages
    return [(answer, None)]


def _get_all_threads(api: Gmail, p: Params) -> Out:
    qs = prepare_query(p.ctx.node_name, p.collection("filters"))
    return [(dict(t), None) for t in _list(api, p, "threads", "threads", qs)]


# -- labels --------------------------------------------------------------------------------


def _create_label(api: Gmail, p: Params) -> Out:
    if p.version >= 2:
        options = p.collection("options")
        list_visibility = options.get("labelListVisibility") or "labelShow"
        message_visibility = options.get("messageListVisibility") or "show"
    else:
        list_visibility = p.get("labelListVisibility", "labelShow")
        message_visibility = p.get("messageListVisibility", "show")
    body = {
        "labelListVisibility": list_visibility,
        "messageListVisibility": message_visibility,
        "name": str(p.get("name", "") or ""),
    }
    return [(dict(api.call("POST", "labels", body=body, item=p.index) or {}), None)]


def _get_label(api: Gmail, p: Params) -> Out:
    return [(dict(api.call("GET", f"labels/{_id(p, 'labelId')}", item=p.index) or {}), None)]


def _get_all_labels(api: Gmail, p: Params) -> Out:
    labels = list((api.call("GET", "labels", item=p.index) or {}).get("labels") or [])
    if p.get("returnAll", False) is not True:
        labels = labels[: int(p.get("limit", 50) or 0)]
    return [(dict(label), None) for label in labels]


# -- version 1 -----------------------------------------------------------------------------


def _v1_list(value: Any) -> str:
    values = value if isinstance(value, list) else [value] if value else []
    return "".join(f"<{v}>, " for v in values)


def _v1_mail(p: Params, fields: Mapping[str, Any], to: Any) -> Email:
    mail = Email(
        sender=str(fields.get("senderName") or ""),
        to=_v1_list(to),
        cc=_v1_list(fields.get("ccList")),
        bcc=_v1_list(fields.get("bccList")),
        body=str(p.get("message", "") or ""),
    )
    if p.binary:
        mail.attachments = attachments_from(p, fields.get("attachmentsUi"))
    if p.get("includeHtml", False):
        mail.html_body = str(p.get("htmlMessage", "") or "")
    return mail


def _v1_send(api: Gmail, p: Params) -> Out:
    fields = p.collection("additionalFields")
    mail = _v1_mail(p, fields, p.get("toList", []))
    mail.subject = str(p.get("subject", "") or "")
    qs = {"userId": "me", "uploadType": "media"} if fields.get("attachmentsUi") else None
    answer = api.call(
        "POST", "messages/send", qs=qs, body={"raw": encode_email(mail)}, item=p.index
    )
    return [(dict(answer or {}), None)]


def _v1_reply(api: Gmail, p: Params) -> Out:
    fields = p.collection("additionalFields")
    message_id = _id(p, "messageId")
    mail = _v1_mail(p, fields, p.get("toList", []))
    original = (
        api.call("GET", message_path(message_id), qs={"format": "metadata"}, item=p.index) or {}
    )
    headers = list((original.get("payload") or {}).get("headers") or [])
    if not mail.to:
        sender = next((str(h.get("value")) for h in headers if h.get("name") == "From"), "")
        if sender:
            address = sender.split("<")[1][:-1] if "<" in sender else sender
            mail.to = f"<{address}>,"
    mail.subject = next((str(h.get("value")) for h in headers if h.get("name") == "Subject"), "")
    mail.references = next(
        (str(h.get("value")) for h in headers if h.get("name") == "References"), ""
    )
    mail.in_reply_to = message_id
    body = {"raw": encode_email(mail), "threadId": str(p.get("threadId", "") or "")}
    qs = {"userId": "me", "uploadType": "media"} if fields.get("attachmentsUi") else None
    return [(dict(api.call("POST", "messages/send", qs=qs, body=body, item=p.index) or {}), None)]


def _v1_format(fields: Mapping[str, Any]) -> tuple[str, str]:
    fmt = str(fields.get("format") or "resolved")
    return fmt, "raw" if fmt == "resolved" else fmt


def _v1_get(api: Gmail, p: Params) -> Out:
    fields = p.collection("additionalFields")
    fmt, wire = _v1_format(fields)
    answer = dict(
        api.call("GET", message_path(_id(p, "messageId")), qs={"format": wire}, item=p.index) or {}
    )
    if fmt == "resolved":
        return [raw_item(answer, _prefix(fields), bool(fields.get("downloadAttachments")))]
    return [(answer, None)]


def _v1_get_all(api: Gmail, p: Params) -> Out:
    fields = p.collection("additionalFields")
    qs = {
        k: v
        for k, v in fields.items()
        if k not in ("format", "dataPropertyAttachmentsPrefixName", "downloadAttachments")
    }
    if qs.get("labelIds") in ("", [], None):
        qs.pop("labelIds", None)
    listed = _list(api, p, "messages", "messages", qs)
    fmt, wire = _v1_format(fields)
    if fmt == "ids":
        return [(dict(m), None) for m in listed]
    out: Out = []
    for m in listed:
        answer = dict(
            api.call("GET", message_path(m.get("id")), qs={"format": wire}, item=p.index) or {}
        )
        if fmt == "resolved":
            out.append(raw_item(answer, _prefix(fields), bool(fields.get("downloadAttachments"))))
        else:
            out.append((answer, None))
    return out


def _v1_create_draft(api: Gmail, p: Params) -> Out:
    fields = p.collection("additionalFields")
    mail = _v1_mail(p, fields, fields.get("toList"))
    mail.subject = str(p.get("subject", "") or "")
    qs = {"userId": "me", "uploadType": "media"} if fields.get("attachmentsUi") else None
    answer = api.call(
        "POST", "drafts", qs=qs, body={"message": {"raw": encode_email(mail)}}, item=p.index
    )
    return [(dict(answer or {}), None)]


def _v1_get_draft(api: Gmail, p: Params) -> Out:
    fields = p.collection("additionalFields")
    fmt, wire = _v1_format(fields)
    draft_id = _id(p, "messageId")
    answer = dict(api.call("GET", f"drafts/{draft_id}", qs={"format": wire}, item=p.index) or {})
    if fmt != "resolved":
        return [(answer, None)]
    json_out, binary = raw_item(
        answer.get("message") or {}, _prefix(fields), bool(fields.get("downloadAttachments"))
    )
    json_out["messageId"] = json_out.get("id")
    json_out["id"] = answer.get("id")
    return [(json_out, binary)]


def _v1_get_all_drafts(api: Gmail, p: Params) -> Out:
    fields = p.collection("additionalFields")
    qs = {
        k: v
        for k, v in fields.items()
        if k not in ("format", "dataPropertyAttachmentsPrefixName", "downloadAttachments")
    }
    listed = _list(api, p, "drafts", "drafts", qs)
    fmt, wire = _v1_format(fields)
    if fmt == "ids":
        return [(dict(d), None) for d in listed]
    out: Out = []
    for d in listed:
        answer = dict(
            api.call("GET", f"drafts/{d.get('id')}", qs={"format": wire}, item=p.index) or {}
        )
        if fmt == "resolved":
            json_out, binary = raw_item(
                answer.get("message") or {},
                _prefix(fields),
                bool(fields.get("downloadAttachments")),
            )
            json_out["messageId"] = json_out.get("id")
            json_out["id"] = answer.get("id")
            out.append((json_out, binary))
        else:
            out.append((answer, None))
    return out


Run = Any

V2: Mapping[tuple[str, str], Run] = {
    ("message", "send"): _send,
    ("message", "reply"): _reply,
    ("message", "get"): _get_message,
    ("message", "getAll"): _get_all_messages,
    ("message", "delete"): _delete("messages", "messageId"),
    ("message", "trash"): _post("messages", "trash", "messageId"),
    ("message", "markAsRead"): _modify("messages", {"removeLabelIds": ["UNREAD"]}),
    ("message", "markAsUnread"): _modify("messages", {"addLabelIds": ["UNREAD"]}),
    ("message", "addLabels"): _modify("messages", None),
    ("message", "removeLabels"): _modify("messages", None),
    ("draft", "create"): _create_draft,
    ("draft", "get"): _get_draft,
    ("draft", "getAll"): _get_all_drafts,
    ("draft", "delete"): _delete("drafts", "messageId"),
    ("thread", "get"): _get_thread,
    ("thread", "getAll"): _get_all_threads,
    ("thread", "reply"): _reply,
    ("thread", "addLabels"): _modify("threads", None),
    ("thread", "removeLabels"): _modify("threads", None),
    ("thread", "trash"): _post("threads", "trash", "threadId"),
    ("thread", "untrash"): _post("threads", "untrash", "threadId"),
    ("thread", "delete"): _delete("threads", "threadId"),
    ("label", "create"): _create_label,
    ("label", "get"): _get_label,
    ("label", "getAll"): _get_all_labels,
    ("label", "delete"): _delete("labels", "labelId"),
}
V1: Mapping[tuple[str, str], Run] = {
    ("message", "send"): _v1_send,
    ("message", "reply"): _v1_reply,
    ("message", "get"): _v1_get,
    ("message", "getAll"): _v1_get_all,
    ("message", "delete"): _delete("messages", "messageId"),
    ("messageLabel", "add"): _modify("messages", None),
    ("messageLabel", "remove"): _modify("messages", None),
    ("label", "create"): _create_label,
    ("label", "get"): _get_label,
    ("label", "getAll"): _get_all_labels,
    ("label", "delete"): _delete("labels", "labelId"),
    ("draft", "create"): _v1_create_draft,
    ("draft", "get"): _v1_get_draft,
    ("draft", "getAll"): _v1_get_all_drafts,
    ("draft", "delete"): _delete("drafts", "messageId"),
}
_DEFAULT_OPERATION = {
    "message": "send",
    "draft": "create",
    "thread": "getAll",
    "label": "create",
    "messageLabel": "add",
}


def _reason(exc: HetumindError) -> str:
    return exc.reason if isinstance(exc, NodeExecutionError) else exc.message


@node("gmail", versions=[1, 2, 2.1], display_name="Gmail", fusible=False)
class GmailNode(Node):
    """Consume the Gmail API."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        items = batch.to_items()
        if not items:
            return [ItemBatch.empty()]
        version = ctx.type_version
        resource = str(ctx.param("resource", 0, "message") or "message")
        default_op = _DEFAULT_OPERATION.get(resource, "")
        if resource == "label" and version >= 2:
            default_op = "getAll"
        operation = str(ctx.param("operation", 0, default_op) or default_op)
        table = V1 if version < 2 else V2
        run = table.get((resource, operation))
        if run is None:
            extra = (
                " (sendAndWait needs a wait-for-reply protocol Hetumind's Gmail node does not have)"
                if operation == "sendAndWait"
                else ""
            )
            raise NodeExecutionError(
                f'The operation "{operation}" of resource "{resource}" is not supported by '
                f"Hetumind's Gmail node {version:g}{extra}",
                node=ctx.node_name,
            )
        try:
            api = Gmail(ServiceClient(ctx, GMAIL), resource)
        except HetumindError as exc:
            raise NodeExecutionError(_reason(exc), node=ctx.node_name) from None
        rows: list[dict[str, Any]] = []
        binary: list[dict[str, Any] | None] = []
        paired: list[int] = []
        for i, item in enumerate(items):
            p = Params(ctx, i, item, len(items))
            try:
                produced: Out = run(api, p)
            except HetumindError as exc:
                # onError stopWorkflow keeps an API error (its HTTP details) or an error that
                # already names its item; any other error is told for item i
                keep = isinstance(exc, NodeApiError) or (
                    isinstance(exc, NodeExecutionError) and exc.item_index is not None
                )
                told = exc.reason if isinstance(exc, NodeExecutionError) else exc.message
                stop = exc if keep else NodeExecutionError(told, node=ctx.node_name, item_index=i)
                message = _reason(exc)
                failed = item_error(
                    ctx, i, f"{message} (item {i})" if version >= 2 else message, stop=stop
                )
                produced = [(failed, None)]
            for json_out, binary_out in produced:
                rows.append(json_out)
                binary.append(binary_out)
                paired.append(i)
        if (
            version >= 2
            and resource in ("draft", "message", "thread")
            and operation
            in (
                "get",
                "getAll",
            )
        ):
            rows = [unescape_snippet(r) for r in rows]
        return [ItemBatch.from_json(rows, binary=binary, paired=paired)]


GmailTool = as_tool(GmailNode)
"""n8n's Gmail as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
