"""A fake of the YouTube Data API v3 on loopback, written from Google's reference
(developers.google.com/youtube/v3/docs): channels list / update, playlists list /
insert / update / delete, playlistItems list / insert / delete, videos list / update /
delete / rate / insert (resumable upload), search.list (type=video, forMine, q,
channelId), videoCategories list.

`part` is required and must name known parts (400 unknownPart otherwise); answers hold
only the parts asked for. List answers are `{kind, etag, items, pageInfo, nextPageToken?}`;
maxResults is 0..50 (5 by default; out of range is 400 invalidParameter). Bearer tokens
are those the fake token endpoint issued (401 authError otherwise); unknown ids on
writes are 404 (playlistNotFound, videoNotFound, ...); 429 is rateLimitExceeded with
Retry-After. Errors are `{"error": {"code", "message", "errors": [{"message", "domain",
"reason"}]}}`. Writes (insert, update, delete, rate) answer 204 with no body where
YouTube does.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.fakes._base import Answer, FakeService, Request
from tests.fakes.fake_google_token import FakeGoogleToken

PARTS: dict[str, set[str]] = {
    "channels": {
        "brandingSettings",
        "contentDetails",
        "contentOwnerDetails",
        "id",
        "localizations",
        "snippet",
        "statistics",
        "status",
        "topicDetails",
    },
    "playlists": {"contentDetails", "id", "localizations", "player", "snippet", "status"},
    "playlistItems": {"contentDetails", "id", "snippet", "status"},
    "videos": {
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
    },
    "search": {"snippet", "id"},
    "videoCategories": {"snippet", "id"},
}
KINDS = {
    "channels": "channel",
    "playlists": "playlist",
    "playlistItems": "playlistItem",
    "videos": "video",
    "videoCategories": "videoCategory",
}


def yt_error(code: int, message: str, reason: str, domain: str = "youtube.api") -> Answer:
    detail = {"message": message, "domain": domain, "reason": reason}
    return Answer(code, {"error": {"code": code, "message": message, "errors": [detail]}})


class FakeYouTube(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            {
                "error": {
                    "code": 429,
                    "message": "Rate Limit Exceeded",
                    "errors": [
                        {
                            "message": "Rate Limit Exceeded",
                            "domain": "usageLimits",
                            "reason": "rateLimitExceeded",
                        }
                    ],
                }
            },
            {"Retry-After": str(wait)},
        )
    )

    def __init__(self, tokens: FakeGoogleToken) -> None:
        super().__init__()
        self.tokens = tokens
        self._ids = itertools.count(1)
        self.store: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}
        self.ratings: dict[str, str] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.content: dict[str, bytes] = {}
        self.my_channel = ""
        self.reset()

    def reset(self) -> None:
        with self.lock:
            for table in self.store.values():
                table.clear()
            self.ratings.clear()
            self.sessions.clear()
            self.content.clear()
            self.log.clear()
        self.my_channel = self.add("channels", snippet={"title": "Mine"}, mine=True)

    def add(self, table: str, *, mine: bool = False, **parts: Any) -> str:
        """A resource with the given parts; `mine` marks the user's own."""
        prefix = {"channels": "UC", "playlists": "PL", "playlistItems": "PI"}.get(table, "v")
        new_id = f"{prefix}fake{next(self._ids):05d}"
        self.store[table][new_id] = {"id": new_id, "_mine": mine, **parts}
        return new_id

    # -- routes -----------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.token_info(token) is None:
            return yt_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
                "authError",
                "global",
            )
        if req.path == "/upload/youtube/v3/videos":
            return self._upload(req)
        m = re.fullmatch(r"/youtube/v3/(\w+)(/rate)?", req.path)
        if not m or m.group(1) not in PARTS:
            return yt_error(404, "Not Found", "notFound", "global")
        table, rate = m.groups()
        if rate:
            return self._rate(req) if table == "videos" else yt_error(404, "Not Found", "notFound")
        if req.method == "GET":
            return self._list(table, req)
        if req.method == "DELETE":
            return self._delete(table, req)
        if req.method in ("POST", "PUT"):
            return self._write(table, req)
        return yt_error(405, "Method not allowed", "methodNotAllowed", "global")

    def _parts(self, table: str, req: Request) -> set[str] | Answer:
        raw = req.query.get("part")
        if not raw:
            return yt_error(
                400, "No filter selected. Expected one of: ...", "missingRequiredParameter"
            )
        parts = {p.strip() for p in raw.split(",") if p.strip()}
        unknown = parts - PARTS[table]
        if unknown:
            return yt_error(
                400,
                f"'{sorted(unknown)[0]}'",
                "unknownPart",
            )
        return parts

    def _render(self, table: str, rec: dict[str, Any], parts: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": f"youtube#{KINDS.get(table, 'searchResult')}"}
        out["etag"] = f"etag-{rec['id']}"
        out["id"] = rec["id"]
        for part in sorted(parts - {"id"}):
            if part in rec:
                out[part] = rec[part]
        return out

    def _list(self, table: str, req: Request) -> Answer:
        parts = self._parts(table, req)
        if isinstance(parts, Answer):
            return parts
        q = req.query
        raw_max = q.get("maxResults", "5")
        if not raw_max.isdigit() or not 0 <= int(raw_max) <= 50:
            return yt_error(
                400,
                f"Invalid value '{raw_max}'. Values must be within the range: [0, 50]",
                "invalidParameter",
                "youtube.parameter",
            )
        if table == "search":
            rows = [
                {
                    "id": {"kind": "youtube#video", "videoId": v["id"]},
                    "snippet": v.get("snippet", {}),
                    "_rec": v,
                }
                for v in self.store["videos"].values()
                if (not q.get("forMine") or v["_mine"])
                and (not q.get("q") or q["q"].lower() in str(v.get("snippet", {})).lower())
                and (
                    not q.get("channelId")
                    or v.get("snippet", {}).get("channelId") == q["channelId"]
                )
            ]
            found = [
                {
                    "kind": "youtube#searchResult",
                    "etag": "e",
                    "id": r["id"],
                    "snippet": r["snippet"],
                }
                for r in rows
            ]
        else:
            recs = list(self.store[table].values())
            if q.get("id"):
                wanted = set(q["id"].split(","))
                recs = [r for r in recs if r["id"] in wanted]
            elif q.get("mine") == "true":
                recs = [r for r in recs if r["_mine"]]
            elif table == "playlistItems" and q.get("playlistId"):
                if q["playlistId"] not in self.store["playlists"]:
                    return yt_error(
                        404,
                        "The playlist identified with the request's <code>playlistId</code> "
                        "parameter cannot be found.",
                        "playlistNotFound",
                    )
                recs = [r for r in recs if r["snippet"]["playlistId"] == q["playlistId"]]
            elif table == "videoCategories" and q.get("regionCode"):
                recs = [r for r in recs if q["regionCode"] in r.get("_regions", [q["regionCode"]])]
            elif table == "channels" and q.get("forUsername"):
                recs = [r for r in recs if r.get("_username") == q["forUsername"]]
            elif table != "videoCategories":
                return yt_error(
                    400,
                    "No filter selected. Expected one of: id, mine, ...",
                    "missingRequiredParameter",
                )
            found = [self._render(table, r, parts) for r in recs]
        size = int(raw_max)
        if table == "videoCategories":
            start, size = 0, len(found)  # videoCategories.list has no paging
        else:
            token = q.get("pageToken")
            start = int(token.removeprefix("page")) if token and token.startswith("page") else 0
        page = found[start : start + size]
        body: dict[str, Any] = {
            "kind": f"youtube#{KINDS.get(table, 'search')}ListResponse",
            "etag": "etag",
            "pageInfo": {"totalResults": len(found), "resultsPerPage": size},
            "items": page,
        }
        if start + size < len(found) and size:
            body["nextPageToken"] = f"page{start + size}"
        return Answer(200, body)

    def _write(self, table: str, req: Request) -> Answer:
        parts = self._parts(table, req)
        if isinstance(parts, Answer):
            return parts
        body = req.json if isinstance(req.json, dict) else {}
        if req.method == "PUT":
            rec = self.store[table].get(str(body.get("id")))
            if rec is None:
                name = KINDS[table]
                return yt_error(
                    404,
                    f"The {name} identified with the request's <code>id</code> parameter "
                    "cannot be found.",
                    f"{name}NotFound",
                )
            if table in ("playlists", "videos") and not (body.get("snippet") or {}).get("title"):
                return yt_error(
                    400, "The request metadata does not specify a title.", "titleRequired"
                )
            for part in parts - {"id"}:
                rec[part] = body.get(part, {})
            return Answer(200, self._render(table, rec, parts | {"snippet"} & set(rec)))
        if table == "playlists":
            if not (body.get("snippet") or {}).get("title"):
                return yt_error(
                    400, "The request metadata does not specify a title.", "titleRequired"
                )
            new_id = self.add(
                "playlists", mine=True, **{p: body.get(p, {}) for p in parts - {"id"}}
            )
            self.store["playlists"][new_id]["snippet"]["channelId"] = self.my_channel
            return Answer(200, self._render(table, self.store[table][new_id], parts))
        if table == "playlistItems":
            snippet = body.get("snippet") or {}
            if snippet.get("playlistId") not in self.store["playlists"]:
                return yt_error(
                    404,
                    "Playlist not found.",
                    "playlistNotFound",
                )
            video = (snippet.get("resourceId") or {}).get("videoId")
            if video not in self.store["videos"]:
                return yt_error(404, "Video not found.", "videoNotFound")
            new_id = self.add("playlistItems", **{p: body.get(p, {}) for p in parts - {"id"}})
            return Answer(200, self._render(table, self.store[table][new_id], parts))
        return yt_error(405, "Method not allowed", "methodNotAllowed", "global")

    def _delete(self, table: str, req: Request) -> Answer:
        item_id = req.query.get("id")
        if not item_id:
            return yt_error(
                400, "No filter selected. Expected one of: id", "missingRequiredParameter"
            )
        if item_id not in self.store[table]:
            name = KINDS[table]
            return yt_error(
                404,
                f"The {name} identified with the request's <code>id</code> parameter cannot "
                "be found.",
                f"{name}NotFound",
            )
        del self.store[table][item_id]
        return Answer(204, content=b"")

    def _upload(self, req: Request) -> Answer:
        """videos.insert: uploadType=resumable opens a session (metadata JSON, the
        X-Upload-Content-* headers) whose URL is in Location; a PUT there with the bytes
        makes the video. uploadType=media / multipart are not served."""
        if req.query.get("uploadType") != "resumable":
            return yt_error(400, "Media type not supported by this fake", "badContent")
        if req.method == "POST":
            parts = self._parts("videos", req)
            if isinstance(parts, Answer):
                return parts
            meta = req.json if isinstance(req.json, dict) else {}
            if not (meta.get("snippet") or {}).get("title"):
                return yt_error(
                    400, "The request metadata does not specify a title.", "titleRequired"
                )
            kind = req.headers.get("x-upload-content-type", "")
            if not kind.startswith(("video/", "application/octet-stream")):
                return yt_error(
                    400, "Media type '" + kind + "' is not supported.", "mediaBodyRequired"
                )
            upload_id = f"s{next(self._ids)}"
            self.sessions[upload_id] = {"meta": meta, "parts": parts}
            location = (
                f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
            )
            return Answer(200, content=b"", headers={"Location": location})
        pending = self.sessions.pop(req.query.get("upload_id", ""), None)
        if req.method != "PUT" or pending is None:
            return yt_error(404, "Upload session not found", "notFound", "global")
        saved: dict[str, Any] = pending["meta"]
        wanted: set[str] = pending["parts"]
        new_id = self.add("videos", mine=True, **{p: saved.get(p, {}) for p in wanted - {"id"}})
        self.content[new_id] = req.raw
        rec = self.store["videos"][new_id]
        rec.setdefault("snippet", {})["channelId"] = self.my_channel
        return Answer(200, self._render("videos", rec, wanted))

    def _rate(self, req: Request) -> Answer:
        video, rating = req.query.get("id"), req.query.get("rating")
        if rating not in ("like", "dislike", "none"):
            return yt_error(400, f"Invalid value '{rating}' for rating", "invalidParameter")
        if video not in self.store["videos"]:
            return yt_error(
                404, "The video that you are trying to rate cannot be found.", "videoNotFound"
            )
        self.ratings[str(video)] = str(rating)
        return Answer(204, content=b"")
