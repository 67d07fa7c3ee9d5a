"""What every SaaS fake shares: a threaded HTTP server on a free loopback port that
parses requests (query, JSON, form, multipart), logs them, and can answer the next N
calls with 429 the way the service does. Each fake_<service>.py adds the service's routes,
auth and errors, written from that service's public API documentation."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    json: Any = None
    form: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str | None, str, bytes]] = field(default_factory=dict)
    """Multipart file parts: name -> (file name, content type, bytes)."""
    raw_query: str = ""
    """The query string as sent (repeated keys: `urllib.parse.parse_qs(raw_query)`)."""

    def values(self) -> dict[str, Any]:
        """Query, form and JSON object fields together (Telegram takes any of them)."""
        out: dict[str, Any] = dict(self.query)
        out.update(self.form)
        if isinstance(self.json, dict):
            out.update(self.json)
        return out


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    """Raw bytes instead of a JSON body (file downloads)."""


def _parse(handler: BaseHTTPRequestHandler) -> Request:
    parts = urlsplit(handler.path)
    length = int(handler.headers.get("content-length") or 0)
    raw = handler.rfile.read(length) if length else b""
    headers = {k.lower(): v for k, v in handler.headers.items()}
    req = Request(handler.command, parts.path, dict(parse_qsl(parts.query)), headers, raw)
    req.raw_query = parts.query
    kind = headers.get("content-type", "")
    if raw and "json" in kind:
        req.json = json.loads(raw)
    elif raw and "x-www-form-urlencoded" in kind:
        req.form = dict(parse_qsl(raw.decode()))
    elif raw and "multipart/form-data" in kind:
        msg = email.message_from_bytes(f"Content-Type: {kind}\r\n\r\n".encode() + raw)
        for part in msg.get_payload():  # type: ignore[union-attr]
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            if part.get_filename() is None:
                req.form[str(name)] = data.decode()
            else:
                req.files[str(name)] = (part.get_filename(), part.get_content_type(), data)
    return req


class FakeService:
    """Base of the fakes: override `handle`."""

    rate_limit_answer: Callable[[int], Answer] = staticmethod(
        lambda wait: Answer(429, {"error": "ratelimited"}, {"Retry-After": str(wait)})
    )

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[Request] = []
        self._limited = 0
        self._wait = 0
        self.url = ""

    def rate_limit(self, times: int, retry_after: int = 0) -> None:
        """Answer the next `times` calls with the service's 429."""
        with self.lock:
            self._limited, self._wait = times, retry_after

    def calls(self, path_suffix: str = "") -> list[Request]:
        with self.lock:
            return [r for r in self.log if r.path.endswith(path_suffix)]

    def dispatch(self, req: Request) -> Answer:
        with self.lock:
            self.log.append(req)
            limited = self._limited > 0
            if limited:
                self._limited -= 1
        if limited:
            return self.rate_limit_answer(self._wait)
        return self.handle(req)

    def handle(self, req: Request) -> Answer:
        raise NotImplementedError


def _handler(fake: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            try:
                answer = fake.dispatch(_parse(self))
            except Exception as exc:  # a bug in the fake must show, not hang the client
                answer = Answer(500, {"error": f"fake failed: {exc!r}"})
            content = (
                answer.content if answer.content is not None else json.dumps(answer.body).encode()
            )
            self.send_response(answer.status)
            headers = {"Content-Type": "application/json; charset=utf-8", **answer.headers}
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


F = TypeVar("F", bound=FakeService)


@contextmanager
def serving(fake: F) -> Iterator[F]:
    """Run `fake` on 127.0.0.1 at a free port until the block ends."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
