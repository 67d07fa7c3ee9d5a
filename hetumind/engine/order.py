"""What n8n's execution orders decide beyond "a node runs when it receives items".

n8n has two orders (`settings.executionOrder`). Hetumind runs independent branches in
parallel under both, so the order of runs across branches is not n8n's stack order; what
each order decides about *whether and with what* a node runs is followed:

- v1 (the default): a node runs only when it receives items; a multi-input node stuck
  with part of its inputs runs if its definition allows it (n8n's requiredInputs).
- v0 (n8n before 1.0): an empty output still reaches a node's second or later input (as
  an empty list); a multi-input node left waiting runs with whatever inputs arrived if one
  has items; and when a multi-input node first gets data, a parent of another input that
  has not run (typically a node with no input at all) is started with one empty item.

Cycles are allowed under both, as in n8n; `run_limit` bounds how often one node may run
in one execution, so a loop that never ends fails with a clear message instead.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

from hetumind.engine.plan import Plan

__all__ = ["DEFAULT_RUN_LIMIT", "LegacyOrder", "run_limit", "run_limit_error"]

DEFAULT_RUN_LIMIT = 10_000
"""Runs of one node per execution (`settings.maxRunsPerNode` changes it). n8n has no
limit; a Loop Over Items over 10,000 batches is the largest loop expected in practice."""


def run_limit(settings: Mapping[str, Any]) -> int:
    value = settings.get("maxRunsPerNode")
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 1:
        return int(value)
    return DEFAULT_RUN_LIMIT


def run_limit_error(node: str, limit: int) -> dict[str, Any]:
    return {
        "message": (
            f"node {node!r} reached its limit of {limit} runs in one execution "
            "(a loop that does not end?); raise settings.maxRunsPerNode if it should run more"
        ),
        "node": node,
    }


class LegacyOrder:
    """The graph facts v0 needs: each node's parents per input, and its ancestors."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.sources: dict[str, dict[int, list[str]]] = {}
        for name, planned in plan.nodes.items():
            for port in planned.children:
                for child, child_input in port:
                    by_input = self.sources.setdefault(child, {})
                    if name not in by_input.setdefault(child_input, []):
                        by_input[child_input].append(name)

    def ancestors(self, name: str) -> list[str]:
        """Every node upstream of `name`, nearest first (iterative: graphs may be long)."""
        seen: list[str] = []
        marked = {name}
        stack = [name]
        while stack:
            for parents in self.sources.get(stack.pop(), {}).values():
                for parent in parents:
                    if parent not in marked:
                        marked.add(parent)
                        seen.append(parent)
                        stack.append(parent)
        return seen

    def children_of(self, name: str) -> set[str]:
        return {child for port in self.plan.nodes[name].children for child, _ in port}

    def parents_to_start(
        self,
        child: str,
        parent: str,
        output_empty: bool,
        pending: Container[str],
        ran: Container[str],
    ) -> list[str]:
        """When multi-input `child` first gets data from `parent`: the nodes v0 starts with
        one empty item so that the child's other inputs get data (n8n's
        addNodeToBeExecuted). `pending`: queued or running; `ran`: ran already."""
        siblings = self.children_of(parent)
        found: list[str] = []
        for sources in self.sources.get(child, {}).values():
            for source in sources:
                if source == parent or source in siblings or source in pending or source in ran:
                    continue
                to_add: str | None = None
                for candidate in [source, *reversed(self.ancestors(source))]:
                    if candidate != source and candidate in siblings:
                        to_add = None
                        break
                    if candidate in pending:
                        to_add = None
                        break
                    if candidate in ran:
                        break
                    to_add = candidate
                if to_add is None or to_add in found:
                    continue
                if output_empty and parent in self.ancestors(to_add):
                    continue
                first_input = self.sources.get(to_add, {}).get(0, [])
                if not any(s in ran for s in first_input):
                    found.append(to_add)
        return found
