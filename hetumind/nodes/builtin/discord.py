"""Discord (n8n `discord` 1, 2): version 2's messages, channels, members and webhook
messages over the Discord HTTP API v10; version 1 is the webhook-only node (in
_discord_v1).

Requests are n8n's: `https://discord.com/api/v10<endpoint>` (a `discordBotApi` credential's
`baseUrl` replaces that root), `Authorization: Bot <botToken>` for `authentication:
botToken`; with `oAuth2` every call carries the credential's bot token too, except
`GET /users/@me/guilds`, which uses the OAuth2 token and tells which servers the user may
reach (n8n checks the server, and each channel's server, against that list);
`authentication: webhook` posts to the `discordWebhookApi` credential's `webhookUri`. 429s
wait Retry-After (seconds) and retry. Errors carry Discord's own message ("Unknown
Channel", "401: Unauthorized"), as n8n's parseDiscordError does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hetumind.binary import read_binary
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.http.request import FilePart, RequestSpec
from hetumind.integrations import (
    ApiKeyHeader,
    IntegrationNode,
    NoAuth,
    OAuth2,
    Operation,
    Params,
    Service,
)
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.operations import run_operations
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext, node
from hetumind.nodes.builtin._discord_v1 import run_v1
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["Discord", "DiscordTool"]

API = "https://discord.com/api/v10"
_BOT = ApiKeyHeader("botToken", "Authorization", "Bot ")


@dataclass(frozen=True)
class _DiscordOAuth2(OAuth2):
    """n8n's discordOAuth2Api: the OAuth2 token lists the user's servers; everything else
    goes with the credential's bot token."""

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec:
        if spec.url.split("?", 1)[0].endswith("/users/@me/guilds"):
            return super().apply(spec, data, kind)
        return _BOT.apply(spec, data, kind)


DISCORD = Service(
    name="Discord",
    default_base_url=API,
    credentials={
        "discordBotApi": _BOT,
        "discordOAuth2Api": _DiscordOAuth2(),
        "discordWebhookApi": NoAuth(),
    },
    authentication={
        "botToken": "discordBotApi",
        "oAuth2": "discordOAuth2Api",
        "webhook": "discordWebhookApi",
    },
)

_GUILD_URL = r"https:\/\/discord.com\/channels\/([0-9]+)"
_CHANNEL_URL = r"https:\/\/discord.com\/channels\/[0-9]+\/([0-9]+)"

RunFn = Callable[[ServiceClient, Params], Any]


# -- calls and errors -----------------------------------------------------------------------


def _discord_error(exc: NodeApiError, index: int | None) -> NodeApiError:
    """n8n's parseDiscordError: Discord's message replaces the status text; a 400 about
    embed fields or the message replied to says which."""
    message = exc.description or exc.reason
    description = None
    body = exc.body if isinstance(exc.body, dict) else {}
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    if exc.http_code == 400 and errors:
        embeds = errors.get("embeds")
        first = embeds.get("0") if isinstance(embeds, dict) else None
        if isinstance(first, dict) and first:
            keys = [k[:1].upper() + k[1:] for k in first]
            message = (
                f"The parameter {keys[0]} is not properly formatted"
                if len(keys) == 1
                else f"The parameters {', '.join(keys)} are not properly formatted"
            )
            description = "Review the formatting or clear it"
        elif "message_reference" in errors:
            message = "The message to reply to ID can't be found"
            description = (
                'Check the "Message to Reply to" parameter and remove it if you don\'t want '
                "to reply to an existing message"
            )
    if message == "Cannot send an empty message":
        description = (
            "Something has to be send to the channel whether it is a message, an embed or a file"
        )
    return NodeApiError(
        message,
        node=exc.node,
        item_index=index if index is not None else exc.item_index,
        http_code=exc.http_code,
        description=description,
        body=exc.body,
    )


def _call(
    client: ServiceClient,
    p: Params,
    method: str,
    endpoint: str,
    *,
    body: Any = None,
    qs: Mapping[str, Any] | None = None,
    multipart: list[tuple[str, str | FilePart]] | None = None,
) -> Any:
    path = _webhook_url(client) if client.kind == "discordWebhookApi" else endpoint
    try:
        answer = client.request(
            method,
            path,
            qs=qs,
            body=multipart if multipart is not None else body,
            body_kind="multipart" if multipart is not None else None,
            item_index=p.index,
        )
    except NodeApiError as exc:
        raise _discord_error(exc, p.index) from None
    return answer if answer not in (None, "") else {"success": True}


def _webhook_url(client: ServiceClient) -> str:
    uri = str(client.data.get("webhookUri") or "")
    if not uri:
        raise NodeExecutionError(
            "The discordWebhookApi credential has no webhookUri", node=client.ctx.node_name
        )
    return uri


def _error_json(exc: HetumindError) -> dict[str, Any]:
    """n8n's prepareErrorData: {error, description}."""
    message = exc.reason if isinstance(exc, NodeExecutionError) else exc.message
    out: dict[str, Any] = {"error": message}
    description = getattr(exc, "description", None)
    if description is not None:
        try:
            out["description"] = json.loads(description)
        except ValueError:
            out["description"] = description
    return out


# -- servers and channels (with n8n's OAuth2 access checks) ---------------------------------


def _guild(client: ServiceClient, p: Params) -> str:
    """The server (read from the first item, as n8n does), checked against the OAuth2
    user's servers."""
    guild = str(client.cache.get("guild") or "")
    if not guild:
        value = Params(p.ctx, 0, {"json": {}}).locator("guildId", _GUILD_URL)
        guild = value
        client.cache["guild"] = guild
        if client.kind == "discordOAuth2Api":
            _check_guild(client, p, guild)
    return guild


def _user_guilds(client: ServiceClient, p: Params) -> list[Any]:
    if "userGuilds" not in client.cache:
        answer = _call(client, p, "GET", "/users/@me/guilds")
        client.cache["userGuilds"] = answer if isinstance(answer, list) else []
    guilds: list[Any] = client.cache["userGuilds"]
    return guilds


def _check_guild(client: ServiceClient, p: Params, guild: str, index: int = 0) -> None:
    if not any(isinstance(g, dict) and g.get("id") == guild for g in _user_guilds(client, p)):
        raise NodeExecutionError(
            f"You do not have access to the guild with the id {guild}",
            node=p.ctx.node_name,
            item_index=index,
        )


def _check_channel(client: ServiceClient, p: Params, channel: str) -> None:
    guild = ""
    try:
        answer = _call(client, p, "GET", f"/channels/{channel}")
        guild = str(answer.get("guild_id") or "") if isinstance(answer, dict) else ""
    except NodeApiError:
        pass
    if not guild:
        raise NodeExecutionError(
            f"Could not find server for channel with the id {channel}",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    _check_guild(client, p, guild, p.index)


def _channel(client: ServiceClient, p: Params) -> str:
    channel = p.locator("channelId", _CHANNEL_URL)
    if client.kind == "discordOAuth2Api":
        _check_channel(client, p, channel)
    return channel


# -- messages -------------------------------------------------------------------------------


def _options(options: dict[str, Any], guild: str | None) -> dict[str, Any]:
    """n8n's prepareOptions: flags to Discord's bits, the reply as message_reference."""
    flags = options.get("flags")
    if flags:
        names = flags if isinstance(flags, list) else [flags]
        if len(names) == 2:
            options["flags"] = (1 << 2) + (1 << 12)
        elif "SUPPRESS_EMBEDS" in names:
            options["flags"] = 1 << 2
        elif "SUPPRESS_NOTIFICATIONS" in names:
            options["flags"] = 1 << 12
    elif "flags" in options:
        del options["flags"]
    reference = options.get("message_reference")
    if reference:
        options["message_reference"] = {"message_id": reference}
        if guild:
            options["message_reference"]["guild_id"] = guild
    elif "message_reference" in options:
        del options["message_reference"]
    return options


def _embeds(p: Params) -> list[dict[str, Any]] | None:
    """n8n's prepareEmbeds: fields or raw JSON; author, video, thumbnail and image become
    objects, a `#rrggbb` color a number; empty embeds are dropped."""
    raw = p.get("embeds", None)
    values = raw.get("values") if isinstance(raw, Mapping) else None
    if values is None:
        return None
    out: list[dict[str, Any]] = []
    for embed in values if isinstance(values, list) else [values]:
        if not isinstance(embed, Mapping):
            continue
        data: dict[str, Any] = {}
        if embed.get("inputMethod") == "json":
            value = embed.get("json")
            if isinstance(value, Mapping):
                data = dict(value)
            else:
                try:
                    parsed = json.loads(str(value))
                except ValueError:
                    raise NodeExecutionError(
                        "Not a valid JSON", node=p.ctx.node_name, item_index=p.index
                    ) from None
                data = parsed if isinstance(parsed, dict) else {}
        else:
            data = {k: v for k, v in embed.items() if k != "inputMethod" and v != ""}
        if data.get("author"):
            data["author"] = {"name": data["author"]}
        color = data.get("color")
        if color and isinstance(color, str):
            try:
                data["color"] = int(color.replace("#", ""), 16)
            except ValueError:
                data["color"] = None
        if data.get("video"):
            data["video"] = {"url": data["video"], "width": 1270, "height": 720}
        for key in ("thumbnail", "image"):
            if data.get(key):
                data[key] = {"url": data[key]}
        if data:
            out.append(data)
    return out


def _files(p: Params) -> list[str]:
    raw = p.get("files", None)
    values = raw.get("values") if isinstance(raw, Mapping) else None
    if not values:
        return []
    entries = values if isinstance(values, list) else [values]
    return [str(e.get("inputFieldName") or "data") for e in entries if isinstance(e, Mapping)]


_MIME_EXT = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/gif": "gif",
    "text/plain": "txt",
    "application/pdf": "pdf",
    "application/json": "json",
}


def _multipart(p: Params, fields: list[str], payload: dict[str, Any]) -> list[Any]:
    """n8n's prepareMultiPartForm: `payload_json` with the attachments, then `files[n]`."""
    attachments: list[dict[str, Any]] = []
    parts: list[tuple[str, str | FilePart]] = []
    for index, name in enumerate(fields):
        entry = p.binary.get(name)
        if not isinstance(entry, Mapping):
            raise NodeExecutionError(
                f"Input item [{p.index}] does not contain binary data on property {name}",
                node=p.ctx.node_name,
                item_index=p.index,
            )
        file_name = str(entry.get("fileName") or "file")
        mime = str(entry.get("mimeType") or "application/octet-stream")
        if "." not in file_name:
            if entry.get("fileExtension"):
                file_name += f".{entry['fileExtension']}"
            elif mime in _MIME_EXT:
                file_name += f".{_MIME_EXT[mime]}"
        attachments.append({"id": index, "filename": file_name})
        data = read_binary(entry, where=f"binary field '{name}'")
        parts.append((f"files[{index}]", FilePart(data=data, file_name=file_name, mime_type=mime)))
    payload_json = json.dumps({**payload, "attachments": attachments}, separators=(",", ":"))
    return [("payload_json", payload_json), *parts]


def _message_body(p: Params, guild: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"content": p.text("content")}
    body.update(_options(p.collection("options"), guild))
    embeds = _embeds(p)
    if embeds is not None:
        body["embeds"] = embeds
    return body


def _send(client: ServiceClient, p: Params) -> Any:
    guild = _guild(client, p)
    body = _message_body(p, guild)
    oauth = client.kind == "discordOAuth2Api"
    send_to = p.text("sendTo", "channel")
    channel = ""
    if send_to == "user":
        user = p.locator("userId")
        if oauth:
            try:
                _call(client, p, "GET", f"/guilds/{guild}/members/{user}")
            except NodeApiError as exc:
                if exc.http_code == 404:
                    raise NodeExecutionError(
                        f"User with the id {user} is not a member of the selected guild",
                        node=p.ctx.node_name,
                        item_index=p.index,
                    ) from None
                raise
        dm = _call(client, p, "POST", "/users/@me/channels", body={"recipient_id": user})
        channel = str(dm.get("id") or "") if isinstance(dm, dict) else ""
        if not channel:
            raise NodeExecutionError(
                "Could not create a channel to send direct message to",
                node=p.ctx.node_name,
                item_index=p.index,
            )
    else:
        channel = p.locator("channelId", _CHANNEL_URL)
        if oauth and channel:
            _check_channel(client, p, channel)
    if not channel:
        raise NodeExecutionError("Channel ID is required", node=p.ctx.node_name, item_index=p.index)
    files = _files(p)
    endpoint = f"/channels/{channel}/messages"
    if files:
        return _call(client, p, "POST", endpoint, multipart=_multipart(p, files, body))
    return _call(client, p, "POST", endpoint, body=body)


_MESSAGE_FIELDS = ("id", "channel_id", "author", "content", "timestamp", "type")
_MEMBER_FIELDS = ("user", "roles", "permissions")


def _simplify(value: Any, keys: Sequence[str]) -> Any:
    if isinstance(value, list):
        return [_simplify(v, keys) for v in value]
    if isinstance(value, dict):
        return {k: value[k] for k in keys if k in value}
    return value


def _message_get_all(client: ServiceClient, p: Params) -> Any:
    _guild(client, p)
    endpoint = f"/channels/{_channel(client, p)}/messages"
    if p.get("returnAll", False) is not True:
        answer = _call(client, p, "GET", endpoint, qs={"limit": p.ctx.param("limit", 0, 50)})
        messages = answer if isinstance(answer, list) else []
    else:
        messages = []
        qs: dict[str, Any] = {"limit": 100}
        for _ in range(10_000):
            page = _call(client, p, "GET", endpoint, qs=qs)
            if not isinstance(page, list) or not page:
                break
            qs["before"] = page[-1].get("id")
            messages.extend(page)
    if p.get("options.simplify", False) is True:
        return _simplify(messages, _MESSAGE_FIELDS)
    return messages


def _message_get(client: ServiceClient, p: Params) -> Any:
    _guild(client, p)
    endpoint = f"/channels/{_channel(client, p)}/messages/{p.text('messageId')}"
    answer = _call(client, p, "GET", endpoint)
    return _simplify(answer, _MESSAGE_FIELDS) if p.get("options.simplify", False) else answer


def _react(client: ServiceClient, p: Params) -> Any:
    _guild(client, p)
    emoji = quote(p.text("emoji"), safe="-_.!~*'()")
    endpoint = f"/channels/{_channel(client, p)}/messages/{p.text('messageId')}"
    _call(client, p, "PUT", f"{endpoint}/reactions/{emoji}/@me")
    return {"success": True}


def _delete_message(client: ServiceClient, p: Params) -> Any:
    _guild(client, p)
    endpoint = f"/channels/{_channel(client, p)}/messages/{p.text('messageId')}"
    _call(client, p, "DELETE", endpoint)
    return {"success": True}


# -- channels -------------------------------------------------------------------------------


def _channel_options(p: Params) -> dict[str, Any]:
    options = p.collection("options")
    if options.get("categoryId"):
        category = Params(p.ctx, p.index, {"json": p.json}).locator(
            "options.categoryId", _CHANNEL_URL
        )
        options["parent_id"] = category
    options.pop("categoryId", None)
    return options


def _channel_create(client: ServiceClient, p: Params) -> Any:
    guild = _guild(client, p)
    body = {"name": p.text("name"), "type": p.get("type", "0"), **_channel_options(p)}
    return _call(client, p, "POST", f"/guilds/{guild}/channels", body=body)


def _channel_update(client: ServiceClient, p: Params) -> Any:
    _guild(client, p)
    channel = _channel(client, p)
    body = {"name": p.text("name"), **_channel_options(p)}
    return _call(client, p, "PATCH", f"/channels/{channel}", body=body)


def _channel_get(client: ServiceClient, p: Params) -> Any:
    _guild(client, p)
    return _call(client, p, "GET", f"/channels/{_channel(client, p)}")


def _channel_delete(client: ServiceClient, p: Params) -> Any:
    _guild(client, p)
    return _call(client, p, "DELETE", f"/channels/{_channel(client, p)}")


def _channel_get_all(client: ServiceClient, p: Params) -> Any:
    guild = _guild(client, p)
    answer = _call(client, p, "GET", f"/guilds/{guild}/channels")
    channels = answer if isinstance(answer, list) else []
    if p.get("returnAll", False) is not True:
        channels = channels[: int(p.get("limit", 50))]
    wanted = p.collection("options").get("filter")
    if wanted:
        types = {int(t) for t in (wanted if isinstance(wanted, list) else [wanted])}
        channels = [c for c in channels if c.get("type") in types]
    return channels


# -- members --------------------------------------------------------------------------------


def _member_get_all(client: ServiceClient, p: Params) -> Any:
    guild = _guild(client, p)
    endpoint = f"/guilds/{guild}/members"
    qs: dict[str, Any] = {}
    if p.get("after"):
        qs["after"] = p.get("after")
    if p.get("returnAll", False) is not True:
        qs["limit"] = p.get("limit", 50)
        answer = _call(client, p, "GET", endpoint, qs=qs)
        members = answer if isinstance(answer, list) else []
    else:
        members = []
        qs["limit"] = 100
        for _ in range(10_000):
            page = _call(client, p, "GET", endpoint, qs=qs)
            if not isinstance(page, list) or not page:
                break
            qs["after"] = (page[-1].get("user") or {}).get("id")
            members.extend(page)
    if p.get("options.simplify", False) is True:
        return _simplify(members, _MEMBER_FIELDS)
    return members


def _roles(method: str) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        guild = _guild(client, p)
        user = p.locator("userId")
        roles = p.get("role", []) or []
        for role in roles if isinstance(roles, list) else [roles]:
            _call(client, p, method, f"/guilds/{guild}/members/{user}/roles/{role}")
        return {"success": True}

    return run


# -- webhook --------------------------------------------------------------------------------


def _webhook_send(client: ServiceClient, p: Params) -> Any:
    options = _options(p.collection("options"), None)
    qs = None
    if options.get("wait"):
        qs = {"wait": options.pop("wait")}
    else:
        options.pop("wait", None)
    body: dict[str, Any] = {"content": p.text("content"), **options}
    embeds = _embeds(p)
    if embeds is not None:
        body["embeds"] = embeds
    files = _files(p)
    if files:
        return _call(client, p, "POST", "", multipart=_multipart(p, files, body))
    return _call(client, p, "POST", "", body=body, qs=qs)


def _op(run: RunFn, once: bool = False) -> Operation:
    return Operation(run=run, error_json=_error_json, once=(lambda version: True) if once else None)


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("message", "send"): _op(_send),
    ("message", "getAll"): _op(_message_get_all),
    ("message", "get"): _op(_message_get),
    ("message", "react"): _op(_react),
    ("message", "deleteMessage"): _op(_delete_message),
    ("channel", "create"): _op(_channel_create),
    ("channel", "get"): _op(_channel_get),
    ("channel", "getAll"): _op(_channel_get_all, once=True),
    ("channel", "update"): _op(_channel_update),
    ("channel", "deleteChannel"): _op(_channel_delete),
    ("member", "getAll"): _op(_member_get_all, once=True),
    ("member", "roleAdd"): _op(_roles("PUT")),
    ("member", "roleRemove"): _op(_roles("DELETE")),
}

_WEBHOOK = _op(_webhook_send)
WEBHOOK_OPERATIONS: dict[tuple[str, str], Operation] = {
    # the resource parameter is hidden with webhook authentication: whatever an export
    # holds, the webhook is meant
    (resource, "sendLegacy"): _WEBHOOK
    for resource in ("webhook", "message", "channel", "member")
}


@node("discord", versions=[1, 2], display_name="Discord", fusible=False)
class Discord(IntegrationNode):
    """Send messages to Discord; manage channels, messages and members (version 2)."""

    service = DISCORD
    operations = OPERATIONS
    default_resource = "channel"
    default_operations = {
        "channel": "create",
        "message": "send",
        "member": "getAll",
        "webhook": "sendLegacy",
    }

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if ctx.type_version < 2:
            return run_v1(ctx, inputs)
        if ctx.param("authentication", 0, "botToken") == "webhook":
            return run_operations(
                ctx, inputs, DISCORD, WEBHOOK_OPERATIONS, "webhook", {"webhook": "sendLegacy"}
            )
        return super().run(ctx, inputs)


DiscordTool = as_tool(Discord)
"""n8n's Discord as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
