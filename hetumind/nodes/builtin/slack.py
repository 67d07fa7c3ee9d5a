"""Slack (n8n `slack` 1-2.3): messages, channels, reactions and users over the Web API;
version 1's shapes are in _slack_v1.

Requests are n8n's: `https://slack.com/api/<method>` with a bearer token (slackApi's
accessToken, or slackOAuth2Api), JSON bodies for writes, query strings for reads, cursor
pagination (response_metadata.next_cursor) and page numbers for search. Slack answers
200 with `{"ok": false, "error"}` for most failures; n8n turns those into
`Slack error response: "<error>"`, and a top-level `ts` into `message_timestamp`.
Differences: n8n 2.1+ appends "Automated with this n8n workflow" to posted messages
unless includeLinkToWorkflow is off; Hetumind never does. Files, stars, user groups,
profile updates and Send and Wait are not offered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.http.transport import HttpResponse
from hetumind.integrations import (
    Cursor,
    IntegrationNode,
    OAuth2,
    Operation,
    PageNumber,
    Params,
    Service,
    bearer,
)
from hetumind.integrations.operations import run_operations
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext, node
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.builtin._slack_v1 import SLACK_V1, V1_OPERATIONS

__all__ = ["Slack", "SlackTool"]

_CHANNEL_URL = r"https://app\.slack\.com/client/.*/([a-zA-Z0-9]{2,})"


def _error_check(response: HttpResponse, body: Any) -> tuple[str, str | None] | None:
    if not isinstance(body, dict) or body.get("ok") is not False:
        return None
    error = body.get("error")
    if error == "missing_scope":
        return (
            "Your Slack credential is missing required Oauth Scopes",
            f"Add the following scope(s) to your Slack App: {body.get('needed')}",
        )
    if error == "paid_teams_only":
        return (
            "Your current Slack plan does not include the resource",
            "Hint: Upgrate to the Slack plan that includes the funcionality you want to use.",
        )
    return f"Slack error response: {json.dumps(error)}", None


SLACK = Service(
    name="Slack",
    default_base_url="https://slack.com/api",
    credentials={"slackApi": bearer("accessToken"), "slackOAuth2Api": OAuth2()},
    authentication={"accessToken": "slackApi", "oAuth2": "slackOAuth2Api"},
    error_check=_error_check,
)


def _renamed(answer: Any, _p: Params) -> Any:
    # n8n moves a top-level ts to message_timestamp (it is the message's id)
    if isinstance(answer, dict) and "ts" in answer:
        out = dict(answer)
        out["message_timestamp"] = out.pop("ts")
        return out
    return answer


def _channel(p: Params) -> str:
    return p.locator("channelId", _CHANNEL_URL)


def _target(p: Params) -> str:
    """The channel, or the user a message goes to (`@name` when given by username)."""
    if p.text("select", "channel") == "user":
        user = p.locator("user")
        if p.locator_mode("user") == "username" and not user.startswith("@"):
            return f"@{user}"
        return user
    return _channel(p)


def _content(p: Params) -> dict[str, Any]:
    kind = p.text("messageType", "text")
    if kind == "text":
        return {"text": p.get("text", "")}
    if kind == "block":
        raw = p.get("blocksUi", "")
        try:
            content = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
        except ValueError:
            raise NodeExecutionError(
                "Blocks it is not a valid json", node=p.ctx.node_name, item_index=p.index
            ) from None
        if p.get("text"):
            content.setdefault("text", p.get("text"))  # the notification text
        return content if isinstance(content, dict) else {"blocks": content}
    if kind == "attachment":
        return {"attachments": p.get("attachments", [])}
    raise NodeExecutionError(
        f'The message type "{kind}" is not known!', node=p.ctx.node_name, item_index=p.index
    )


def _post_body(p: Params) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": _target(p), **_content(p)}
    options = p.collection("otherOptions")
    send_as = options.pop("sendAsUser", None)
    if p.text("authentication", "accessToken") == "accessToken" and send_as:
        body["username"] = send_as
    # n8n appends a link to the workflow when this is on (its default from 2.1); Hetumind
    # never does, and like n8n sends the option itself along when it is set
    ephemeral = options.pop("ephemeral", None)
    reply = (options.pop("thread_ts", None) or {}).get("replyValues")
    if isinstance(reply, dict):
        body.update(reply)
    profile = (options.pop("botProfile", None) or {}).get("imageValues")
    if isinstance(profile, dict):
        if profile.get("profilePhotoType") == "image":
            body["icon_url"] = profile.get("icon_url")
        else:
            body["icon_emoji"] = profile.get("icon_emoji")
    body.update(options)
    if ephemeral:
        if p.text("select", "channel") == "channel":
            user = ((ephemeral.get("ephemeralValues") or {}).get("user")) or {}
            value = str(user.get("value", "")) if isinstance(user, dict) else str(user)
            mode = user.get("mode") if isinstance(user, dict) else None
            body["user"] = (
                f"@{value}" if mode == "username" and not value.startswith("@") else value
            )
        else:
            if p.locator_mode("user") == "username":
                raise NodeExecutionError(
                    'You cannot send ephemeral messages using User type "By username". '
                    'Please use "From List" or "By ID".',
                    node=p.ctx.node_name,
                    item_index=p.index,
                )
            body["user"] = body["channel"]
        body["__ephemeral"] = True
    return body


def _post(client: Any, p: Params) -> Any:
    body = _post_body(p)
    action = "postEphemeral" if body.pop("__ephemeral", False) else "postMessage"
    return _renamed(client.request("POST", f"chat.{action}", body=body, item_index=p.index), p)


def _epoch(value: Any) -> float:
    text = str(value).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


def _history_qs(p: Params) -> dict[str, Any]:
    filters = p.collection("filters")
    qs: dict[str, Any] = {"channel": _channel(p)}
    if filters.get("inclusive"):
        qs["inclusive"] = True
    for name in ("latest", "oldest"):
        if filters.get(name):
            qs[name] = _epoch(filters[name])
    return qs


def _list_qs(p: Params) -> dict[str, Any]:
    filters = p.collection("filters")
    qs: dict[str, Any] = {}
    if filters.get("types"):
        qs["types"] = ",".join(filters["types"])
    if filters.get("excludeArchived"):
        qs["exclude_archived"] = True
    return qs


def _search_qs(p: Params) -> dict[str, Any]:
    query = p.text("query")
    for channel in p.collection("options").get("searchChannel") or []:
        query += f" in:{channel}"
    sort = p.text("sort", "desc")
    return {
        "query": query,
        "sort": "score" if sort == "relevance" else "timestamp",
        "sort_dir": "asc" if sort == "asc" else "desc",
    }


def _search(client: Any, p: Params) -> Any:
    qs = _search_qs(p)
    if p.get("returnAll", False) is True:
        op = Operation(
            "GET",
            "search.messages",
            qs=lambda _p: qs,
            paginate=PageNumber("page", 1, "messages.paging.pages", "limit", 100),
            items_path="messages.matches",
        )
        return op.execute(client, p)
    answer = client.request("POST", "search.messages", qs={**qs, "count": p.get("limit", 25)})
    return answer["messages"]["matches"]


def _cursor(items: str) -> dict[str, Any]:
    return {
        "paginate": Cursor(
            "response_metadata.next_cursor", "cursor", page_size_param="limit", page_param="page"
        ),
        "items_path": items,
        "limit_param": "limit",
        "output": items,
    }


def _body_op(method: str, body: Any, output: str | None = None) -> Operation:
    return Operation("POST", method, body=body, output=output or _renamed)


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("message", "post"): Operation(run=_post),
    ("message", "update"): _body_op(
        "chat.update",
        lambda p: {
            "channel": _channel(p),
            "text": p.get("text", ""),
            "ts": str(p.get("ts", "")),
            **(
                {"blocks": p.get("blocksJson")}
                if p.get("jsonParameters", False) and p.get("blocksJson")
                else {}
            ),
            **p.collection("updateFields"),
        },
    ),
    ("message", "delete"): _body_op(
        "chat.delete", lambda p: {"channel": _target(p), "ts": str(p.get("timestamp", ""))}
    ),
    ("message", "getPermalink"): Operation(
        "GET",
        "chat.getPermalink",
        qs=lambda p: {"channel": _channel(p), "message_ts": str(p.get("timestamp", ""))},
        output=_renamed,
    ),
    ("message", "search"): Operation(run=_search),
    ("channel", "get"): Operation(
        "POST", "conversations.info", qs=lambda p: {"channel": _channel(p)}, output="channel"
    ),
    ("channel", "getAll"): Operation(
        "GET", "conversations.list", qs=_list_qs, **_cursor("channels")
    ),
    ("channel", "history"): Operation(
        "GET", "conversations.history", qs=_history_qs, **_cursor("messages")
    ),
    ("channel", "replies"): Operation(
        "GET",
        "conversations.replies",
        qs=lambda p: {**_history_qs(p), "ts": str(p.get("ts", ""))},
        **_cursor("messages"),
    ),
    ("channel", "create"): _body_op(
        "conversations.create",
        lambda p: {
            "name": _channel(p).removeprefix("#"),
            "is_private": p.text("channelVisibility", "public") == "private",
        },
        "channel",
    ),
    ("channel", "join"): _body_op(
        "conversations.join", lambda p: {"channel": _channel(p)}, "channel"
    ),
    ("channel", "leave"): _body_op("conversations.leave", lambda p: {"channel": _channel(p)}),
    ("channel", "archive"): _body_op("conversations.archive", lambda p: {"channel": _channel(p)}),
    ("channel", "unarchive"): _body_op(
        "conversations.unarchive", lambda p: {"channel": _channel(p)}
    ),
    ("channel", "rename"): _body_op(
        "conversations.rename", lambda p: {"channel": _channel(p), "name": p.get("name")}, "channel"
    ),
    ("channel", "setPurpose"): _body_op(
        "conversations.setPurpose",
        lambda p: {"channel": _channel(p), "purpose": p.get("purpose")},
        "channel",
    ),
    ("channel", "setTopic"): _body_op(
        "conversations.setTopic",
        lambda p: {"channel": _channel(p), "topic": p.get("topic")},
        "channel",
    ),
    ("channel", "invite"): _body_op(
        "conversations.invite",
        lambda p: {"channel": _channel(p), "users": ",".join(p.get("userIds") or [])},
        "channel",
    ),
    ("channel", "kick"): _body_op(
        "conversations.kick", lambda p: {"channel": _channel(p), "user": p.get("userId")}
    ),
    ("reaction", "add"): _body_op(
        "reactions.add",
        lambda p: {
            "channel": _channel(p),
            "name": p.get("name"),
            "timestamp": str(p.get("timestamp", "")),
        },
    ),
    ("reaction", "remove"): _body_op(
        "reactions.remove",
        lambda p: {
            "channel": _channel(p),
            "name": p.get("name"),
            "timestamp": str(p.get("timestamp", "")),
        },
    ),
    ("reaction", "get"): Operation(
        "GET",
        "reactions.get",
        qs=lambda p: {"channel": _channel(p), "timestamp": str(p.get("timestamp", ""))},
        output=_renamed,
    ),
    ("user", "info"): Operation(
        "GET", "users.info", qs=lambda p: {"user": p.locator("user")}, output="user"
    ),
    ("user", "getAll"): Operation("GET", "users.list", **_cursor("members")),
    ("user", "getPresence"): Operation(
        "GET", "users.getPresence", qs=lambda p: {"user": p.locator("user")}, output=_renamed
    ),
}


@node("slack", versions=[1, 2, 2.1, 2.2, 2.3], display_name="Slack", fusible=False)
class Slack(IntegrationNode):
    """Consume the Slack API."""

    service = SLACK
    operations = OPERATIONS
    default_resource = "message"
    default_operations = {
        "message": "post",
        "channel": "create",
        "reaction": "add",
        "user": "info",
    }

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if ctx.type_version < 2:  # version 1: string parameters, its own answers
            return run_operations(ctx, inputs, SLACK_V1, V1_OPERATIONS, "message", V1_DEFAULTS)
        return super().run(ctx, inputs)


V1_DEFAULTS = {"message": "post", "channel": "create", "reaction": "add", "user": "info"}


SlackTool = as_tool(Slack)
"""n8n's Slack as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
