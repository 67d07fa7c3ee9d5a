"""The profiler's hot-spot report: for the nodes that took most of a run, the causes the
plan can name and what to change — an expression evaluated item by item instead of on
whole Arrow columns, a node that runs in a Ray task of its own, a chain broken by it.

Read from the plan (what the engine decided), not guessed from timings; kept apart from
hetumind.observability.profile, which knows only run data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hetumind.engine.fusion import segments
from hetumind.engine.plan import Plan
from hetumind.errors import HetumindError
from hetumind.expressions import compile_parameter
from hetumind.observability.profile import NodeProfile
from hetumind.validation import expression_parameters

__all__ = ["hotspots"]

MIN_SHARE = 0.10
"""Nodes below this share of the run are not worth a line."""
SHOWN = 60
"""Characters of an expression quoted in a line."""


def hotspots(plan: Plan, rows: Sequence[NodeProfile], *, on_ray: bool, top: int = 3) -> list[str]:
    """One line per cause, for the `top` nodes with at least MIN_SHARE of the run; task
    placement (fusion) only for a run on Ray, where it costs."""
    chains = segments(plan)
    chain_of = {name: chain for chain in chains.values() for name in chain}
    lines: list[str] = []
    for row in [r for r in rows if r.share >= MIN_SHARE and r.node in plan.nodes][:top]:
        head = f"{row.node} ({row.share:.0%} of the run)"
        causes = list(_per_item_expressions(plan, row.node))
        if on_ray:
            causes.extend(_fusion(plan, row.node, chain_of))
        lines.extend(f"{head}: {cause}" for cause in causes)
    return lines


def _per_item_expressions(plan: Plan, name: str) -> Iterator[str]:
    for path, source in expression_parameters(plan.nodes[name].node.parameters):
        try:
            vectorized = compile_parameter(source).vectorize() is not None
        except HetumindError:
            continue  # validation names broken expressions; nothing to profile here
        if not vectorized:
            shown = source if len(source) <= SHOWN else source[: SHOWN - 1] + "…"
            yield (
                f"parameter {path!r} is evaluated item by item ({shown}); an expression "
                "of the item's own fields, arithmetic, comparisons and string methods "
                "runs on whole columns instead"
            )


def _fusion(plan: Plan, name: str, chain_of: dict[str, tuple[str, ...]]) -> Iterator[str]:
    planned = plan.nodes[name]
    if not planned.definition.fusible:
        yield (
            f"runs in a Ray task of its own ({planned.node.type} is not fusible: it waits "
            "on the network or holds a model), so its neighbours cannot share its task"
        )
    elif planned.node.timeout is not None:
        yield "has its own timeout, so it gets a task of its own (to be cancelled alone)"
    elif len(chain_of.get(name, ())) > 1:
        others = [n for n in chain_of[name] if n != name]
        yield f"fused with {', '.join(repr(n) for n in others)} (one Ray task)"
