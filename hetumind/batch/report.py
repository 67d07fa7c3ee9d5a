"""The run summary of a batch run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BatchReport"]


@dataclass
class BatchReport:
    """The run summary: rows in/out per node, errors, time."""

    status: str = "running"
    error: dict[str, Any] | None = None
    plan: dict[str, Any] = field(default_factory=dict)
    rows_in: int = 0
    rows_out: int = 0
    blocks: int = 0
    blocks_skipped: int = 0
    dead_letters: int = 0
    dead_letter_output: str | None = None
    seconds: float = 0.0
    node_ids: list[str] = field(default_factory=list)
    executor: str = ""
    """Where the tasks ran: inline, a new local Ray, or a running cluster (executor.py)."""
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    sort_samples: list[Any] = field(default_factory=list, repr=False)
    sort_types: set[str] = field(default_factory=set, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "error": self.error,
            "plan": self.plan,
            "rowsIn": self.rows_in,
            "rowsOut": self.rows_out,
            "blocks": self.blocks,
            "blocksSkipped": self.blocks_skipped,
            "deadLetters": self.dead_letters,
            "deadLetterOutput": self.dead_letter_output,
            "seconds": round(self.seconds, 3),
            "rayNodes": self.node_ids,
            "executor": self.executor,
            "nodes": self.nodes,
        }

    def add_block(self, stats: dict[str, Any]) -> None:
        self.blocks += 1
        self.rows_in += int(stats.get("rowsIn", 0))
        self.dead_letters += int(stats.get("errors", 0))
        self.sort_samples.extend(stats.get("sample", []))
        if "keyType" in stats:
            self.sort_types.add(stats["keyType"])
        if stats.get("nodeId") and stats["nodeId"] not in self.node_ids:
            self.node_ids.append(stats["nodeId"])
        for name, s in stats.get("nodes", {}).items():
            mine = self.nodes.setdefault(name, {"rowsIn": 0, "rowsOut": [], "ms": 0.0})
            mine["rowsIn"] += s["in"]
            out = mine["rowsOut"]
            out.extend([0] * (len(s["out"]) - len(out)))
            for i, c in enumerate(s["out"]):
                out[i] += c
            mine["ms"] = round(mine["ms"] + s["ms"], 3)
