"""What an expression can see: the contract between the evaluator and the engine.

The engine builds one `ExpressionContext` per item it evaluates parameters for; the
evaluator reads variables ($json, $input, $('Node'), ...) only through it. Items cross this
boundary as plain JSON values: ``{"json": {...}, "binary": {...}}`` dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = ["ExpressionContext", "ItemsAccessor"]

Item = dict[str, Any]  # {"json": {...}, "binary": {...}}


class ItemsAccessor(Protocol):
    """The items of one node (for `$('Node')`) or of the current input (for `$input`)."""

    @property
    def is_executed(self) -> bool: ...

    def all(self, branch: int = 0, run_index: int | None = None) -> list[Item]: ...

    def first(self, branch: int = 0, run_index: int | None = None) -> Item | None: ...

    def last(self, branch: int = 0, run_index: int | None = None) -> Item | None: ...

    def item(self) -> Item | None:
        """The item paired with the item being evaluated (n8n's `.item`)."""
        ...

    def item_matching(self, item_index: int) -> Item | None:
        """The item paired with input item `item_index` (n8n's `.itemMatching(i)`)."""
        ...

    @property
    def params(self) -> dict[str, Any]: ...

    @property
    def context(self) -> dict[str, Any]:
        """`$node["Name"].context`: what the node's latest run kept ({} when none)."""
        ...


@dataclass
class ExpressionContext:
    """Variables for one evaluation. Only `json` and `item_index` change per item."""

    json: dict[str, Any] = field(default_factory=dict)
    binary: dict[str, Any] | None = None
    item_index: int = 0
    run_index: int = 0
    input: ItemsAccessor | None = None
    node_data: Callable[[str], ItemsAccessor] | None = None
    """`$('Name')` and `$node["Name"]`; raises ExpressionError for unknown nodes."""
    node_name: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    workflow: Mapping[str, Any] = field(default_factory=dict)
    """`$workflow`: id, name, active."""
    execution: Mapping[str, Any] = field(default_factory=dict)
    """`$execution`: id, mode, resumeUrl."""
    env: Mapping[str, str] = field(default_factory=dict)
    vars: Mapping[str, Any] = field(default_factory=dict)
    now: datetime | None = None
    """Fixed per execution so that every item sees the same `$now`."""
    static_data: Callable[[str], dict[str, Any]] | None = None
    """`$getWorkflowStaticData("global" | "node")`: data kept between executions."""
    step_budget: int = 100_000
