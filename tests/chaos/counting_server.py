"""A counting HTTP server on loopback, and the workflow that notifies it.

The chaos tests make each execution POST its own id here once; an execution run twice
(by a sweeper that took it over, or after a restart) shows up as a second notification.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["CountingServer", "Notification", "counting_server", "link", "notifying_workflow"]


@dataclass(frozen=True)
class Notification:
    """One POST the server received: the execution it names and its Idempotency-Key
    header ("" when the request carried none)."""

    execution: str
    idempotency_key: str


@dataclass
class CountingServer:
    """Where to POST (`url`) and every notification received so far, in order."""

    url: str
    seen: list[Notification] = field(default_factory=list)

    @property
    def executions(self) -> list[str]:
        """The execution id of each notification, repeats included."""
        return [n.execution for n in self.seen]


@contextmanager
def counting_server() -> Iterator[CountingServer]:
    """Serve on a free loopback port until the block ends."""
    lock = threading.Lock()
    server = CountingServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            key = self.headers.get("idempotency-key", "")
            with lock:
                server.seen.append(Notification(body["execution"], key))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args: Any) -> None:
            return None  # keep the test output quiet

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}/count"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


def link(to: str) -> dict[str, Any]:
    """A `connections` entry: main output 0 into node `to`."""
    return {"main": [[{"node": to, "type": "main", "index": 0}]]}


def notifying_workflow(
    name: str,
    url: str,
    *,
    wait_seconds: float,
    last: dict[str, Any],
    settings: dict[str, Any],
    notify_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Start -> Wait `wait_seconds` (so that runs are in flight for a while) -> Notify, an
    HTTP Request that POSTs `{"execution": <its id>}` to `url` -> the node `last`."""
    notify = {
        "name": "Notify",
        "type": "n8n-nodes-base.httpRequest",
        "typeVersion": 4.2,
        "parameters": {
            "method": "POST",
            "url": url,
            "sendBody": True,
            "specifyBody": "json",
            "jsonBody": "={{ JSON.stringify({execution: $execution.id}) }}",
            "options": notify_options or {},
        },
    }
    wait = {
        "name": "Wait",
        "type": "n8n-nodes-base.wait",
        "typeVersion": 1.1,
        "parameters": {"resume": "timeInterval", "amount": wait_seconds, "unit": "seconds"},
    }
    return {
        "name": name,
        "settings": settings,
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            wait,
            notify,
            last,
        ],
        "connections": {
            "Start": link("Wait"),
            "Wait": link("Notify"),
            "Notify": link(last["name"]),
        },
    }
