"""Polling triggers on the real server (hetumind.nodes.polling), with the RSS Feed Trigger
polling a feed served on loopback: polls that find nothing start nothing, new entries
start one execution with exactly those entries, the state survives between polls in the
workflow's static data, and a manual run shows the newest entry without moving it on."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.server.helpers import Server, free_port

pytestmark = pytest.mark.slow


def rss(entries: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>http://example.com/{title}</link>"
        f"<guid>http://example.com/{title}</guid><pubDate>{date}</pubDate></item>"
        for title, date in entries
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<link>http://example.com/</link><description>d</description>{items}</channel></rss>"
    ).encode()


class Feed:
    """A feed on loopback whose entries the test changes; counts the polls it answers."""

    def __init__(self) -> None:
        self.body = rss([])
        self.requests = 0
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                feed.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.end_headers()
                self.wfile.write(feed.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.http = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/feed.xml"


@pytest.fixture
def feed() -> Iterator[Feed]:
    f = Feed()
    yield f
    f.http.shutdown()


def polling_workflow(url: str) -> dict[str, Any]:
    return {
        "name": "polls a feed",
        "nodes": [
            {
                "name": "New Posts",
                "type": "n8n-nodes-base.rssFeedReadTrigger",
                "typeVersion": 1,
                "parameters": {
                    "feedUrl": url,
                    # every second, so the test need not wait minutes (n8n's custom mode)
                    "pollTimes": {"item": [{"mode": "custom", "cronExpression": "* * * * * *"}]},
                },
            },
            {"name": "Pass", "type": "n8n-nodes-base.noOp", "typeVersion": 1},
        ],
        "connections": {"New Posts": {"main": [[{"node": "Pass", "type": "main", "index": 0}]]}},
    }


OLD = ("old", "Mon, 01 Jan 2024 10:00:00 GMT")


def test_polls_start_runs_only_for_new_entries(server: Server, feed: Feed) -> None:
    c = server.client
    feed.body = rss([OLD])
    wf = server.create(polling_workflow(feed.url))
    manual = c.post(f"/api/v1/workflows/{wf['id']}/run?wait=true", json=[])
    assert manual.status_code == 200, manual.text
    shown = manual.json()["runData"]["Pass"][0]["outputs"][0]
    assert [e["title"] for e in shown] == ["old"]  # manual: the newest entry, new or not

    assert c.post(f"/api/v1/workflows/{wf['id']}/activate").status_code == 200

    def executions() -> list[dict[str, Any]]:
        return c.get("/api/v1/executions", params={"workflowId": wf["id"]}).json()["data"]

    before = len(executions())  # the manual run
    polled = feed.requests
    server.wait_for(lambda: feed.requests >= polled + 3)
    # The first polls compare with the moment they run: the old entry starts nothing.
    assert len(executions()) == before

    # From then on they compare with the newest entry seen (the old one's date).
    feed.body = rss([("fresh", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())), OLD])

    def triggered() -> list[dict[str, Any]]:
        rows = [e for e in executions() if e["mode"] == "trigger"]
        return rows if rows and all(e["finished"] for e in rows) else []

    (run,) = server.wait_for(triggered)
    polled = feed.requests
    server.wait_for(lambda: feed.requests >= polled + 3)
    assert len(triggered()) == 1, "an entry already seen started another run"
    data = c.get(f"/api/v1/executions/{run['id']}", params={"includeData": "true"}).json()
    assert data["status"] == "success"
    assert [e["title"] for e in data["runData"]["Pass"][0]["outputs"][0]] == ["fresh"]

    assert c.post(f"/api/v1/workflows/{wf['id']}/deactivate").status_code == 200
    polled = feed.requests
    time.sleep(2.5)
    assert feed.requests == polled, "a deactivated workflow kept polling"
