"""A small NodeContext for the set / if / filter / switch unit tests.

Parameters are literals, plus the one expression shape these tests need:
``={{ $json.<name> }}``. `vectorize=True` answers evaluate_column with the typed Arrow
column (as the real engine does for a vectorizable expression); `vectorize=False` answers
with a Python list (as for an expression that does not vectorize), so tests can check that
both paths agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from hetumind.errors import ExpressionError
from hetumind.items import ItemBatch

_COLUMN = re.compile(r"^=\{\{\s*\$json\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


class SifContext:
    def __init__(
        self,
        parameters: Mapping[str, Any],
        batch: ItemBatch,
        *,
        version: float = 1,
        vectorize: bool = True,
        continue_on_fail: bool = False,
        node_name: str = "Node",
    ) -> None:
        self._parameters = dict(parameters)
        self._batch = batch
        self._rows: list[dict[str, Any]] | None = None
        self._version = version
        self._vectorize = vectorize
        self._continue = continue_on_fail
        self._name = node_name
        self._state: dict[str, Any] = {}

    @property
    def node_name(self) -> str:
        return self._name

    @property
    def type_version(self) -> float:
        return self._version

    @property
    def run_index(self) -> int:
        return 0

    @property
    def state(self) -> dict[str, Any]:
        return self._state

    @property
    def raw_parameters(self) -> Mapping[str, Any]:
        return self._parameters

    @property
    def continue_on_fail(self) -> bool:
        return self._continue

    def _row(self, i: int) -> dict[str, Any]:
        if self._rows is None:
            self._rows = self._batch.to_json()
        return self._rows[i]

    def param(self, path: str, item_index: int = 0, default: Any = None) -> Any:
        value: Any = self._parameters
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return self.evaluate(value, item_index, path)

    def evaluate(self, value: Any, item_index: int, parameter: str) -> Any:
        if isinstance(value, dict):
            return {k: self.evaluate(v, item_index, parameter) for k, v in value.items()}
        if isinstance(value, list):
            return [self.evaluate(v, item_index, parameter) for v in value]
        if isinstance(value, str) and value.startswith("="):
            m = _COLUMN.match(value)
            if m:
                return self._row(item_index).get(m.group(1))
            if value == "={{ $json.boom() }}":
                raise ExpressionError("boom", node=self._name, item_index=item_index)
            if value == "={{ $itemIndex }}":
                return item_index
            return value[1:]
        return value

    def evaluate_column(self, value: Any, parameter: str, batch: ItemBatch | None = None) -> Any:
        batch = batch or self._batch
        n = len(batch)
        if isinstance(value, str) and value.startswith("="):
            m = _COLUMN.match(value)
            if m and self._vectorize:
                col = batch.typed_column(m.group(1))
                if col is not None:
                    return col.combine_chunks()
                if m.group(1) not in batch.columns:
                    return pa.nulls(n)
            return [self.evaluate(value, i, parameter) for i in range(n)]
        if self._vectorize and (isinstance(value, bool | int | float | str)):
            return pa.array([value] * n)
        return [value] * n


def filter_value(
    *conditions: tuple[Any, str, str, Any],
    combinator: str = "and",
    strict: bool = True,
    case_sensitive: bool = True,
    version: int = 2,
) -> dict[str, Any]:
    """A filter parameter from (left, type, operation, right) tuples."""
    return {
        "options": {
            "caseSensitive": case_sensitive,
            "leftValue": "",
            "typeValidation": "strict" if strict else "loose",
            "version": version,
        },
        "conditions": [
            {
                "id": f"c{i}",
                "leftValue": left,
                "rightValue": right,
                "operator": {"type": typ, "operation": op},
            }
            for i, (left, typ, op, right) in enumerate(conditions)
        ],
        "combinator": combinator,
    }


PEOPLE = [
    {
        "id": 1,
        "name": "Ada",
        "age": 36,
        "city": "London",
        "tags": ["math", "code"],
        "score": 91.5,
        "active": True,
        "email": "ada@example.org",
    },
    {
        "id": 2,
        "name": "Grace",
        "age": 45,
        "city": "New York",
        "tags": ["navy", "code"],
        "score": 88.0,
        "active": False,
        "email": "grace@example.com",
    },
    {
        "id": 3,
        "name": "alan",
        "age": 41,
        "city": "London",
        "tags": [],
        "score": 79.25,
        "active": True,
        "email": None,
    },
    {
        "id": 4,
        "name": "Edsger",
        "age": 72,
        "city": "Austin",
        "tags": ["algo"],
        "score": 95.0,
        "active": True,
        "email": "ew@example.net",
    },
    {
        "id": 5,
        "name": "Barbara",
        "age": 29,
        "city": "Boston",
        "tags": ["lang", "code", "ds"],
        "score": 67.0,
        "active": False,
        "email": "bl@example.org",
    },
    {
        "id": 6,
        "name": "Ken",
        "age": 36,
        "city": "New York",
        "tags": ["unix"],
        "score": 88.0,
        "active": True,
        "email": "ken@example.com",
    },
]


def workflow(
    node: dict[str, Any],
    rows: list[dict[str, Any]],
    *extra: dict[str, Any],
    connections: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Start -> Data (set raw) -> Items (splitOut) -> `node` (+ extra nodes), n8n's shape."""
    import json

    nodes = [
        {
            "id": "start",
            "name": "Start",
            "type": "n8n-nodes-base.manualTrigger",
            "typeVersion": 1,
            "position": [0, 0],
            "parameters": {},
        },
        {
            "id": "data",
            "name": "Data",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "position": [200, 0],
            "parameters": {"mode": "raw", "jsonOutput": json.dumps({"rows": rows}), "options": {}},
        },
        {
            "id": "items",
            "name": "Items",
            "type": "n8n-nodes-base.splitOut",
            "typeVersion": 1,
            "position": [400, 0],
            "parameters": {"fieldToSplitOut": "rows", "options": {}},
        },
        {"id": "node", "position": [600, 0], **node},
        *extra,
    ]
    conns = {
        "Start": {"main": [[{"node": "Data", "type": "main", "index": 0}]]},
        "Data": {"main": [[{"node": "Items", "type": "main", "index": 0}]]},
        "Items": {"main": [[{"node": node["name"], "type": "main", "index": 0}]]},
        **(connections or {}),
    }
    return {"name": "t", "nodes": nodes, "connections": conns, "settings": {"executionOrder": "v1"}}
