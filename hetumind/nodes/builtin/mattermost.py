"""Mattermost (n8n `mattermost` 1): messages, channels, reactions and users over the
Mattermost API v4, as n8n's node calls it.

Requests are n8n's: `<baseUrl>/api/v4/<endpoint>` from the `mattermostApi` credential
(`accessToken` as `Authorization: Bearer`, `baseUrl` the server's root,
`allowUnauthorizedCerts` turning TLS verification off), JSON bodies. returnAll follows
n8n's apiRequestAllItems: `page` from 0 with `per_page=100` until a page comes back empty.
Items: the answer, arrays one item per element. Errors are n8n's texts with Mattermost's
`message` as the description; 429s wait for Retry-After (Mattermost sends
`X-Ratelimit-Reset` too) as every kit node does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hetumind.errors import NodeExecutionError
from hetumind.integrations import IntegrationNode, Operation, Params, Service, bearer
from hetumind.integrations.client import ServiceClient
from hetumind.nodes.api import node
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["Mattermost", "MattermostTool"]

MATTERMOST = Service(
    name="Mattermost",
    default_base_url="",
    credentials={"mattermostApi": bearer("accessToken")},
    base_url="{baseUrl}/api/v4",
)

RunFn = Callable[[ServiceClient, Params], Any]
MAX_PAGES = 10_000


def _call(
    client: ServiceClient,
    p: Params,
    method: str,
    endpoint: str,
    body: Any = None,
    qs: Mapping[str, Any] | None = None,
) -> Any:
    if client.data.get("allowUnauthorizedCerts") is True and "insecure" not in client.cache:
        # the credential's "Ignore SSL Issues": a client of its own without verification
        client._transport = replace(client._transport, verify=False)
        client.cache["insecure"] = True
    if not str(client.data.get("baseUrl") or "").strip():
        raise NodeExecutionError(
            "The 'mattermostApi' credential has no 'baseUrl'",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    if body is None and method in ("POST", "PUT"):
        body = {}
    return client.request(method, endpoint.lstrip("/"), qs=qs, body=body, item_index=p.index)


def _all_pages(
    client: ServiceClient, p: Params, method: str, endpoint: str, qs: Mapping[str, Any]
) -> list[Any]:
    """n8n's apiRequestAllItems: page 0, 1, ... with per_page=100 until an empty page."""
    out: list[Any] = []
    for page in range(MAX_PAGES):
        answer = _call(client, p, method, endpoint, None, {**qs, "page": page, "per_page": 100})
        if not isinstance(answer, list) or not answer:
            break
        out.extend(answer)
    return out


def _text(p: Params, name: str) -> str:
    value = p.get(name, "")
    if isinstance(value, Mapping):
        value = value.get("value", "")
    text = "" if value is None else str(value)
    if not text:
        raise NodeExecutionError(
            f"The parameter {name!r} is required", node=p.ctx.node_name, item_index=p.index
        )
    return text


def _seg(value: str) -> str:
    return quote(value, safe="")


def _snake(value: str) -> str:
    """change-case's snakeCase for n8n's camelCase option values (lastActivityAt)."""
    out = ""
    for ch in value:
        if ch.isupper():
            out += "_" + ch.lower()
        elif ch in " -.":
            out += "_"
        else:
            out += ch
    return out.strip("_")


# -- messages -------------------------------------------------------------------------------


def _unwrap(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else value


def _attachments(p: Params) -> list[dict[str, Any]]:
    """n8n's fixups of the attachment collection into Mattermost's shape."""
    raw = p.get("attachments", [])
    out: list[dict[str, Any]] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, Mapping):
            continue
        attachment = dict(entry)
        for key in ("fields", "actions"):
            if key in attachment:
                inner = _unwrap(attachment[key], "item")
                if isinstance(attachment[key], Mapping) and inner is not None:
                    attachment[key] = inner
                elif isinstance(attachment[key], Mapping):
                    del attachment[key]
        actions = attachment.get("actions")
        if isinstance(actions, list):
            fixed = []
            for action in actions:
                act = dict(action) if isinstance(action, Mapping) else action
                if isinstance(act, dict):
                    if act.get("type") == "button":
                        del act["type"]
                    if act.get("data_source") == "custom":
                        del act["data_source"]
                    if "options" in act:
                        act["options"] = _unwrap(act["options"], "option")
                    integration = act.get("integration")
                    if isinstance(integration, Mapping) and "item" in integration:
                        item = dict(integration["item"])
                        context = item.get("context")
                        props = context.get("property") if isinstance(context, Mapping) else None
                        if isinstance(props, list):
                            item["context"] = {
                                c.get("name"): c.get("value")
                                for c in props
                                if isinstance(c, Mapping)
                            }
                        act["integration"] = item
                fixed.append(act)
            attachment["actions"] = fixed
        out.append(attachment)
    return out


def _message_post(client: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {
        "channel_id": _text(p, "channelId"),
        "message": p.text("message"),
        "props": {"attachments": _attachments(p)},
    }
    body.update(p.collection("otherOptions"))
    return _call(client, p, "POST", "posts", body)


def _message_ephemeral(client: ServiceClient, p: Params) -> Any:
    body = {
        "user_id": _text(p, "userId"),
        "post": {"channel_id": _text(p, "channelId"), "message": p.text("message")},
    }
    return _call(client, p, "POST", "posts/ephemeral", body)


def _message_delete(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "DELETE", f"posts/{_seg(_text(p, 'postId'))}")


# -- channels -------------------------------------------------------------------------------


def _channel_create(client: ServiceClient, p: Params) -> Any:
    body = {
        "team_id": _text(p, "teamId"),
        "display_name": p.text("displayName"),
        "name": p.text("channel"),
        "type": "O" if p.text("type", "public") == "public" else "P",
    }
    return _call(client, p, "POST", "channels", body)


def _channel(method: str, suffix: str = "") -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        return _call(client, p, method, f"channels/{_seg(_text(p, 'channelId'))}{suffix}")

    return run


def _channel_members(client: ServiceClient, p: Params) -> Any:
    endpoint = f"channels/{_seg(_text(p, 'channelId'))}/members"
    # n8n's defaults: returnAll true, limit 100
    if p.get("returnAll", True) is True:
        # n8n resolves users only for one page, not for returnAll
        return _all_pages(client, p, "GET", endpoint, {})
    limit = p.get("limit", 100)
    found = _call(client, p, "GET", endpoint, None, {"per_page": limit})
    if isinstance(found, list) and limit:
        found = found[: int(limit)]
    if p.get("resolveData", True) is True and isinstance(found, list):
        ids = [m.get("user_id") for m in found if isinstance(m, Mapping)]
        if ids:
            found = _call(client, p, "POST", "users/ids", ids, {"per_page": limit})
    return found


def _channel_add_user(client: ServiceClient, p: Params) -> Any:
    endpoint = f"channels/{_seg(_text(p, 'channelId'))}/members"
    return _call(client, p, "POST", endpoint, {"user_id": _text(p, "userId")})


def _channel_search(client: ServiceClient, p: Params) -> Any:
    endpoint = f"teams/{_seg(_text(p, 'teamId'))}/channels/search"
    found = _call(client, p, "POST", endpoint, {"term": p.text("term")})
    if p.get("returnAll", False) is not True and isinstance(found, list):
        found = found[: int(p.get("limit", 100))]
    return found


# -- reactions ------------------------------------------------------------------------------


def _emoji(p: Params) -> str:
    return p.text("emojiName").replace(":", "")


def _reaction_create(client: ServiceClient, p: Params) -> Any:
    body = {
        "user_id": _text(p, "userId"),
        "post_id": _text(p, "postId"),
        "emoji_name": _emoji(p),
        "create_at": int(datetime.now(UTC).timestamp() * 1000),
    }
    return _call(client, p, "POST", "reactions", body)


def _reaction_delete(client: ServiceClient, p: Params) -> Any:
    user, post = _seg(_text(p, "userId")), _seg(_text(p, "postId"))
    return _call(client, p, "DELETE", f"users/{user}/posts/{post}/reactions/{_seg(_emoji(p))}")


def _reaction_get_all(client: ServiceClient, p: Params) -> Any:
    found = _call(client, p, "GET", f"posts/{_seg(_text(p, 'postId'))}/reactions")
    # returnAll (default true) hides limit, which n8n then reads as 0: no cut
    limit = 0 if p.ctx.param("returnAll", 0, True) is True else p.ctx.param("limit", 0, 100)
    if isinstance(found, list) and isinstance(limit, int | float) and limit > 0:
        found = found[: int(limit)]
    return [] if found is None else found


# -- users ----------------------------------------------------------------------------------


def _user_create(client: ServiceClient, p: Params) -> Any:
    auth_service = p.text("authService")
    body: dict[str, Any] = {"auth_service": auth_service, "username": p.text("username")}
    body.update(p.collection("additionalFields"))
    notification = body.get("notificationUi")
    if notification:
        body["notify_props"] = _unwrap(notification, "notificationValues")
    if auth_service == "email":
        body["email"] = p.text("email")
        body["password"] = p.text("password")
    else:
        body["auth_data"] = p.text("authData")
    return _call(client, p, "POST", "users", body)


def _user_deactive(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "DELETE", f"users/{_seg(_text(p, 'userId'))}")


_SORTS = {
    "inTeam": ["last_activity_at", "created_at", "username"],
    "inChannel": ["status", "username"],
}


def _user_get_all(client: ServiceClient, p: Params) -> Any:
    fields = p.collection("additionalFields")
    qs: dict[str, Any] = {}
    for key, param in (
        ("inTeam", "in_team"),
        ("notInTeam", "not_in_team"),
        ("inChannel", "in_channel"),
        ("notInChannel", "not_in_channel"),
    ):
        if fields.get(key):
            qs[param] = fields[key]
    sort = fields.get("sort")

    def fail(message: str) -> NodeExecutionError:
        return NodeExecutionError(message, node=p.ctx.node_name, item_index=p.index)

    if sort:
        snake = _snake(str(sort))
        qs["sort"] = snake
        if "inTeam" not in fields and "inChannel" not in fields:
            raise fail("When sort is defined either 'in team' or 'in channel' must be defined")
        if "inTeam" in fields and snake not in _SORTS["inTeam"]:
            raise fail(
                "When In Team is set the only valid values for sorting are "
                + ",".join(_SORTS["inTeam"])
            )
        if "inChannel" in fields and snake not in _SORTS["inChannel"]:
            raise fail(
                "When In Channel is set the only valid values for sorting are "
                + ",".join(_SORTS["inChannel"])
            )
        if fields.get("inChannel") == "" and sort != "username":
            raise fail("When sort is different than username In Channel must be set")
        if fields.get("inTeam") == "" and sort != "username":
            raise fail("When sort is different than username In Team must be set")
    if sort == "username":
        qs["sort"] = ""
    if p.get("returnAll", True) is True:  # n8n's default
        return _all_pages(client, p, "GET", "users", qs)
    qs["per_page"] = p.get("limit", 100)
    return _call(client, p, "GET", "users", None, qs)


def _user_by_email(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "GET", f"users/email/{_seg(_text(p, 'email'))}")


def _user_by_ids(client: ServiceClient, p: Params) -> Any:
    ids = _text(p, "userIds").split(",")
    fields = p.collection("additionalFields")
    qs: dict[str, Any] = {}
    if fields.get("since"):
        since = fields["since"]
        if isinstance(since, int | float):
            qs["since"] = int(since)
        else:
            try:
                parsed = datetime.fromisoformat(str(since).replace("Z", "+00:00"))
            except ValueError:
                raise NodeExecutionError(
                    f"Invalid date in 'since': {since!r}",
                    node=p.ctx.node_name,
                    item_index=p.index,
                ) from None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            qs["since"] = int(parsed.timestamp() * 1000)
    return _call(client, p, "POST", "users/ids", ids, qs)


def _user_invite(client: ServiceClient, p: Params) -> Any:
    emails = _text(p, "emails").split(",")
    return _call(client, p, "POST", f"teams/{_seg(_text(p, 'teamId'))}/invite/email", emails)


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("message", "post"): Operation(run=_message_post),
    ("message", "postEphemeral"): Operation(run=_message_ephemeral),
    ("message", "delete"): Operation(run=_message_delete),
    ("channel", "create"): Operation(run=_channel_create),
    ("channel", "delete"): Operation(run=_channel("DELETE")),
    ("channel", "members"): Operation(run=_channel_members),
    ("channel", "restore"): Operation(run=_channel("POST", "/restore")),
    ("channel", "addUser"): Operation(run=_channel_add_user),
    ("channel", "statistics"): Operation(run=_channel("GET", "/stats")),
    ("channel", "search"): Operation(run=_channel_search),
    ("reaction", "create"): Operation(run=_reaction_create),
    ("reaction", "delete"): Operation(run=_reaction_delete),
    ("reaction", "getAll"): Operation(run=_reaction_get_all),
    ("user", "create"): Operation(run=_user_create),
    ("user", "deactive"): Operation(run=_user_deactive),
    ("user", "getAll"): Operation(run=_user_get_all),
    ("user", "getByEmail"): Operation(run=_user_by_email),
    ("user", "getById"): Operation(run=_user_by_ids),
    ("user", "invite"): Operation(run=_user_invite),
}
# n8n's router accepts the old names too
for (_resource, _operation), _op in list(OPERATIONS.items()):
    if _operation == "delete":
        OPERATIONS[(_resource, "del")] = _op
OPERATIONS[("user", "desactive")] = OPERATIONS[("user", "deactive")]


@node("mattermost", versions=[1], display_name="Mattermost", fusible=False)
class Mattermost(IntegrationNode):
    """Sends data to Mattermost."""

    service = MATTERMOST
    operations = OPERATIONS
    default_resource = "message"
    default_operations = {
        "message": "post",
        "channel": "create",
        "reaction": "create",
        "user": "create",
    }


MattermostTool = as_tool(Mattermost)
"""n8n's Mattermost as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
