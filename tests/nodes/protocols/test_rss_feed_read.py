"""RSS Read against a real HTTP server on loopback serving RSS 2.0 and Atom documents."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.nodes.builtin.rss_feed_read import ACCEPT, RssFeedRead
from tests.nodes.protocols.helpers import RESTRICTED, free_port, run_node
from tests.nodes.protocols.web_server import WebServer

TYPE = "n8n-nodes-base.rssFeedRead"

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Blog</title><link>https://blog.example.test/</link>
<item>
  <title>First post</title>
  <link>https://blog.example.test/1</link>
  <pubDate>Tue, 02 Jan 2024 03:04:05 GMT</pubDate>
  <dc:creator>Ann</dc:creator>
  <category>news</category><category>tech</category>
  <description>&lt;p&gt;Hello &amp;amp; welcome&lt;/p&gt;&lt;p&gt;again&lt;/p&gt;</description>
  <content:encoded><![CDATA[<p>Full <b>text</b></p>]]></content:encoded>
  <guid isPermaLink="false">post-1</guid>
  <enclosure url="https://blog.example.test/a.mp3" length="123" type="audio/mpeg"/>
</item>
<item><title>Second</title><link>https://blog.example.test/2</link>
  <author>bob@example.test (Bob)</author><guid>post-2</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom feed</title>
<id>urn:feed</id><updated>2024-03-01T10:00:00Z</updated>
<entry><title>Atom entry</title><link href="https://atom.example.test/e1"/>
  <id>urn:e1</id><updated>2024-03-01T10:00:00Z</updated>
  <author><name>Cy</name></author>
  <summary>Short</summary>
  <content type="html">&lt;div&gt;Long &lt;i&gt;body&lt;/i&gt;&lt;/div&gt;</content>
</entry></feed>"""


@pytest.fixture(scope="module")
def feeds(web_server: WebServer) -> WebServer:
    web_server.documents["/feed.rss"] = (200, "application/rss+xml", RSS)
    web_server.documents["/feed.atom"] = (200, "application/atom+xml", ATOM)
    web_server.documents["/broken.xml"] = (200, "text/xml", b"this is not a feed")
    return web_server


def read(
    parameters: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    *,
    version: float = 1.2,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    (out,) = run_node(
        RssFeedRead(), parameters, items, node_type=TYPE, version=version, name="RSS", **kwargs
    )
    return out.to_json()


def test_rss2_items_have_rss_parser_fields(feeds: WebServer) -> None:
    first, second = read({"url": feeds.url("/feed.rss")})
    assert first == {
        "creator": "Ann",
        "title": "First post",
        "link": "https://blog.example.test/1",
        "pubDate": "Tue, 02 Jan 2024 03:04:05 GMT",
        "dc:creator": "Ann",
        "content:encoded": "<p>Full <b>text</b></p>",
        "content:encodedSnippet": "Full text",
        "content": "<p>Hello &amp; welcome</p><p>again</p>",
        "contentSnippet": "Hello & welcome\nagain",
        "guid": "post-1",
        "categories": ["news", "tech"],
        "isoDate": "2024-01-02T03:04:05.000Z",
        "enclosure": {
            "url": "https://blog.example.test/a.mp3",
            "length": "123",
            "type": "audio/mpeg",
        },
    }
    assert second["author"] == "bob@example.test (Bob)"
    assert "creator" not in second
    assert feeds.requests[-1]["headers"]["accept"] == ACCEPT


def test_atom_entry(feeds: WebServer) -> None:
    (entry,) = read({"url": feeds.url("/feed.atom")})
    assert entry == {
        "title": "Atom entry",
        "link": "https://atom.example.test/e1",
        "pubDate": "2024-03-01T10:00:00Z",
        "author": "Cy",
        "content": "<div>Long <i>body</i></div>",
        "contentSnippet": "Long body",
        "summary": "Short",
        "id": "urn:e1",
        "isoDate": "2024-03-01T10:00:00.000Z",
    }


def test_v11_reads_every_items_url_v1_only_the_first(feeds: WebServer) -> None:
    items = [{"u": feeds.url("/feed.atom")}, {"u": feeds.url("/feed.rss")}]
    assert len(read({"url": "={{ $json.u }}"}, items, version=1.1)) == 3
    assert len(read({"url": "={{ $json.u }}"}, items, version=1)) == 1
    assert "accept" not in feeds.requests[-1]["headers"] or (
        feeds.requests[-1]["headers"]["accept"] != ACCEPT
    )


def test_errors_name_the_node(feeds: WebServer) -> None:
    with pytest.raises(NodeExecutionError, match="Status code 404") as caught:
        read({"url": feeds.url("/missing.rss")})
    assert caught.value.node == "RSS"
    with pytest.raises(NodeExecutionError, match="not recognized"):
        read({"url": feeds.url("/broken.xml")})
    with pytest.raises(NodeExecutionError, match='The provided "URL" is not valid!'):
        read({"url": "not a url"})
    with pytest.raises(NodeExecutionError, match="not possible to connect"):
        read({"url": f"http://127.0.0.1:{free_port()}/feed"})
    out = read({"url": feeds.url("/missing.rss")}, [{}, {}], continue_on_fail=True)
    assert out == [{"error": "Status code 404"}, {"error": "Status code 404"}]


def test_network_policy_refuses_loopback(feeds: WebServer) -> None:
    before = len(feeds.requests)
    with pytest.raises(NodeExecutionError, match="not allowed") as caught:
        read({"url": feeds.url("/feed.rss")}, capabilities=RESTRICTED)
    assert caught.value.node == "RSS"
    assert len(feeds.requests) == before
