"""RSS Feed Trigger (n8n's rssFeedReadTrigger, version 1): a polling trigger that starts the
workflow with the feed entries newer than the newest one it saw.

As n8n does: the node remembers `lastItemDate` (the newest entry's isoDate) in its static
data; the first poll compares against the moment it runs, so an existing feed's history
does not flood the workflow; a manual run returns the first entry. Entries are shaped as
RSS Read shapes them (rss-parser's fields).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin.rss_feed_read import FeedError, read_feed
from hetumind.nodes.polling import PollingTrigger


class RssFeedTriggerParams(NodeParams):
    feedUrl: str = "https://blog.n8n.io/rss/"


@node(
    "rssFeedReadTrigger",
    versions=[1],
    display_name="RSS Feed Trigger",
    description="Starts a workflow when an RSS feed is updated",
    inputs=0,
    trigger=True,
    params=RssFeedTriggerParams,
    trigger_kind="polling",
    fusible=False,
)
class RssFeedTrigger(PollingTrigger):
    """Polls a feed and emits its new entries."""

    def poll(self, ctx: NodeContext, *, manual: bool) -> list[dict[str, Any]] | None:
        state = ctx.static_data("node")
        url = js_string(ctx.param("feedUrl", 0, "") or "")
        try:
            entries = read_feed(ctx, url)
        except FeedError as exc:
            raise NodeExecutionError(str(exc), node=ctx.node_name) from None
        if not entries:
            return None
        if manual:
            return entries[:1]
        since = _instant(state.get("lastItemDate") or state.get("lastTimeChecked"))
        if since is None:
            since = datetime.now(UTC)
        new = [e for e in entries if (at := _instant(e.get("isoDate"))) and at > since]
        dated = [d for d in (_instant(e.get("isoDate")) for e in entries) if d is not None]
        if dated:
            newest = max(dated)
            state["lastItemDate"] = newest.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return new or None


def _instant(value: Any) -> datetime | None:
    """An ISO date as an aware datetime (None when absent or not a date, as Date.parse's
    NaN never compares greater in n8n)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
