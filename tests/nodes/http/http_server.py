"""A real HTTP server on loopback for the HTTP Request tests (stdlib, one thread per
request). Routes answer with what they received so tests can check what was sent."""

from __future__ import annotations

import base64
import email
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
ITEMS = list(range(1, 8))  # paged 3 per page: [1,2,3] [4,5,6] [7] then []


_CLIENT_HEADERS = frozenset(
    {"host", "user-agent", "accept-encoding", "connection", "content-length"}
)
"""Headers every client sends its own way (n8n's `request` vs httpx)."""


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, int] = {}
        self.log: list[dict[str, Any]] = []

    def hit(self, key: str) -> int:
        with self.lock:
            self.hits[key] = self.hits.get(key, 0) + 1
            return self.hits[key]


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    msg = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    out: dict[str, Any] = {}
    for part in msg.get_payload():  # type: ignore[union-attr]
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        filename = part.get_filename()
        if filename is None:
            out[name] = data.decode()
        else:
            out[name] = {
                "filename": filename,
                "contentType": part.get_content_type(),
                "base64": base64.b64encode(data).decode(),
            }
    return out


class Handler(BaseHTTPRequestHandler):
    server: LoopbackServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        # no Date header: recorded full responses (headers included) must repeat exactly
        self.send_response_only(code, message)
        self.send_header("Server", "loopback")

    def _send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), "application/json", headers)

    def _echo(self, body: bytes) -> dict[str, Any]:
        parts = urlsplit(self.path)
        ctype = self.headers.get("content-type", "")
        parsed: Any = body.decode("latin-1")
        if ctype.startswith("application/json") and body:
            parsed = json.loads(body)
        elif ctype.startswith("application/x-www-form-urlencoded"):
            parsed = dict(parse_qsl(body.decode()))
        elif ctype.startswith("multipart/form-data"):
            parsed = _multipart(ctype, body)
        return {
            "method": self.command,
            "path": parts.path,
            "query": parse_qsl(parts.query, keep_blank_values=True),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": parsed,
        }

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        path = parts.path
        self.server.state.log.append(
            {
                "method": self.command,
                "path": path,
                "query": query,
                "client_port": self.client_address[1],
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
        )
        if path == "/echo/plain":  # what was received, without the client's own headers
            echo = self._echo(body)
            echo["headers"] = {
                k: v.split(";")[0] if k == "content-type" else v
                for k, v in echo["headers"].items()
                if k not in _CLIENT_HEADERS
            }
            self._json(200, echo)
        elif path == "/echo":
            self._json(200, self._echo(body))
        elif path == "/list":
            self._json(200, [{"n": 1}, {"n": 2}])
        elif path == "/text":
            self._send(200, "héllo".encode(), "text/plain; charset=utf-8")
        elif path == "/badjson":
            self._send(200, b"{not json", "application/json")
        elif path.startswith("/status/"):
            self._json(int(path.split("/")[2]), {"status": int(path.split("/")[2])})
        elif path == "/file/logo.png":
            self._send(200, PNG, "image/png")
        elif path == "/download":
            self._send(
                200,
                PNG,
                "application/octet-stream",
                {"Content-Disposition": 'attachment; filename="report.bin"'},
            )
        elif path == "/slow":
            time.sleep(float(query.get("s", "2")))
            self._json(200, {"slow": True})
        elif path == "/loop":
            self._send(302, b"", "text/plain", {"Location": "/loop"})
        elif path == "/goto":  # ?to=URL, ?status=302
            code = int(query.get("status", "302"))
            self._send(code, b"", "text/plain", {"Location": query.get("to", "/echo")})
        elif path == "/redirect/plain":
            self._send(302, b"", "text/plain", {"Location": "/echo/plain?redirected=1"})
        elif path == "/redirect":
            self._send(302, b"", "text/plain", {"Location": "/echo?redirected=1"})
        elif path.startswith("/flaky/"):
            # fail `fail` times (status, with Retry-After: 0), then succeed
            n = self.server.state.hit(path)
            if n <= int(query.get("fail", "1")):
                self._json(int(query.get("status", "429")), {"try": n}, {"Retry-After": "0"})
            else:
                self._json(200, {"ok": True, "tries": n})
        elif path == "/pages":  # ?page=N (1-based), empty list after the end
            page = int(query.get("page", "1"))
            self._json(200, ITEMS[(page - 1) * 3 : page * 3])
        elif path == "/pages404":
            page = int(query.get("page", "1"))
            chunk = ITEMS[(page - 1) * 3 : page * 3]
            self._json(200 if chunk else 404, chunk or {"error": "no such page"})
        elif path == "/cursor":  # next URL in the body until the last page
            page = int(query.get("p", "1"))
            nxt = (
                f"http://127.0.0.1:{self.server.server_port}/cursor?p={page + 1}"
                if page < 3
                else None
            )
            self._json(200, {"items": [page], "next": nxt, "last": page == 3})
        elif path == "/same":
            self._json(200, {"always": "the same"})
        elif path == "/auth":
            self._json(
                200,
                {
                    "authorization": self.headers.get("authorization"),
                    "x-api-key": self.headers.get("x-api-key"),
                    "query": query,
                },
            )
        else:
            self._json(404, {"error": f"no route {path}"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = _State()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is what some tests do on purpose

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


@contextmanager
def serving(port: int = 0) -> Iterator[LoopbackServer]:
    server = LoopbackServer(port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
