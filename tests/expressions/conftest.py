"""Test helpers: a small in-memory ItemsAccessor and an `ev` shortcut."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hetumind.errors import ExpressionError
from hetumind.expressions import ExpressionContext, compile_parameter

Item = dict[str, Any]
NOW = datetime(2024, 3, 15, 13, 45, 30, 123000, tzinfo=UTC)


class FakeItems:
    """The items of one node; `paired` maps input item index -> index into `runs[-1]`."""

    def __init__(
        self,
        items: list[Item],
        *,
        paired: dict[int, int] | None = None,
        params: dict[str, Any] | None = None,
        current: int = 0,
        executed: bool = True,
    ) -> None:
        self.items = items
        self.paired = paired if paired is not None else {i: i for i in range(len(items))}
        self._params = params or {}
        self.current = current
        self._executed = executed

    @property
    def is_executed(self) -> bool:
        return self._executed

    def all(self, branch: int = 0, run_index: int | None = None) -> list[Item]:
        return list(self.items) if branch == 0 else []

    def first(self, branch: int = 0, run_index: int | None = None) -> Item | None:
        items = self.all(branch, run_index)
        return items[0] if items else None

    def last(self, branch: int = 0, run_index: int | None = None) -> Item | None:
        items = self.all(branch, run_index)
        return items[-1] if items else None

    def item(self) -> Item | None:
        return self.item_matching(self.current)

    def item_matching(self, item_index: int) -> Item | None:
        i = self.paired.get(item_index)
        return self.items[i] if i is not None and i < len(self.items) else None

    @property
    def params(self) -> dict[str, Any]:
        return self._params

    @property
    def context(self) -> dict[str, Any]:
        return {}


def items(*jsons: dict[str, Any]) -> list[Item]:
    return [{"json": j} for j in jsons]


def make_context(**overrides: Any) -> ExpressionContext:
    people = FakeItems(
        items({"name": "Ada", "age": 36}, {"name": "Grace", "age": 45}),
        params={"mode": "raw"},
        current=1,
    )
    nodes = {"People": people, "Empty": FakeItems([], executed=False)}

    def node_data(name: str) -> FakeItems:
        if name not in nodes:
            raise ExpressionError(f"Referenced node doesn't exist: {name}")
        return nodes[name]

    base: dict[str, Any] = {
        "json": {"name": "Ada", "age": 36, "tags": ["a", "b"], "nested": {"x": 1}, "none": None},
        "item_index": 1,
        "run_index": 0,
        "input": FakeItems(items({"v": 1}, {"v": 2}, {"v": 3}), current=1),
        "node_data": node_data,
        "node_name": "Current",
        "parameters": {"operation": "set"},
        "workflow": {"id": "wf1", "name": "Demo", "active": False},
        "execution": {"id": "ex9", "mode": "manual", "resumeUrl": "http://x/resume"},
        "env": {"HOME_URL": "https://example.org"},
        "vars": {"region": "eu"},
        "now": NOW,
    }
    base.update(overrides)
    return ExpressionContext(**base)


Evaluate = Callable[..., Any]


@pytest.fixture
def ev() -> Evaluate:
    """ev("1 + 2") evaluates `={{ 1 + 2 }}`; keyword arguments override the context."""

    def run(expr: str, **overrides: Any) -> Any:
        return compile_parameter("={{ " + expr + " }}").evaluate(make_context(**overrides))

    return run
