"""Fusion: linear chains of cheap nodes run as one task.

A Ray task costs about a millisecond of scheduling; n8n spends a tenth of that per trivial
node. Running `A -> B -> C` in one task when nothing else can observe the hand-overs keeps
small workflows fast and lets batch data stay in one worker's memory between nodes.
"""

from __future__ import annotations

from hetumind.engine.plan import Plan, PlannedNode

__all__ = ["segments"]


def _fusible(p: PlannedNode) -> bool:
    # A node with its own timeout gets a task of its own, so that it can be cancelled alone.
    return p.definition.fusible and not p.definition.loop and p.node.timeout is None


def _links_to_next(plan: Plan, p: PlannedNode) -> str | None:
    """The node `p` hands all its items to, if the pair can share a task."""
    if p.outputs != 1 or len(p.children) != 1 or len(p.children[0]) != 1:
        return None
    child, port = p.children[0][0]
    c = plan.nodes[child]
    if port != 0 or c.inputs != 1 or len(plan.parents[child]) != 1 or not _fusible(c):
        return None
    if sum(1 for target in p.children[0] if target[0] == child) != 1:
        return None
    return child


def segments(plan: Plan, enabled: bool = True) -> dict[str, tuple[str, ...]]:
    """Head node -> the chain it starts; every node is in exactly one chain."""
    if not enabled:
        return {name: (name,) for name in plan.nodes}
    nexts = {
        name: nxt
        for name, p in plan.nodes.items()
        if _fusible(p) and (nxt := _links_to_next(plan, p)) is not None
    }
    has_prev = set(nexts.values())
    chains: dict[str, tuple[str, ...]] = {}
    for name in plan.nodes:
        if name in has_prev:
            continue
        chain = [name]
        while chain[-1] in nexts and nexts[chain[-1]] not in chain:
            chain.append(nexts[chain[-1]])
        chains[name] = tuple(chain)
    covered = {n for c in chains.values() for n in c}
    for name in plan.nodes:  # members of a cycle without a head (cannot happen when valid)
        if name not in covered:
            chains[name] = (name,)
    return chains
