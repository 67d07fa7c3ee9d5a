"""RSS Read (n8n's rssFeedRead, versions 1, 1.1 and 1.2): a feed's entries as items.

The feed is fetched with the shared HTTP client (so the execution's network policy
applies, redirects included) and parsed with feedparser (RSS 0.9x/1.0/2.0, Atom, RDF).
Items take the shape n8n's parser (rss-parser) gives them: `title`, `link`, `pubDate`,
`creator`, `content`, `contentSnippet`, `guid`, `categories`, `isoDate`, `enclosure`, and
for Atom `author`, `summary`, `id`. Version 1 reads the first item's URL once; from 1.1
every item's URL is read; 1.2 sends n8n's Accept header.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import feedparser

from hetumind.capabilities import capabilities_of
from hetumind.errors import HetumindError
from hetumind.http.client import TransportKey
from hetumind.http.request import RequestSpec
from hetumind.http.transport import send
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._protocol import as_mapping
from hetumind.nodes.item_wise import flat_map_items

ACCEPT = (
    "application/rss+xml, application/rdf+xml;q=0.8, application/atom+xml;q=0.6, "
    "application/xml;q=0.4, text/xml;q=0.4"
)
TIMEOUT_S = 60.0


class RssFeedReadParams(NodeParams):
    url: str = ""


class FeedError(Exception):
    """The feed could not be read; the message is the item's error."""


@node(
    "rssFeedRead",
    versions=[1, 1.1, 1.2],
    display_name="RSS Read",
    params=RssFeedReadParams,
    fusible=False,
)
class RssFeedRead(Node):
    """Reads the entries of an RSS or Atom feed."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        count = len(batch) if ctx.type_version >= 1.1 else min(len(batch), 1)
        step = partial(_read, ctx)
        return [flat_map_items(ctx, count, step, failures=(FeedError, HetumindError))]


def _read(ctx: NodeContext, i: int) -> list[dict[str, Any]]:
    url = js_string(ctx.param("url", i, "") or "")
    options = as_mapping(ctx.param("options", i, {}))
    custom = [f.strip() for f in str(options.get("customFields") or "").split(",") if f.strip()]
    return read_feed(
        ctx,
        url,
        verify=not options.get("ignoreSSL"),
        accept=ctx.type_version >= 1.2,
        custom_fields=custom,
    )


def read_feed(
    ctx: NodeContext,
    url: str,
    *,
    verify: bool = True,
    accept: bool = True,
    custom_fields: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The entries of the feed at `url`, fetched under the execution's network policy
    (`accept`: send n8n's Accept header). FeedError says what is wrong in n8n's words."""
    if not url:
        raise FeedError('The parameter "URL" has to be set!')
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError('The provided "URL" is not valid!')
    spec = RequestSpec(
        method="GET",
        url=url,
        headers={"Accept": ACCEPT} if accept else {},
        timeout_s=TIMEOUT_S,
        transport=TransportKey(
            verify=verify,
            max_redirects=5,
            network=capabilities_of(ctx).network,
        ),
    )
    try:
        response = send(spec)
    except HetumindError as exc:
        if "ConnectError" in exc.message and "refused" in exc.message.lower():
            raise FeedError(
                "It was not possible to connect to the URL. Please make sure the URL "
                f'"{url}" it is valid!'
            ) from None
        raise
    if response.status >= 400:
        raise FeedError(f"Status code {response.status}")
    return parse_feed(response.content, custom_fields)


def parse_feed(data: bytes, custom_fields: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The entries of a feed document, shaped as rss-parser shapes them."""
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception")
        raise FeedError(f"Feed not recognized as RSS 1 or 2.{f' ({reason})' if reason else ''}")
    atom = str(parsed.version).startswith("atom")
    return [(_atom_item if atom else _rss_item)(entry, custom_fields) for entry in parsed.entries]


def _snippet(text: str) -> str:
    """rss-parser's getSnippet: block tags become line breaks, other tags go, entities
    are decoded, and the result is trimmed."""
    text = re.sub(
        r"([^\n])</?(h|br|p|ul|ol|li|blockquote|section|table|tr|div)(?:.|\n)*?>([^\n])",
        r"\1\n\3",
        text,
    )
    return html.unescape(re.sub(r"<(?:.|\n)*?>", "", text)).strip()


def _iso(parsed: Any) -> str | None:
    if not parsed:
        return None
    moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _custom(entry: Mapping[str, Any], item: dict[str, Any], fields: Sequence[str]) -> None:
    for name in fields:
        key = name.replace(":", "_")
        if name in entry:
            item[name] = entry[name]
        elif key in entry:
            item[name] = entry[key]


def _rss_item(entry: Mapping[str, Any], custom_fields: Sequence[str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    _custom(entry, item, custom_fields)
    # feedparser folds <author> and <dc:creator> into `author`; an RSS 2.0 <author> is
    # an e-mail address, which is how the two are told apart again.
    author = entry.get("author")
    by_email = bool(as_mapping(entry.get("author_detail")).get("email"))
    if author and not by_email:
        item["creator"] = author
    for name in ("title", "link"):
        if entry.get(name) is not None:
            item[name] = entry[name]
    if entry.get("published"):
        item["pubDate"] = entry["published"]
    if author:
        item["author" if by_email else "dc:creator"] = author
    contents = entry.get("content") or []
    if contents:
        encoded = str(contents[0].get("value", ""))
        item["content:encoded"] = encoded
        item["content:encodedSnippet"] = _snippet(encoded)
    if entry.get("comments"):
        item["comments"] = entry["comments"]
    if entry.get("summary") is not None and "summary_detail" in entry:
        item["content"] = entry["summary"]
        item["contentSnippet"] = _snippet(str(entry["summary"]))
    if entry.get("id"):
        item["guid"] = entry["id"]
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    if tags:
        item["categories"] = tags
    iso = _iso(entry.get("published_parsed"))
    if iso:
        item["isoDate"] = iso
    enclosures = entry.get("enclosures") or []
    if enclosures:
        first = enclosures[0]
        item["enclosure"] = {
            k: v
            for k, v in (
                ("url", first.get("href")),
                ("length", first.get("length")),
                ("type", first.get("type")),
            )
            if v is not None
        }
    return item


def _atom_item(entry: Mapping[str, Any], custom_fields: Sequence[str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    _custom(entry, item, custom_fields)
    if entry.get("title") is not None:
        item["title"] = entry["title"]
    links = entry.get("links") or []
    if links:
        item["link"] = links[0].get("href")
    date = entry.get("published") or entry.get("updated")
    if date:
        item["pubDate"] = date
    if entry.get("author"):
        item["author"] = entry["author"]
    contents = entry.get("content") or []
    if contents:
        value = str(contents[0].get("value", ""))
        item["content"] = value
        item["contentSnippet"] = _snippet(value)
    # feedparser copies <content> into `summary` when there is no <summary>
    summary = entry.get("summary")
    if summary is not None and (not contents or summary != contents[0].get("value")):
        item["summary"] = summary
    if entry.get("id"):
        item["id"] = entry["id"]
    iso = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
    if iso:
        item["isoDate"] = iso
    return item
