"""A fake of Supabase's REST API (PostgREST behind Supabase's gateway) on loopback, written
from PostgREST's API reference (postgrest.org/en/stable/references/api) and Supabase's
API docs.

`/rest/v1/<table>`: GET (select=*, or a column list; horizontal filters `col=op.value`
with eq, neq, gt, gte, lt, lte, like, ilike (`*` for `%`), is (null, true, false,
unknown), in.(a,b), fts / plfts / phfts / wfts (optionally `fts(config)`), each negatable
with `not.`; `or=(...)` / `and=(...)` trees, nested; `order=col.asc|desc`; `limit` /
`offset` or a `Range: 0-9` header, capped at `max_rows` per answer (Supabase's default
1000) with `Content-Range: 0-9/*` (the total with `Prefer: count=exact`)), POST (an object
or an array; `Prefer: return=representation` answers 201 with the rows, otherwise 201
with no body), PATCH and DELETE (filters; Supabase's safeupdate refuses them without
one), and GET `/rest/v1/` (the OpenAPI description n8n lists tables from).

`/rest/v1/rpc/<function>` (POST, the arguments as a JSON object) calls a function added with
`add_function`; `add_match_documents` adds the `match_documents(query_embedding,
match_count, filter)` of Supabase's vector guide (supabase.com/docs/guides/ai/langchain):
rows of the table whose metadata contains `filter` (jsonb `@>`), nearest first by cosine
distance, as `{id, content, metadata, similarity}` with similarity = 1 - distance. An
unknown function is 404 PGRST202.

Schemas: `Accept-Profile` (GET) / `Content-Profile` (writes) pick one; one not exposed is
406 PGRST106. Auth as Supabase's gateway checks it: the `apikey` header must be the
project's anon or service_role key (401 `{"message": "Invalid API key"}` otherwise), and
`Authorization: Bearer` must carry a key the project signed (401 PGRST301). Errors are
PostgREST's `{"code", "message", "details", "hint"}`; 429 carries Retry-After.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes._base import Answer, FakeService, Request

SERVICE_ROLE = "eyJhbGciOiJIUzI1NiJ9.service_role.s3cret-sb"
ANON = "eyJhbGciOiJIUzI1NiJ9.anon.public-sb"
_RESERVED = {"select", "order", "limit", "offset", "on_conflict", "columns"}


def pg_error(status: int, code: str, message: str, details: Any = None, hint: Any = None) -> Answer:
    return Answer(status, {"code": code, "details": details, "hint": hint, "message": message})


class _Bad(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.body)
        self.answer = answer


class Table:
    def __init__(self, name: str, columns: list[str], key: str | None = "id") -> None:
        self.name, self.columns, self.key = name, columns, key
        self.rows: list[dict[str, Any]] = []
        self._serial = itertools.count(1)

    def insert(self, record: dict[str, Any]) -> dict[str, Any]:
        unknown = [c for c in record if c not in self.columns]
        if unknown:
            raise _Bad(
                pg_error(
                    400,
                    "PGRST204",
                    f"Could not find the '{unknown[0]}' column of '{self.name}' in the "
                    "schema cache",
                )
            )
        row = {c: record.get(c) for c in self.columns}
        if self.key and row.get(self.key) is None:
            taken = {r[self.key] for r in self.rows}
            row[self.key] = next(n for n in self._serial if n not in taken)
        if self.key and any(r[self.key] == row[self.key] for r in self.rows):
            raise _Bad(
                pg_error(
                    409,
                    "23505",
                    f'duplicate key value violates unique constraint "{self.name}_pkey"',
                    f"Key ({self.key})=({row[self.key]}) already exists.",
                )
            )
        self.rows.append(row)
        return dict(row)


# -- filters --------------------------------------------------------------------------------


def _split_top(text: str) -> list[str]:
    """Comma-separated terms at the top level (parentheses and double quotes nest)."""
    parts, depth, quoted, current = [], 0, False, ""
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def _parse_failure(text: str) -> _Bad:
    return _Bad(
        pg_error(
            400,
            "PGRST100",
            f'"failed to parse filter ({text})" (line 1, column 1)',
            f'unexpected "{text[:1]}" expecting operator',
        )
    )


class _Cond:
    """One test on a row: a column comparison or an and/or tree."""

    def __init__(
        self,
        table: Table,
        column: str | None,
        expr: str,
        kids: list[_Cond] | None = None,
        every: bool = True,
        negate: bool = False,
    ) -> None:
        self.table, self.column, self.expr = table, column, expr
        self.kids, self.every, self.negate = kids, every, negate
        if column is not None and column not in table.columns:
            raise _Bad(pg_error(400, "42703", f"column {table.name}.{column} does not exist"))
        if column is not None:
            self.op, self.config, self.value = _operator(expr)

    def test(self, row: dict[str, Any]) -> bool:
        if self.kids is not None:
            results = [k.test(row) for k in self.kids]
            hit = all(results) if self.every else any(results)
        else:
            assert self.column is not None
            hit = _compare(self.table, self.column, row.get(self.column), self.op, self.value)
        return not hit if self.negate else hit


def _operator(expr: str) -> tuple[str, str | None, str]:
    found = re.fullmatch(
        r"(eq|neq|gt|gte|lt|lte|like|ilike|is|in|fts|plfts|phfts|wfts)(?:\(([^)]*)\))?\.(.*)",
        expr,
        re.S,
    )
    if not found:
        raise _parse_failure(expr)
    op, config, value = found.groups()
    if op == "is" and value.lower() not in ("null", "true", "false", "unknown"):
        raise _Bad(
            pg_error(
                400,
                "PGRST100",
                f'"failed to parse filter (is.{value})" (line 1, column 4)',
                'unexpected "'
                + value[:1]
                + '" expecting null or trilean value (unknown, true, false)',
            )
        )
    return op, config, value


def _typed(table: Table, column: str, sample: Any, text: str) -> Any:
    """The filter text as the column's type (taken from the rows' values)."""
    if isinstance(sample, bool):
        if text.lower() in ("true", "t", "false", "f"):
            return text.lower() in ("true", "t")
        raise _Bad(pg_error(400, "22P02", f'invalid input syntax for type boolean: "{text}"'))
    if isinstance(sample, int | float):
        try:
            return float(text) if isinstance(sample, float) or "." in text else int(text)
        except ValueError:
            kind = "integer" if isinstance(sample, int) else "double precision"
            raise _Bad(
                pg_error(400, "22P02", f'invalid input syntax for type {kind}: "{text}"')
            ) from None
    return text


def _compare(table: Table, column: str, value: Any, op: str, text: str) -> bool:
    if op == "is":
        word = text.lower()
        if word in ("null", "unknown"):
            return value is None
        return value is (word == "true")
    if value is None:
        return False  # SQL: a comparison with null is not true
    if op == "in":
        inner = text[1:-1] if text.startswith("(") and text.endswith(")") else text
        options = [o.strip().strip('"') for o in _split_top(inner)]
        return any(value == _typed(table, column, value, o) for o in options)
    if op in ("like", "ilike"):
        pattern = "".join(
            ".*" if ch in "*%" else "." if ch == "_" else re.escape(ch) for ch in text
        )
        flags = re.I | re.S if op == "ilike" else re.S
        return re.fullmatch(pattern, str(value), flags) is not None
    if op in ("fts", "plfts", "phfts", "wfts"):
        words = set(re.findall(r"\w+", str(value).lower()))
        wanted = re.findall(r"\w+", text.lower())
        if op == "phfts":
            return " ".join(wanted) in " ".join(re.findall(r"\w+", str(value).lower()))
        return bool(wanted) and all(w in words for w in wanted)
    other = _typed(table, column, value, text)
    try:
        return {
            "eq": value == other,
            "neq": value != other,
            "gt": value > other,
            "gte": value >= other,
            "lt": value < other,
            "lte": value <= other,
        }[op]
    except TypeError:
        return False


def _tree(table: Table, text: str, every: bool, negate: bool = False) -> _Cond:
    """`(a.eq.1,or(b.gt.2,c.is.null))` as a condition."""
    if not (text.startswith("(") and text.endswith(")")):
        raise _parse_failure(text)
    kids = []
    for term in _split_top(text[1:-1]):
        term = term.strip()
        neg = term.startswith("not.")
        if neg:
            term = term[4:]
        nested = re.fullmatch(r"(and|or)(\(.*\))", term, re.S)
        if nested:
            kids.append(_tree(table, nested.group(2), nested.group(1) == "and", neg))
            continue
        column, _, expr = term.partition(".")
        if not expr:
            raise _parse_failure(term)
        if neg:
            expr = "not." + expr
        kids.append(_leaf(table, column, expr))
    return _Cond(table, None, "", kids, every, negate)


def _leaf(table: Table, column: str, expr: str) -> _Cond:
    negate = expr.startswith("not.")
    return _Cond(table, column, expr[4:] if negate else expr, negate=negate)


# -- the service ------------------------------------------------------------------------------


class FakeSupabase(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(429, {"message": "API rate limit exceeded"}, {"Retry-After": str(wait)})
    )

    def __init__(self, max_rows: int = 1000) -> None:
        super().__init__()
        self.max_rows = max_rows
        self.keys = {SERVICE_ROLE, ANON}
        self.schemas: dict[str, dict[str, Table]] = {"public": {}}
        self.functions: dict[tuple[str, str], Callable[[dict[str, Any]], Any]] = {}

    def add_function(
        self, name: str, call: Callable[[dict[str, Any]], Any], schema: str = "public"
    ) -> None:
        self.functions[(schema, name)] = call

    def add_match_documents(
        self, table: str, name: str = "match_documents", schema: str = "public"
    ) -> None:
        def match(args: dict[str, Any]) -> list[dict[str, Any]]:
            query = [float(x) for x in args["query_embedding"]]
            wanted = args.get("filter") or {}
            rows = [
                r
                for r in self.table(table, schema).rows
                if all((r.get("metadata") or {}).get(k) == v for k, v in wanted.items())
            ]
            scored = [(1 - _cosine_distance(r["embedding"], query), r) for r in rows]
            scored.sort(key=lambda pair: -pair[0])
            count = args.get("match_count")
            return [
                {
                    "id": r["id"],
                    "content": r["content"],
                    "metadata": r["metadata"],
                    "similarity": similarity,
                }
                for similarity, r in scored[: None if count is None else int(count)]
            ]

        self.add_function(name, match, schema)

    def add_table(
        self,
        name: str,
        columns: list[str],
        rows: list[dict[str, Any]] | None = None,
        *,
        schema: str = "public",
        key: str | None = "id",
    ) -> Table:
        table = Table(name, columns, key)
        for row in rows or []:
            table.insert(row)
        self.schemas.setdefault(schema, {})[name] = table
        return table

    def table(self, name: str, schema: str = "public") -> Table:
        return self.schemas[schema][name]

    def handle(self, req: Request) -> Answer:
        apikey = req.headers.get("apikey", "")
        if not apikey:
            return Answer(
                401,
                {
                    "message": "No API key found in request",
                    "hint": "No `apikey` request header or url param was found.",
                },
            )
        if apikey not in self.keys:
            return Answer(
                401,
                {
                    "message": "Invalid API key",
                    "hint": "Double check your Supabase `anon` or `service_role` API key.",
                },
            )
        bearer = req.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.keys:
            return pg_error(401, "PGRST301", "JWSError JWSInvalidSignature")
        if not req.path.startswith("/rest/v1/"):
            return Answer(404, {"message": "no Route matched with those values"})
        name = req.path.removeprefix("/rest/v1/")
        profile = "accept-profile" if req.method in ("GET", "HEAD") else "content-profile"
        schema = req.headers.get(profile, "public")
        if schema not in self.schemas:
            exposed = ", ".join(self.schemas)
            return pg_error(406, "PGRST106", f"The schema must be one of the following: {exposed}")
        tables = self.schemas[schema]
        if name.startswith("rpc/") and req.method == "POST":
            function = self.functions.get((schema, name.removeprefix("rpc/")))
            if function is None:
                return pg_error(
                    404,
                    "PGRST202",
                    f"Could not find the function {schema}.{name.removeprefix('rpc/')} "
                    "in the schema cache",
                )
            return Answer(200, function(req.json or {}))
        if name == "":
            return Answer(200, self._openapi(tables))
        table = tables.get(name)
        if table is None:
            return pg_error(
                404,
                "PGRST205",
                f"Could not find the table '{schema}.{name}' in the schema cache",
            )
        try:
            return self._table(table, req)
        except _Bad as bad:
            return bad.answer

    @staticmethod
    def _openapi(tables: dict[str, Table]) -> dict[str, Any]:
        return {
            "swagger": "2.0",
            "paths": {"/": {}, **{f"/{t}": {} for t in tables}},
            "definitions": {
                t.name: {"properties": {c: {"type": "string"} for c in t.columns}}
                for t in tables.values()
            },
        }

    def _table(self, table: Table, req: Request) -> Answer:
        pairs = parse_qsl(req.raw_query, keep_blank_values=True)
        conds: list[_Cond] = []
        for key, value in pairs:
            if key in _RESERVED:
                continue
            if key in ("or", "and", "not.or", "not.and"):
                conds.append(_tree(table, value, key.endswith("and"), key.startswith("not.")))
            else:
                conds.append(_leaf(table, key, value))
        query = dict(pairs)
        prefer = req.headers.get("prefer", "")
        representation = "return=representation" in prefer
        matched = [r for r in table.rows if all(c.test(r) for c in conds)]
        if req.method == "GET":
            return self._read(table, matched, query, req, prefer)
        if req.method == "POST":
            body = req.json
            records = body if isinstance(body, list) else [body]
            if not all(isinstance(r, dict) for r in records):
                return pg_error(400, "PGRST102", "Empty or invalid json")
            # all or nothing, as one INSERT statement is
            saved = list(table.rows)
            try:
                created = [table.insert(r) for r in records]
            except _Bad:
                table.rows = saved
                raise
            if not representation:
                return Answer(201, content=b"")
            return Answer(201, self._select(created, query))
        if not conds:
            verb = "DELETE" if req.method == "DELETE" else "UPDATE"
            return pg_error(400, "21000", f"{verb} requires a WHERE clause")
        if req.method == "PATCH":
            changes = req.json
            if not isinstance(changes, dict):
                return pg_error(400, "PGRST102", "Empty or invalid json")
            unknown = [c for c in changes if c not in table.columns]
            if unknown:
                return pg_error(
                    400,
                    "PGRST204",
                    f"Could not find the '{unknown[0]}' column of '{table.name}' in the "
                    "schema cache",
                )
            for row in matched:
                row.update(changes)
            body_out = self._select([dict(r) for r in matched], query)
            return Answer(200, body_out) if representation else Answer(204, content=b"")
        if req.method == "DELETE":
            table.rows = [r for r in table.rows if r not in matched]
            body_out = self._select(matched, query)
            return Answer(200, body_out) if representation else Answer(204, content=b"")
        return pg_error(405, "PGRST117", f"Unsupported HTTP method: {req.method}")

    @staticmethod
    def _select(rows: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
        select = query.get("select", "*")
        if select.strip() == "*":
            return [dict(r) for r in rows]
        names = [s.strip() for s in select.split(",") if s.strip()]
        return [{n: r.get(n) for n in names} for r in rows]

    def _read(
        self,
        table: Table,
        rows: list[dict[str, Any]],
        query: dict[str, str],
        req: Request,
        prefer: str,
    ) -> Answer:
        for name in query.get("select", "*").split(","):
            name = name.strip()
            if name != "*" and name not in table.columns:
                raise _Bad(pg_error(400, "42703", f"column {table.name}.{name} does not exist"))
        if query.get("order"):
            for term in reversed(query["order"].split(",")):
                column, _, direction = term.partition(".")
                if column not in table.columns:
                    raise _Bad(
                        pg_error(400, "42703", f"column {table.name}.{column} does not exist")
                    )
                rows = sorted(
                    rows,
                    key=lambda r: (r.get(column) is None, r.get(column)),
                    reverse=direction.startswith("desc"),
                )
        start, end = 0, None
        header = req.headers.get("range")
        if header:
            found = re.fullmatch(r"\s*(\d+)-(\d*)\s*", header)
            if not found:
                return pg_error(
                    416,
                    "PGRST103",
                    "Requested range not satisfiable",
                    "An invalid range was specified",
                )
            start = int(found.group(1))
            end = int(found.group(2)) + 1 if found.group(2) else None
        try:
            if "offset" in query:
                start = int(query["offset"])
            if "limit" in query:
                end = start + int(query["limit"])
        except ValueError:
            return pg_error(400, "PGRST100", '"failed to parse limit/offset" (line 1, column 1)')
        cap = start + self.max_rows
        end = cap if end is None else min(end, cap)
        page = rows[start:end]
        total = str(len(rows)) if "count=exact" in prefer else "*"
        span = f"{start}-{start + len(page) - 1}" if page else "*"
        return Answer(200, self._select(page, query), {"Content-Range": f"{span}/{total}"})


def _cosine_distance(a: list[float], b: list[float]) -> float:
    """pgvector's `<=>`."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return 1.0 - dot / norm if norm else 1.0
