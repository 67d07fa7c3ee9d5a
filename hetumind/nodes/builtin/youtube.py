"""YouTube (n8n `youTube` 1) over the YouTube Data API v3, with youTubeOAuth2Api.

channel get / getAll / update; playlist create / get / getAll / update / delete;
playlistItem add / get / getAll / delete; video get / getAll (search.list) / rate /
update / upload (resumable) / delete; videoCategory getAll. `part: ['*']` is every part
of the resource, as in n8n; returnAll follows nextPageToken (maxResults 50 a page, the
API's most), else maxResults = `limit`. See docs/nodes/youtube.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.integrations import Operation, Params, ServiceClient, run_operations
from hetumind.integrations.client import Service
from hetumind.integrations.google.auth import GoogleOAuth2
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin._google_drive_api import item_file

__all__ = ["YouTube"]

YOUTUBE = Service(
    name="YouTube",
    default_base_url="https://www.googleapis.com",
    credentials={"youTubeOAuth2Api": GoogleOAuth2()},
)

ALL_PARTS: dict[str, list[str]] = {
    "channel": [
        "brandingSettings",
        "contentDetails",
        "contentOwnerDetails",
        "id",
        "localizations",
        "snippet",
        "statistics",
        "status",
        "topicDetails",
    ],
    "playlist": ["contentDetails", "id", "localizations", "player", "snippet", "status"],
    "playlistItem": ["contentDetails", "id", "snippet", "status"],
    "video": [
        "contentDetails",
        "id",
        "liveStreamingDetails",
        "localizations",
        "player",
        "recordingDetails",
        "snippet",
        "statistics",
        "status",
        "topicDetails",
    ],
}


def _path(name: str) -> str:
    return f"youtube/v3/{name}"


def _part(p: Params, resource: str) -> str:
    part = p.get("part", ["*"])
    parts = [str(x) for x in part] if isinstance(part, list) else str(part).split(",")
    if "*" in parts:
        parts = ALL_PARTS[resource]
    return ",".join(x.strip() for x in parts if x.strip())


def _required(p: Params, name: str) -> str:
    value = p.get(name, "")
    if isinstance(value, Mapping):
        value = value.get("value")
    text = "" if value is None else str(value).strip()
    if not text:
        raise NodeExecutionError(
            f"The parameter '{name}' is required", node=p.ctx.node_name, item_index=p.index
        )
    return text


def _items(client: ServiceClient, p: Params, name: str, qs: Mapping[str, Any]) -> Any:
    answer = client.request("GET", _path(name), qs=qs, item_index=p.index) or {}
    return list(answer.get("items") or [])


def _list(client: ServiceClient, p: Params, name: str, qs: dict[str, Any]) -> list[Any]:
    """returnAll: every page over nextPageToken; else one page of `limit`."""
    if not p.get("returnAll", False):
        qs["maxResults"] = p.get("limit", 25)
        return list(_items(client, p, name, qs))
    query = {**qs, "maxResults": 50}
    out: list[Any] = []
    seen: set[str] = set()
    while True:
        answer = client.request("GET", _path(name), qs=query, item_index=p.index) or {}
        out.extend(answer.get("items") or [])
        token = answer.get("nextPageToken")
        if not token:
            return out
        if token in seen:
            raise NodeExecutionError(
                "YouTube sent the same nextPageToken twice",
                node=p.ctx.node_name,
                item_index=p.index,
            )
        seen.add(token)
        query["pageToken"] = token


def _tags(value: Any) -> list[str]:
    return [t for t in str(value).split(",")] if value else []


# -- channel ------------------------------------------------------------------------------


def _channel_get(client: ServiceClient, p: Params) -> Any:
    qs = {"part": _part(p, "channel"), "id": _required(p, "channelId")}
    return _items(client, p, "channels", qs)


def _channel_get_all(client: ServiceClient, p: Params) -> Any:
    qs: dict[str, Any] = {
        "part": _part(p, "channel"),
        **p.collection("options"),
        **p.collection("filters"),
    }
    if not any(qs.get(k) for k in ("categoryId", "forUsername", "id", "managedByMe")):
        qs["mine"] = True
    return _list(client, p, "channels", qs)


_CHANNEL_SETTINGS = (
    "country",
    "description",
    "defaultLanguage",
    "defaultTab",
    "featuredChannelsTitle",
    "featuredChannelsUrls",
    "keywords",
    "moderateComments",
    "profileColor",
    "showRelatedChannels",
    "showBrowseView",
    "trackingAnalyticsAccountId",
    "unsubscribedTrailer",
)
_IMAGE_SETTINGS = ("bannerExternalUrl", "trackingImageUrl", "watchIconImageUrl")


def _channel_update(client: ServiceClient, p: Params) -> Any:
    fields = p.collection("updateFields")
    qs: dict[str, Any] = {"part": "brandingSettings"}
    if fields.get("onBehalfOfContentOwner"):
        qs["onBehalfOfContentOwner"] = fields["onBehalfOfContentOwner"]
    ui = fields.get("brandingSettingsUi") or {}
    channel_values = (ui.get("channelSettingsValues") or {}) if isinstance(ui, Mapping) else {}
    image_values = (ui.get("imageSettingsValues") or {}) if isinstance(ui, Mapping) else {}
    channel_opts = channel_values.get("channel") or {}
    image_opts = image_values.get("image") or {}
    body = {
        "id": _required(p, "channelId"),
        "brandingSettings": {
            "channel": {k: channel_opts[k] for k in _CHANNEL_SETTINGS if channel_opts.get(k)},
            "image": {k: image_opts[k] for k in _IMAGE_SETTINGS if image_opts.get(k)},
        },
    }
    return client.request("PUT", _path("channels"), qs=qs, body=body, item_index=p.index)


# -- playlist -----------------------------------------------------------------------------


def _playlist_get(client: ServiceClient, p: Params) -> Any:
    qs = {"part": _part(p, "playlist"), "id": _required(p, "playlistId"), **p.collection("options")}
    return _items(client, p, "playlists", qs)


def _playlist_get_all(client: ServiceClient, p: Params) -> Any:
    qs: dict[str, Any] = {
        "part": _part(p, "playlist"),
        **p.collection("options"),
        **p.collection("filters"),
    }
    if not (qs.get("channelId") or qs.get("id")):
        qs["mine"] = True
    return _list(client, p, "playlists", qs)


def _owner_qs(qs: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    for name in ("onBehalfOfContentOwner", "onBehalfOfContentOwnerChannel"):
        if options.get(name):
            qs[name] = options[name]
    return qs


def _playlist_create(client: ServiceClient, p: Params) -> Any:
    options = p.collection("options")
    snippet: dict[str, Any] = {"title": p.text("title", "")}
    if options.get("tags"):
        snippet["tags"] = _tags(options["tags"])
    if options.get("description"):
        snippet["description"] = options["description"]
    if options.get("defaultLanguage"):
        snippet["defaultLanguage"] = options["defaultLanguage"]
    body: dict[str, Any] = {"snippet": snippet}
    part = "snippet"
    if options.get("privacyStatus"):
        body["status"] = {"privacyStatus": options["privacyStatus"]}
        part = "snippet,status"
    qs = _owner_qs({"part": part}, options)
    return client.request("POST", _path("playlists"), qs=qs, body=body, item_index=p.index)


def _playlist_update(client: ServiceClient, p: Params) -> Any:
    fields = p.collection("updateFields")
    snippet: dict[str, Any] = {"title": p.text("title", "")}
    status: dict[str, Any] = {}
    if fields.get("tags"):
        snippet["tags"] = _tags(fields["tags"])
    if fields.get("privacyStatus"):
        status["privacyStatus"] = fields["privacyStatus"]
    for name in ("description", "defaultLanguage"):
        if fields.get(name):
            snippet[name] = fields[name]
    body = {"id": _required(p, "playlistId"), "snippet": snippet, "status": status}
    qs = _owner_qs({"part": "snippet, status"}, fields)
    return client.request("PUT", _path("playlists"), qs=qs, body=body, item_index=p.index)


def _delete(name: str, param: str) -> Any:
    def run(client: ServiceClient, p: Params) -> Any:
        qs = _owner_qs({"id": _required(p, param)}, p.collection("options"))
        client.request("DELETE", _path(name), qs=qs, item_index=p.index)
        return {"success": True}

    return run


# -- playlistItem -------------------------------------------------------------------------


def _item_get(client: ServiceClient, p: Params) -> Any:
    qs = {
        "part": _part(p, "playlistItem"),
        "id": _required(p, "playlistItemId"),
        **p.collection("options"),
    }
    return _items(client, p, "playlistItems", qs)


def _item_get_all(client: ServiceClient, p: Params) -> Any:
    qs = {
        "part": _part(p, "playlistItem"),
        "playlistId": _required(p, "playlistId"),
        **p.collection("options"),
    }
    return _list(client, p, "playlistItems", qs)


def _item_add(client: ServiceClient, p: Params) -> Any:
    options = p.collection("options")
    snippet: dict[str, Any] = {
        "playlistId": _required(p, "playlistId"),
        "resourceId": {"kind": "youtube#video", "videoId": _required(p, "videoId")},
    }
    if options.get("position") not in (None, ""):
        snippet["position"] = options["position"]
    details = {k: options[k] for k in ("note", "startAt", "endAt") if options.get(k)}
    body = {"snippet": snippet, "contentDetails": details}
    qs = _owner_qs({"part": "snippet, contentDetails"}, options)
    return client.request("POST", _path("playlistItems"), qs=qs, body=body, item_index=p.index)


# -- video --------------------------------------------------------------------------------


def _video_get(client: ServiceClient, p: Params) -> Any:
    qs = {"part": _part(p, "video"), "id": _required(p, "videoId"), **p.collection("options")}
    return _items(client, p, "videos", qs)


def _video_get_all(client: ServiceClient, p: Params) -> Any:
    filters = p.collection("filters")
    qs: dict[str, Any] = {"part": "snippet", "type": "video", **p.collection("options")}
    qs.update(filters)
    if not filters:
        qs["forMine"] = True
    if qs.get("relatedToVideoId") and qs.get("forDeveloper") is not None:
        raise NodeExecutionError(
            "When using the parameter 'related to video' the parameter 'for developer' "
            "cannot be set",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    return _list(client, p, "search", qs)


def _video_rate(client: ServiceClient, p: Params) -> Any:
    qs = {"id": _required(p, "videoId"), "rating": _required(p, "rating")}
    client.request("POST", _path("videos/rate"), qs=qs, item_index=p.index)
    return {"success": True}


_STATUS_FIELDS = (
    "privacyStatus",
    "embeddable",
    "publicStatsViewable",
    "publishAt",
    "selfDeclaredMadeForKids",
    "license",
)


def _video_update(client: ServiceClient, p: Params) -> Any:
    fields = p.collection("updateFields")
    snippet: dict[str, Any] = {"title": p.text("title", ""), "categoryId": p.text("categoryId")}
    status: dict[str, Any] = {}
    recording: dict[str, Any] = {}
    if fields.get("description"):
        snippet["description"] = fields["description"]
    if fields.get("tags"):
        snippet["tags"] = _tags(fields["tags"])
    if fields.get("defaultLanguage"):
        snippet["defaultLanguage"] = fields["defaultLanguage"]
    for name in _STATUS_FIELDS:
        if fields.get(name):
            status[name] = fields[name]
    if fields.get("recordingDate"):
        recording["recordingDate"] = fields["recordingDate"]
    body = {
        "id": _required(p, "videoId"),
        "snippet": snippet,
        "status": status,
        "recordingDetails": recording,
    }
    qs = {"part": "snippet, status, recordingDetails"}
    return client.request("PUT", _path("videos"), qs=qs, body=body, item_index=p.index)


def _video_upload(client: ServiceClient, p: Params) -> Any:
    """A resumable upload (Google's documented way): the metadata opens a session, the
    bytes go to its Location in one PUT; the answer is the new video."""
    options = p.collection("options")
    data, _, mime = item_file(p, p.text("binaryProperty", "data"))
    snippet: dict[str, Any] = {"title": p.text("title", ""), "categoryId": p.text("categoryId")}
    status: dict[str, Any] = {}
    recording: dict[str, Any] = {}
    for name in ("description", "defaultLanguage"):
        if options.get(name):
            snippet[name] = options[name]
    if options.get("tags"):
        snippet["tags"] = _tags(options["tags"])
    for name in _STATUS_FIELDS:
        if options.get(name):
            status[name] = options[name]
    if options.get("recordingDate"):
        recording["recordingDate"] = options["recordingDate"]
    qs: dict[str, Any] = {"uploadType": "resumable", "part": "snippet,status,recordingDetails"}
    if options.get("notifySubscribers") is not None:
        qs["notifySubscribers"] = options["notifySubscribers"]
    session = client.request(
        "POST",
        "upload/youtube/v3/videos",
        qs=qs,
        body={"snippet": snippet, "status": status, "recordingDetails": recording},
        headers={"X-Upload-Content-Type": mime, "X-Upload-Content-Length": str(len(data))},
        item_index=p.index,
        raw=True,
    )
    location = session.headers.get("location", "")
    if not location:
        raise NodeExecutionError(
            "YouTube did not answer with a resumable upload URL",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    return client.request(
        "PUT",
        location,
        body=data,
        body_kind="content",
        headers={"Content-Type": mime},
        item_index=p.index,
    )


def _categories(client: ServiceClient, p: Params) -> Any:
    qs = {"part": "snippet", "regionCode": p.text("regionCode", "")}
    found = _items(client, p, "videoCategories", qs)
    if not p.get("returnAll", False):
        found = found[: int(p.get("limit", 25))]
    return found


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("channel", "get"): Operation(run=_channel_get),
    ("channel", "getAll"): Operation(run=_channel_get_all),
    ("channel", "update"): Operation(run=_channel_update),
    ("playlist", "create"): Operation(run=_playlist_create),
    ("playlist", "get"): Operation(run=_playlist_get),
    ("playlist", "getAll"): Operation(run=_playlist_get_all),
    ("playlist", "update"): Operation(run=_playlist_update),
    ("playlist", "delete"): Operation(run=_delete("playlists", "playlistId")),
    ("playlistItem", "add"): Operation(run=_item_add),
    ("playlistItem", "get"): Operation(run=_item_get),
    ("playlistItem", "getAll"): Operation(run=_item_get_all),
    ("playlistItem", "delete"): Operation(run=_delete("playlistItems", "playlistItemId")),
    ("video", "get"): Operation(run=_video_get),
    ("video", "getAll"): Operation(run=_video_get_all),
    ("video", "rate"): Operation(run=_video_rate),
    ("video", "update"): Operation(run=_video_update),
    ("video", "upload"): Operation(run=_video_upload),
    ("video", "delete"): Operation(run=_delete("videos", "videoId")),
    ("videoCategory", "getAll"): Operation(run=_categories),
}
_DEFAULT_OPERATIONS = {
    "channel": "getAll",
    "playlist": "getAll",
    "playlistItem": "add",
    "video": "getAll",
    "videoCategory": "getAll",
}


@node(
    "youTube",
    versions=[1],
    display_name="YouTube",
    description="Consume YouTube API",
    fusible=False,
)
class YouTube(Node):
    """Consume YouTube API."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        return run_operations(ctx, inputs, YOUTUBE, OPERATIONS, "channel", _DEFAULT_OPERATIONS)
