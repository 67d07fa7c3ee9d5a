"""A real HTTP server on loopback for the feed and GraphQL nodes: static documents by path,
and a GraphQL endpoint executed by graphql-core (the reference implementation's port)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    graphql_sync,
)

TOKEN = "Bearer let-me-in"

_BOOK = GraphQLObjectType(
    "Book", {"title": GraphQLField(GraphQLString), "author": GraphQLField(GraphQLString)}
)


def _fail(*_: Any) -> str:
    raise ValueError("this field always fails")


def _schema(books: list[dict[str, str]]) -> GraphQLSchema:
    def add_book(_: Any, __: Any, title: str, author: str | None = None) -> dict[str, Any]:
        book = {"title": title, "author": author or "unknown"}
        books.append(book)
        return book

    return GraphQLSchema(
        query=GraphQLObjectType(
            "Query",
            {
                "hello": GraphQLField(
                    GraphQLString,
                    args={"name": GraphQLArgument(GraphQLString)},
                    resolve=lambda _, __, name="world": f"Hello {name}",
                ),
                "books": GraphQLField(GraphQLList(_BOOK), resolve=lambda *_: books),
                "broken": GraphQLField(GraphQLString, resolve=_fail),
            },
        ),
        mutation=GraphQLObjectType(
            "Mutation",
            {
                "addBook": GraphQLField(
                    _BOOK,
                    args={
                        "title": GraphQLArgument(GraphQLNonNull(GraphQLString)),
                        "author": GraphQLArgument(GraphQLString),
                    },
                    resolve=add_book,
                )
            },
        ),
    )


@dataclass
class WebServer:
    base: str
    documents: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    """path -> (status, content type, body)"""
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every request: method, path, headers (lowercase names), body."""
    books: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


def _handler(server: WebServer) -> type[BaseHTTPRequestHandler]:
    schema = _schema(server.books)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _record(self, body: bytes) -> None:
            server.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
            )

        def do_GET(self) -> None:
            self._record(b"")
            parts = urlsplit(self.path)
            if parts.path.startswith("/graphql"):
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if "variables" in params:
                    params["variables"] = json.loads(params["variables"])
                self._graphql(params)
                return
            status, kind, body = server.documents.get(parts.path, (404, "text/plain", b"not found"))
            self._answer(status, kind, body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._record(body)
            kind = self.headers.get("Content-Type", "")
            if kind.startswith("application/graphql"):
                self._graphql({"query": body.decode()})
            elif kind.startswith("application/x-www-form-urlencoded"):
                params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                if "variables" in params:
                    params["variables"] = json.loads(params["variables"])
                self._graphql(params)
            else:
                self._graphql(json.loads(body or b"{}"))

        def _graphql(self, params: dict[str, Any]) -> None:
            if self.path.startswith("/graphql-auth") and self.headers.get("Authorization") != TOKEN:
                self._answer(
                    401, "application/json", b'{"errors": [{"message": "Not authorized"}]}'
                )
                return
            result = graphql_sync(
                schema,
                params.get("query") or "",
                variable_values=params.get("variables"),
                operation_name=params.get("operationName") or None,
            )
            self._answer(200, "application/json", json.dumps(result.formatted).encode())

    return Handler


@contextmanager
def serving() -> Iterator[WebServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(WebServer("")))
    host, port = httpd.server_address[:2]
    server = WebServer(f"http://{host!s}:{port}")
    httpd.RequestHandlerClass = _handler(server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
