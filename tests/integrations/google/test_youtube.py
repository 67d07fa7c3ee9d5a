"""YouTube 1 against a fake of the YouTube Data API v3: channel get / getAll / update,
playlist create / get / getAll / update / delete, playlistItem add / get / getAll /
delete, video get / getAll (search) / rate / update / delete, videoCategory getAll;
`part: ['*']`, returnAll over nextPageToken and limit, n8n's error texts, auth failure
and refresh, continueOnFail and 429s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from tests.fakes._base import serving
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.fakes.fake_youtube import FakeYouTube
from tests.integrations.conftest import run_node
from tests.integrations.google.conftest import oauth_creds

TYPE = "n8n-nodes-base.youTube"


@pytest.fixture(scope="module")
def yt_server(google_token: FakeGoogleToken) -> Iterator[FakeYouTube]:
    with serving(FakeYouTube(google_token)) as fake:
        yield fake


@pytest.fixture
def yt(yt_server: FakeYouTube) -> FakeYouTube:
    yt_server.reset()
    yt_server.rate_limit(0)
    return yt_server


def run(
    api: FakeYouTube,
    token: FakeGoogleToken,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    creds = kw.pop("creds", None) or oauth_creds("youTubeOAuth2Api", token, api.url)
    return [o["json"] for o in run_node(TYPE, params, creds, items, **kw)]


def video(yt: FakeYouTube, title: str, mine: bool = True) -> str:
    return yt.add(
        "videos",
        mine=mine,
        snippet={"title": title, "categoryId": "22", "channelId": yt.my_channel},
        status={"privacyStatus": "private"},
        statistics={"viewCount": "3"},
    )


# -- channel ------------------------------------------------------------------------------


def test_channel_get_with_every_part(yt: FakeYouTube, google_token: FakeGoogleToken) -> None:
    params = {"resource": "channel", "operation": "get", "channelId": yt.my_channel, "part": ["*"]}
    (out,) = run(yt, google_token, params)
    assert out["id"] == yt.my_channel and out["snippet"] == {"title": "Mine"}
    part = yt.calls("/channels")[-1].query["part"].split(",")
    assert "brandingSettings" in part and "topicDetails" in part and len(part) == 9


def test_channel_get_all_is_mine_unless_filtered(
    yt: FakeYouTube, google_token: FakeGoogleToken
) -> None:
    other = yt.add("channels", snippet={"title": "Other"}, _username="bob")
    params = {"resource": "channel", "operation": "getAll", "part": ["snippet"], "limit": 5}
    out = run(yt, google_token, params)
    assert [o["id"] for o in out] == [yt.my_channel]
    assert yt.calls("/channels")[-1].query["mine"] == "true"
    out = run(yt, google_token, {**params, "filters": {"forUsername": "bob"}})
    assert [o["id"] for o in out] == [other]
    assert "mine" not in yt.calls("/channels")[-1].query


def test_channel_update_branding(yt: FakeYouTube, google_token: FakeGoogleToken) -> None:
    params = {
        "resource": "channel",
        "operation": "update",
        "channelId": yt.my_channel,
        "updateFields": {
            "brandingSettingsUi": {
                "channelSettingsValues": {"channel": {"description": "About", "keywords": "a b"}}
            }
        },
    }
    (out,) = run(yt, google_token, params)
    assert out["brandingSettings"]["channel"] == {"description": "About", "keywords": "a b"}
    call = yt.calls("/channels")[-1]
    assert call.method == "PUT" and call.query["part"] == "brandingSettings"


# -- playlist -----------------------------------------------------------------------------


def test_playlist_create_get_update_delete(yt: FakeYouTube, google_token: FakeGoogleToken) -> None:
    create = {
        "resource": "playlist",
        "operation": "create",
        "title": "Mix",
        "options": {"tags": "a,b", "description": "d", "privacyStatus": "unlisted"},
    }
    (made,) = run(yt, google_token, create)
    rec = yt.store["playlists"][made["id"]]
    assert rec["snippet"]["title"] == "Mix" and rec["snippet"]["tags"] == ["a", "b"]
    assert rec["status"] == {"privacyStatus": "unlisted"}
    get = {"resource": "playlist", "operation": "get", "playlistId": made["id"], "part": ["*"]}
    (got,) = run(yt, google_token, get)
    assert got["snippet"]["description"] == "d"
    update = {
        "resource": "playlist",
        "operation": "update",
        "playlistId": made["id"],
        "title": "Mix 2",
        "updateFields": {"privacyStatus": "public"},
    }
    (upd,) = run(yt, google_token, update)
    assert upd["snippet"]["title"] == "Mix 2" and rec["status"] == {"privacyStatus": "public"}
    delete = {"resource": "playlist", "operation": "delete", "playlistId": made["id"]}
    assert run(yt, google_token, delete) == [{"success": True}]
    assert made["id"] not in yt.store["playlists"]
    with pytest.raises(NodeApiError) as info:
        run(yt, google_token, delete)
    assert info.value.http_code == 404
    assert info.value.reason == "The resource you are requesting could not be found"


def test_playlist_get_all_return_all_follows_pages(
    yt: FakeYouTube, google_token: FakeGoogleToken
) -> None:
    for n in range(120):
        yt.add("playlists", mine=True, snippet={"title": f"p{n}", "playlistId": ""})
    params = {"resource": "playlist", "operation": "getAll", "part": ["snippet"], "returnAll": True}
    out = run(yt, google_token, params)
    assert [o["snippet"]["title"] for o in out] == [f"p{n}" for n in range(120)]
    calls = yt.calls("/playlists")
    assert [c.query.get("pageToken") for c in calls] == [None, "page50", "page100"]
    assert {c.query["maxResults"] for c in calls} == {"50"}
    out = run(yt, google_token, {**params, "returnAll": False, "limit": 7})
    assert len(out) == 7 and yt.calls("/playlists")[-1].query["maxResults"] == "7"


# -- playlistItem -------------------------------------------------------------------------


def test_playlist_items_add_get_all_get_delete(
    yt: FakeYouTube, google_token: FakeGoogleToken
) -> None:
    playlist = yt.add("playlists", mine=True, snippet={"title": "L"})
    vid = video(yt, "clip")
    add = {
        "resource": "playlistItem",
        "operation": "add",
        "playlistId": playlist,
        "videoId": vid,
        "options": {"position": 0, "note": "first"},
    }
    (item,) = run(yt, google_token, add)
    sent = yt.calls("/playlistItems")[-1].json
    assert sent["snippet"] == {
        "playlistId": playlist,
        "resourceId": {"kind": "youtube#video", "videoId": vid},
        "position": 0,
    }
    assert sent["contentDetails"] == {"note": "first"}
    listing = {
        "resource": "playlistItem",
        "operation": "getAll",
        "playlistId": playlist,
        "part": ["*"],
        "returnAll": True,
    }
    assert [o["id"] for o in run(yt, google_token, listing)] == [item["id"]]
    get = {
        "resource": "playlistItem",
        "operation": "get",
        "playlistItemId": item["id"],
        "part": ["snippet"],
    }
    assert run(yt, google_token, get)[0]["snippet"]["playlistId"] == playlist
    delete = {"resource": "playlistItem", "operation": "delete", "playlistItemId": item["id"]}
    assert run(yt, google_token, delete) == [{"success": True}]
    assert yt.calls("/playlistItems")[-1].query["id"] == item["id"]
    with pytest.raises(NodeApiError) as info:
        run(yt, google_token, {**add, "videoId": "nope"})
    assert info.value.description == "Video not found."


# -- video --------------------------------------------------------------------------------


def test_video_get_all_searches_mine_or_by_filter(
    yt: FakeYouTube, google_token: FakeGoogleToken
) -> None:
    video(yt, "cats")
    video(yt, "dogs")
    video(yt, "cats abroad", mine=False)
    params = {"resource": "video", "operation": "getAll", "limit": 10}
    out = run(yt, google_token, params)
    assert len(out) == 2 and all(o["kind"] == "youtube#searchResult" for o in out)
    q = yt.calls("/search")[-1].query
    assert q["forMine"] == "true" and q["type"] == "video" and q["part"] == "snippet"
    out = run(yt, google_token, {**params, "filters": {"q": "cats"}})
    assert sorted(o["snippet"]["title"] for o in out) == ["cats", "cats abroad"]
    with pytest.raises(NodeExecutionError, match="for developer"):
        run(
            yt, google_token, {**params, "filters": {"relatedToVideoId": "x", "forDeveloper": True}}
        )


def test_video_get_rate_update_delete(yt: FakeYouTube, google_token: FakeGoogleToken) -> None:
    vid = video(yt, "clip")
    get = {"resource": "video", "operation": "get", "videoId": vid, "part": ["*"]}
    (got,) = run(yt, google_token, get)
    assert got["statistics"] == {"viewCount": "3"}
    rate = {"resource": "video", "operation": "rate", "videoId": vid, "rating": "like"}
    assert run(yt, google_token, rate) == [{"success": True}]
    assert yt.ratings[vid] == "like"
    update = {
        "resource": "video",
        "operation": "update",
        "videoId": vid,
        "title": "New",
        "categoryId": "10",
        "updateFields": {
            "tags": "x,y",
            "privacyStatus": "public",
            "recordingDate": "2024-01-01T00:00:00Z",
        },
    }
    (upd,) = run(yt, google_token, update)
    rec = yt.store["videos"][vid]
    assert rec["snippet"] == {"title": "New", "categoryId": "10", "tags": ["x", "y"]}
    assert rec["status"] == {"privacyStatus": "public"}
    assert rec["recordingDetails"] == {"recordingDate": "2024-01-01T00:00:00Z"}
    assert upd["id"] == vid
    delete = {"resource": "video", "operation": "delete", "videoId": vid}
    assert run(yt, google_token, delete) == [{"success": True}]
    assert vid not in yt.store["videos"]


def test_video_rate_bad_rating_gives_n8n_400(
    yt: FakeYouTube, google_token: FakeGoogleToken
) -> None:
    vid = video(yt, "clip")
    with pytest.raises(NodeApiError) as info:
        run(
            yt,
            google_token,
            {"resource": "video", "operation": "rate", "videoId": vid, "rating": "love"},
        )
    assert info.value.reason == "Bad request - please check your parameters"
    assert info.value.description == "Invalid value 'love' for rating"


def test_video_categories_with_limit(yt: FakeYouTube, google_token: FakeGoogleToken) -> None:
    for n in range(4):
        yt.add("videoCategories", snippet={"title": f"c{n}"})
    params = {"resource": "videoCategory", "operation": "getAll", "regionCode": "US", "limit": 3}
    assert [o["snippet"]["title"] for o in run(yt, google_token, params)] == ["c0", "c1", "c2"]
    assert len(run(yt, google_token, {**params, "returnAll": True})) == 4
    assert yt.calls("/videoCategories")[-1].query == {"part": "snippet", "regionCode": "US"}


def test_missing_id_names_parameter_and_continue_on_fail(
    yt: FakeYouTube, google_token: FakeGoogleToken
) -> None:
    params = {"resource": "video", "operation": "get", "videoId": "={{ $json.v }}"}
    with pytest.raises(NodeExecutionError) as info:
        run(yt, google_token, params, [{"json": {"v": ""}}], node_name="YT")
    assert info.value.node == "YT" and info.value.item_index == 0
    assert "videoId" in info.value.reason
    vid = video(yt, "ok")
    out = run(
        yt, google_token, params, [{"json": {"v": ""}}, {"json": {"v": vid}}], continue_on_fail=True
    )
    assert out[0] == {"error": "The parameter 'videoId' is required"} and out[1]["id"] == vid


# -- auth and limits ----------------------------------------------------------------------


def test_refused_token_is_refreshed(yt: FakeYouTube, google_token: FakeGoogleToken) -> None:
    creds = oauth_creds("youTubeOAuth2Api", google_token, yt.url)
    creds["youTubeOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    params = {"resource": "channel", "operation": "get", "channelId": yt.my_channel, "part": ["id"]}
    assert run(yt, google_token, params, creds=creds)[0]["id"] == yt.my_channel
    assert google_token.calls("/token")[-1].form["grant_type"] == "refresh_token"


def test_auth_failure_gives_n8n_text(yt: FakeYouTube, google_token: FakeGoogleToken) -> None:
    creds = oauth_creds("youTubeOAuth2Api", google_token, yt.url, refresh_token="revoked")
    creds["youTubeOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    with pytest.raises(NodeApiError) as info:
        run(yt, google_token, {"resource": "channel", "operation": "getAll"}, creds=creds)
    assert "Token has been expired or revoked" in info.value.reason
    assert info.value.http_code == 401


def test_rate_limit_retried_then_failed(yt: FakeYouTube, google_token: FakeGoogleToken) -> None:
    params = {"resource": "channel", "operation": "getAll", "part": ["id"]}
    yt.rate_limit(1, retry_after=0)
    assert len(run(yt, google_token, params)) == 1
    yt.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests") as info:
        run(yt, google_token, params)
    assert info.value.http_code == 429
    yt.rate_limit(0)


# -- upload -------------------------------------------------------------------------------


def test_video_upload_through_a_resumable_session(
    yt: FakeYouTube, google_token: FakeGoogleToken
) -> None:
    from hetumind.binary import put_binary

    item = {
        "json": {},
        "binary": {"clip": put_binary(b"\x00\x01mp4", mime_type="video/mp4", file_name="a.mp4")},
    }
    params = {
        "resource": "video",
        "operation": "upload",
        "title": "Launch",
        "categoryId": "28",
        "binaryProperty": "clip",
        "options": {"tags": "a,b", "privacyStatus": "unlisted", "notifySubscribers": False},
    }
    (out,) = run(yt, google_token, params, [item])
    rec = yt.store["videos"][out["id"]]
    assert yt.content[out["id"]] == b"\x00\x01mp4"
    assert rec["snippet"]["title"] == "Launch" and rec["snippet"]["tags"] == ["a", "b"]
    assert rec["status"] == {"privacyStatus": "unlisted"}
    start, put = yt.calls("/upload/youtube/v3/videos")[-2:]
    assert start.method == "POST" and start.query["uploadType"] == "resumable"
    assert start.query["notifySubscribers"] == "false"
    assert start.headers["x-upload-content-type"] == "video/mp4"
    assert put.method == "PUT" and put.headers["content-type"] == "video/mp4"


def test_video_upload_without_binary_names_node_and_item(
    yt: FakeYouTube, google_token: FakeGoogleToken
) -> None:
    params = {"resource": "video", "operation": "upload", "title": "T", "categoryId": "1"}
    with pytest.raises(NodeExecutionError) as info:
        run(yt, google_token, params, node_name="YT")
    assert info.value.node == "YT" and info.value.item_index == 0
    assert "binary" in info.value.reason
    assert not yt.calls("/upload/youtube/v3/videos")
