"""A fake of Pinecone's REST API (docs.pinecone.io/reference/api, version 2025-04) on
loopback: the control plane's `GET /indexes/{name}` (the index's dimension, metric and
data-plane `host`, given without a scheme as Pinecone does) and, on the same port, the data
plane: `POST /vectors/upsert` ({vectors: [{id, values, metadata}], namespace}: upsertedCount),
`POST /query` ({vector, topK, namespace, filter, includeMetadata, includeValues}: matches
by cosine similarity, highest first) and `POST /vectors/delete` (deleteAll in a namespace).
Filters take Pinecone's metadata operators $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $and,
$or and plain values as $eq. Auth: the `Api-Key` header (401 UNAUTHENTICATED otherwise);
errors are `{"error": {"code", "message"}, "status"}`; a vector of the wrong dimension is
400 INVALID_ARGUMENT; null metadata values are refused as Pinecone does."""

from __future__ import annotations

import math
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

API_KEY = "pcsk_s3cret-pinecone"


def _error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message}, "status": status})


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _matches(metadata: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key, condition in wanted.items():
        if key == "$and":
            if not all(_matches(metadata, c) for c in condition):
                return False
            continue
        if key == "$or":
            if not any(_matches(metadata, c) for c in condition):
                return False
            continue
        ops = condition if isinstance(condition, dict) else {"$eq": condition}
        value = metadata.get(key)
        if not all(_holds(value, op, expected) for op, expected in ops.items()):
            return False
    return True


def _holds(value: Any, op: str, expected: Any) -> bool:
    if op == "$eq":
        return value == expected or (isinstance(value, list) and expected in value)
    if op == "$ne":
        return value != expected
    if op == "$in":
        return value in expected
    if op == "$nin":
        return value not in expected
    if value is None:
        return False
    return {
        "$gt": value > expected,
        "$gte": value >= expected,
        "$lt": value < expected,
        "$lte": value <= expected,
    }[op]


class FakePinecone(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: _error(429, "RESOURCE_EXHAUSTED", "Request rate limit exceeded")
    )

    def __init__(self) -> None:
        super().__init__()
        self.indexes: dict[str, int] = {}
        """Index name -> dimension."""
        self.namespaces: dict[str, dict[str, dict[str, Any]]] = {}
        """Namespace ("" is the default) -> id -> {values, metadata}."""

    def add_index(self, name: str, dimension: int) -> None:
        self.indexes[name] = dimension

    def handle(self, req: Request) -> Answer:
        if req.headers.get("api-key") != API_KEY:
            return _error(401, "UNAUTHENTICATED", "Invalid API Key")
        if req.method == "GET" and req.path.startswith("/indexes/"):
            name = req.path.removeprefix("/indexes/")
            if name not in self.indexes:
                return _error(404, "NOT_FOUND", f"Resource {name} not found")
            return Answer(200, {
                "name": name, "dimension": self.indexes[name], "metric": "cosine",
                "host": self.url.removeprefix("http://"), "vector_type": "dense",
                "status": {"ready": True, "state": "Ready"},
                "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
            })  # fmt: skip
        body = req.json if isinstance(req.json, dict) else {}
        space = self.namespaces.setdefault(str(body.get("namespace") or ""), {})
        dimension = next(iter(self.indexes.values()), 0)
        if req.path == "/vectors/upsert":
            for vector in body.get("vectors") or []:
                if len(vector["values"]) != dimension:
                    return _error(400, "INVALID_ARGUMENT", f"Vector dimension "
                                  f"{len(vector['values'])} does not match the dimension of the "
                                  f"index {dimension}")  # fmt: skip
                if any(v is None for v in (vector.get("metadata") or {}).values()):
                    return _error(400, "INVALID_ARGUMENT", "Metadata value must be a string, "
                                  "number, boolean or list of strings, got 'null'")  # fmt: skip
                space[vector["id"]] = {
                    "values": vector["values"],
                    "metadata": vector.get("metadata"),
                }
            return Answer(200, {"upsertedCount": len(body.get("vectors") or [])})
        if req.path == "/query":
            query = body["vector"]
            wanted = body.get("filter") or {}
            scored = sorted(
                (
                    (_cosine(v["values"], query), vid, v)
                    for vid, v in space.items()
                    if _matches(v.get("metadata") or {}, wanted)
                ),
                key=lambda t: -t[0],
            )[: int(body.get("topK", 10))]
            matches = []
            for score, vid, v in scored:
                match: dict[str, Any] = {"id": vid, "score": score, "values": []}
                if body.get("includeMetadata"):
                    match["metadata"] = v.get("metadata")
                matches.append(match)
            return Answer(200, {"matches": matches, "namespace": body.get("namespace") or "",
                                "usage": {"readUnits": 1}})  # fmt: skip
        if req.path == "/vectors/delete":
            if body.get("deleteAll"):
                space.clear()
            for vid in body.get("ids") or []:
                space.pop(vid, None)
            return Answer(200, {})
        return _error(404, "NOT_FOUND", f"no route {req.method} {req.path}")
