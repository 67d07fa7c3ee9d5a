"""Slack version 1's shapes (n8n SlackV1): plain-string channel, user and timestamp
parameters, attachments and JSON blocks, answers passed through as they come (no
message_timestamp rename), and its error text `Slack error response: <the answer>`."""

from __future__ import annotations

import json
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.http.transport import HttpResponse
from hetumind.integrations import Cursor, OAuth2, Operation, Params, Service, bearer
from hetumind.integrations.client import ServiceClient

__all__ = ["SLACK_V1", "V1_OPERATIONS"]


def _error_check(response: HttpResponse, body: Any) -> tuple[str, str | None] | None:
    if not isinstance(body, dict) or body.get("ok") is not False:
        return None
    if body.get("error") == "paid_teams_only":
        return (
            "Your current Slack plan does not include the resource",
            "Hint: Upgrate to the Slack plan that includes the funcionality you want to use.",
        )
    # V1 quotes the whole answer (V2 only its error code)
    return "Slack error response: " + json.dumps(body, separators=(",", ":")), None


SLACK_V1 = Service(
    name="Slack",
    default_base_url="https://slack.com/api",
    credentials={"slackApi": bearer("accessToken"), "slackOAuth2Api": OAuth2()},
    authentication={"accessToken": "slackApi", "oAuth2": "slackOAuth2Api"},
    error_check=_error_check,
)


def _json_param(p: Params, name: str, label: str) -> Any:
    raw = p.get(name, "")
    if raw in ("", None):
        return None
    if isinstance(raw, str):
        try:
            json.loads(raw)
        except ValueError:
            raise NodeExecutionError(
                f"{label} it is not a valid json", node=p.ctx.node_name, item_index=p.index
            ) from None
    return raw  # n8n sends the JSON text itself; Slack parses it


def _attachments(p: Params) -> list[dict[str, Any]]:
    out = []
    for attachment in p.get("attachments", []) or []:
        attachment = dict(attachment)
        fields = attachment.get("fields")
        if fields is not None:
            if isinstance(fields, dict) and fields.get("item") is not None:
                attachment["fields"] = fields["item"]  # n8n stores them one level down
            else:
                attachment.pop("fields")
        out.append(attachment)
    return out


def _content(p: Params, body: dict[str, Any]) -> None:
    if p.get("jsonParameters", False):
        for name, key, label in (
            ("attachmentsJson", "attachments", "Attachments"),
            ("blocksJson", "blocks", "Blocks"),
        ):
            value = _json_param(p, name, label)
            if value is not None:
                body[key] = value
        return
    body["attachments"] = _attachments(p)
    if (p.get("blocksUi") or {}).get("blocksValues"):
        raise NodeExecutionError(
            "blocksUi (the block builder of Slack version 1) is not supported; use "
            "jsonParameters with blocksJson",
            node=p.ctx.node_name,
            item_index=p.index,
        )


def _post(client: ServiceClient, p: Params) -> Any:
    operation = p.ctx.param("operation", 0, "post")
    body: dict[str, Any] = {"channel": p.text("channel"), "text": p.get("text", "")}
    action = "postMessage"
    if operation == "postEphemeral":
        body["user"] = p.get("user", "")
        action = "postEphemeral"
    options = p.collection("otherOptions")
    if p.text("authentication", "accessToken") == "accessToken" and options.get("sendAsUser"):
        body["username"] = options["sendAsUser"]
    _content(p, body)
    body.update(options)
    return client.request("POST", f"chat.{action}", body=body, item_index=p.index)


def _update(client: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {
        "channel": p.text("channelId"),
        "text": p.get("text", ""),
        "ts": p.text("ts"),
        "attachments": _attachments(p),
    }
    if p.get("jsonParameters", False):
        for name, key, label in (
            ("blocksJson", "blocks", "Blocks"),
            ("attachmentsJson", "attachments", "Attachments"),
        ):
            value = _json_param(p, name, label)
            if value is not None:
                body[key] = value
    body.update(p.collection("updateFields"))
    return client.request("POST", "chat.update", body=body, item_index=p.index)


def _cursor(items: str) -> dict[str, Any]:
    return {
        "paginate": Cursor(
            "response_metadata.next_cursor", "cursor", page_size_param="limit", page_param="page"
        ),
        "items_path": items,
        "limit_param": "limit",
        "output": items,
    }


def _channel(p: Params) -> str:
    return p.text("channelId")


def _write(method: str, body: Any, output: str | None = None) -> Operation:
    return Operation("POST", method, body=body, output=output)


V1_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("message", "post"): Operation(run=_post),
    ("message", "postEphemeral"): Operation(run=_post),
    ("message", "update"): Operation(run=_update),
    ("message", "delete"): _write(
        "chat.delete", lambda p: {"channel": _channel(p), "ts": p.text("timestamp")}
    ),
    ("message", "getPermalink"): Operation(
        "GET",
        "chat.getPermalink",
        qs=lambda p: {"channel": _channel(p), "message_ts": p.text("timestamp")},
    ),
    ("reaction", "add"): _write(
        "reactions.add",
        lambda p: {"channel": _channel(p), "name": p.get("name"), "timestamp": p.text("timestamp")},
    ),
    ("reaction", "remove"): _write(
        "reactions.remove",
        lambda p: {"channel": _channel(p), "name": p.get("name"), "timestamp": p.text("timestamp")},
    ),
    ("reaction", "get"): Operation(
        "GET",
        "reactions.get",
        qs=lambda p: {"channel": _channel(p), "timestamp": p.text("timestamp")},
    ),
    ("channel", "get"): Operation(
        "POST", "conversations.info", qs=lambda p: {"channel": _channel(p)}, output="channel"
    ),
    ("channel", "getAll"): Operation(
        "GET",
        "conversations.list",
        qs=lambda p: {
            **(
                {"types": ",".join(p.collection("filters")["types"])}
                if p.collection("filters").get("types")
                else {}
            ),
            **(
                {"exclude_archived": True} if p.collection("filters").get("excludeArchived") else {}
            ),
        },
        **_cursor("channels"),
    ),
    ("channel", "history"): Operation(
        "GET", "conversations.history", qs=lambda p: {"channel": _channel(p)}, **_cursor("messages")
    ),
    ("channel", "create"): _write(
        "conversations.create",
        lambda p: {
            "name": p.text("channelId").removeprefix("#"),
            **p.collection("additionalFields"),
        },
        "channel",
    ),
    ("channel", "join"): _write(
        "conversations.join", lambda p: {"channel": _channel(p)}, "channel"
    ),
    ("channel", "leave"): _write("conversations.leave", lambda p: {"channel": _channel(p)}),
    ("channel", "archive"): _write("conversations.archive", lambda p: {"channel": _channel(p)}),
    ("channel", "unarchive"): _write("conversations.unarchive", lambda p: {"channel": _channel(p)}),
    ("channel", "invite"): _write(
        "conversations.invite",
        lambda p: {"channel": _channel(p), "users": ",".join(p.get("userIds") or [])},
        "channel",
    ),
    ("user", "info"): Operation(
        "GET", "users.info", qs=lambda p: {"user": p.text("user")}, output="user"
    ),
    ("user", "getPresence"): Operation(
        "GET", "users.getPresence", qs=lambda p: {"user": p.text("user")}
    ),
}
