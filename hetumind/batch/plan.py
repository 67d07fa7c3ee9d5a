"""Batch planning: which part of a workflow runs per block, and how the rest runs.

A batch run splits the input into blocks. Nodes whose output item i depends only on input
item i (per-item nodes) run on each block on its own, in parallel, fused into one task per
block. The first node that sees all items at once ends that prefix; what follows it runs as

* ``stream``: nothing follows; each block's items are written as they come;
* ``summarize``: a Summarize node (optionally after a Sort that only decides the order of
  its groups) as a two-phase aggregation: partial group-by per block, final combine;
* ``limit``: a Limit keeping the first N items stops reading once N items are in hand;
* ``sort``: a one-field Sort whose items are the output, as a sample sort;
* ``gather``: anything else: the prefix's items are gathered and the rest of the workflow
  runs once over them, in one task. Correct, but not distributed; the run summary says so.

The classification reads only the nodes' traits (`item_wise`, `batch_algorithm`,
`reads_named_fields` on `NodeDefinition`), so a plugin node declared item-wise is fused per
block as a built-in is; a node without those traits is treated as whole-input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from hetumind.engine.plan import Plan, build_plan
from hetumind.errors import HetumindError
from hetumind.nodes.api import BatchAlgorithm, NodeDefinition
from hetumind.workflow import Workflow

__all__ = ["ROW_TRIGGER_KINDS", "BatchPlan", "plan_batch"]

ROW_TRIGGER_KINDS = frozenset({"manual", "subworkflow"})
"""Trigger kinds that emit the run's input items, so the batch's rows can stand in for them."""

# Expressions that look beyond the current item (or at its position) break per-block runs.
_NON_LOCAL = re.compile(r"\$(itemIndex|input|node|prevNode|items|position|\(|runIndex)")


class BatchPlanError(HetumindError):
    """The workflow cannot run as a batch (no suitable trigger, ambiguous output, ...)."""


@dataclass(frozen=True)
class Step:
    """One per-item node of the prefix and the output port the next step reads."""

    name: str
    port: int
    error_port: int | None
    """The node's error output (onError continueErrorOutput) when nothing reads it: its
    items go to the dead-letter output instead of disappearing."""


@dataclass(frozen=True)
class BatchPlan:
    """How a batch run executes a workflow (see the module docstring)."""

    plan: Plan
    trigger: str
    output_node: str
    steps: tuple[Step, ...]
    mode: str
    """stream | summarize | limit | sort | gather"""
    sort_node: str | None = None
    whole_node: str | None = None
    """The first whole-input node (summarize / limit / where gathering starts)."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def prefix(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    def describe(self) -> dict[str, Any]:
        return {
            "perBlock": [self.trigger, *self.prefix],
            "mode": self.mode,
            "sort": self.sort_node,
            "wholeInput": self.whole_node,
            "output": self.output_node,
            "notes": list(self.notes),
        }


_JSON_REF = re.compile(r"""\$json(?:\.([A-Za-z_$][\w$]*)|\[\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\])""")
_JSON_ANY = re.compile(r"\$json\b")


def needed_columns(bplan: BatchPlan) -> frozenset[str] | None:
    """The input columns a `summarize` run reads, or None when it cannot tell (all).

    Only the Summarize's fields, its split field, the absorbed Sort's fields and what the
    per-item nodes' expressions name as `$json.field` / `$json["field"]` matter to its
    output; a block need not read the rest (Parquet reads only these columns). Any other
    use of `$json` (`$json[key]`, `Object.keys($json)`, ...) or another node type keeps
    every column.
    """
    if bplan.mode != "summarize" or bplan.whole_node is None:
        return None
    names: set[str] = set()
    for step in bplan.steps:
        node = bplan.plan.nodes[step.name].node
        if not _definition(bplan.plan, step.name).reads_named_fields:
            return None
        text = "\n".join(_strings(node.parameters))
        refs = _JSON_REF.findall(text)
        if len(refs) != len(_JSON_ANY.findall(text)):
            return None
        names.update(next(part for part in ref if part) for ref in refs)
        # Field names written or listed (assignment names that merge into an object,
        # include / exclude lists, ...): keeping a few columns too many costs nothing.
        names.update(_words(node.parameters))
    summarize = bplan.plan.nodes[bplan.whole_node].node.parameters
    values = (summarize.get("fieldsToSummarize") or {}).get("values") or []
    names.update(str(v.get("field")) for v in values)
    split = summarize.get("fieldsToSplitBy", "")
    names.update(k.strip() for k in (split if isinstance(split, list) else str(split).split(",")))
    if bplan.sort_node is not None:
        sort = bplan.plan.nodes[bplan.sort_node].node.parameters
        names.update(
            str(f.get("fieldName")) for f in (sort.get("sortFieldsUi") or {}).get("sortField", [])
        )
    names.discard("")
    return frozenset(names)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _words(value: Any) -> set[str]:
    """The leading segment of every plain string and list item in `value`."""
    if isinstance(value, str) and not value.startswith("="):
        return {re.split(r"[.\[]", part.strip(), maxsplit=1)[0] for part in value.split(",")}
    if isinstance(value, dict):
        return set().union(*(_words(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_words(v) for v in value))
    return set()


def _definition(plan: Plan, name: str) -> NodeDefinition:
    return plan.nodes[name].definition


def _algorithm(plan: Plan, name: str) -> BatchAlgorithm | None:
    return _definition(plan, name).batch_algorithm


def _is_per_item(plan: Plan, name: str) -> str | None:
    """None when `name` can run per block, else why not."""
    p = plan.nodes[name]
    n = p.node
    if not p.definition.item_wise:
        return f"{n.type} sees all items"
    if n.execute_once or n.always_output_data:
        return "executeOnce / alwaysOutputData depend on the whole input"
    if p.inputs != 1:
        return "more than one input"
    if _NON_LOCAL.search(json.dumps(n.parameters)):
        return "an expression reads other items or the item's position"
    return None


def _leaves(plan: Plan, start: str) -> list[str]:
    seen: list[str] = []
    stack = [start]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.append(name)
        for targets in plan.nodes[name].children:
            stack.extend(child for child, _ in targets)
    return [n for n in seen if not any(plan.nodes[n].children)]


def plan_batch(workflow: Workflow, output_node: str | None = None) -> BatchPlan:
    """Classify `workflow`'s nodes for a batch run; raises BatchPlanError when it cannot."""
    plan = build_plan(workflow)
    triggers = [t for t in plan.triggers if _definition(plan, t).trigger_kind in ROW_TRIGGER_KINDS]
    if len(triggers) != 1:
        raise BatchPlanError(
            "a batch workflow needs exactly one enabled Manual Trigger or Execute Workflow "
            f"Trigger to receive the rows; found {len(triggers)}"
        )
    trigger = triggers[0]
    if output_node is None:
        leaves = _leaves(plan, trigger)
        if len(leaves) != 1:
            raise BatchPlanError(
                f"the workflow ends in several nodes ({', '.join(sorted(leaves))}); "
                "choose the one to write with --output-node"
            )
        output_node = leaves[0]
    elif output_node not in plan.nodes:
        raise BatchPlanError(f"--output-node: no node named {output_node!r} in the workflow")

    names: list[str] = []
    notes: list[str] = []
    current = trigger
    whole: str | None = None
    while current != output_node:
        nxt = _single_successor(plan, current)
        if nxt is None:
            # A branch (If with both outputs used, a fan-out): run it and what follows
            # gathered, starting at the branching node itself.
            whole = current if current != trigger else None
            if whole is not None:
                names.pop()
            notes.append(f"{current!r} feeds several nodes or ports; from there on gathered")
            break
        child = nxt[0]
        why = _is_per_item(plan, child)
        if why is None and len(plan.parents[child]) != 1:
            why = "more than one node feeds it"
        if why is not None:
            whole = child
            if _algorithm(plan, child) is None:
                notes.append(f"{child!r} runs over all items gathered: {why}")
            break
        names.append(child)
        current = child
    steps = _with_ports(plan, names)
    if current == output_node and whole is None:
        return BatchPlan(plan, trigger, output_node, tuple(steps), "stream", notes=tuple(notes))
    return _tail_plan(plan, trigger, output_node, steps, whole, notes)


def _with_ports(plan: Plan, names: list[str]) -> list[Step]:
    steps = []
    for name in names:
        p = plan.nodes[name]
        error_port = p.outputs - 1 if p.node.error_mode == "continueErrorOutput" else None
        nxt = _single_successor(plan, name)
        port = nxt[1] if nxt else 0
        if error_port is not None and p.children[error_port]:
            error_port = None  # the workflow handles its own errors
        steps.append(Step(name, port, error_port))
    return steps


def _single_successor(plan: Plan, name: str) -> tuple[str, int, int | None] | None:
    """(child, port it hangs off, None) when `name` feeds exactly one node via one port."""
    p = plan.nodes[name]
    used = [(port, targets) for port, targets in enumerate(p.children) if targets]
    if len(used) != 1 or len(used[0][1]) != 1:
        return None
    port, targets = used[0]
    child, child_input = targets[0]
    if child_input != 0:
        return None
    return child, port, None


def downstream(plan: Plan, name: str) -> list[str]:
    """Nodes reachable from `name`'s outputs, `name` excluded."""
    seen: list[str] = []
    stack = [child for targets in plan.nodes[name].children for child, _ in targets]
    while stack:
        current = stack.pop()
        if current in seen or current == name:
            continue
        seen.append(current)
        stack.extend(child for targets in plan.nodes[current].children for child, _ in targets)
    return seen


def _reads_outside(plan: Plan, source: str) -> bool:
    """Whether a node after `source` reads, via $('Name'), a node before or beside it."""
    after = set(downstream(plan, source)) | {source}
    return any(plan.nodes[n].references - after for n in after)


def _tail_plan(
    plan: Plan,
    trigger: str,
    output_node: str,
    steps: list[Step],
    whole: str | None,
    notes: list[str],
) -> BatchPlan:
    def make(mode: str, sort: str | None = None, node: str | None = None) -> BatchPlan:
        return BatchPlan(plan, trigger, output_node, tuple(steps), mode, sort, node, tuple(notes))

    def gather() -> BatchPlan:
        source = steps[-1].name if steps else trigger
        if steps and _reads_outside(plan, source):
            notes.append("a later node reads an earlier one through $('...'): whole workflow")
            steps.clear()
        notes.append("the rest of the workflow runs once over all items gathered")
        return make("gather", node=whole)

    if whole is None:
        return gather()
    kind = _algorithm(plan, whole)
    target = whole
    sort = None
    if kind == "sort" and (follows := _single_successor(plan, whole)) is not None:
        nxt = follows[0]
        if (
            _algorithm(plan, nxt) == "summarize"
            and len(plan.parents[nxt]) == 1
            and _sort_ok(plan, whole)
            and whole != output_node
        ):
            sort, target, kind = whole, nxt, "summarize"
    ok = (
        (kind == "summarize" and _summarize_ok(plan, target))
        or (kind == "limit" and _limit_ok(plan, target))
        or (
            kind == "sort"
            and _sort_ok(plan, target, single=True)
            and (target == output_node or _per_item_to(plan, target, output_node))
        )
    )
    if ok and kind is not None and not _reads_outside(plan, target):
        if sort is not None:
            notes.append(f"{sort!r} only orders {target!r}'s groups: absorbed into it")
        if kind == "sort" and target != output_node:
            notes.append(f"the per-item nodes after {target!r} run in each key range's task")
        return make(kind, sort=sort, node=target)
    notes.append(f"{whole!r} has no distributed algorithm for these options")
    return gather()


def _per_item_to(plan: Plan, start: str, end: str) -> bool:
    """Whether a chain of per-item nodes leads from `start` (excluded) to `end`."""
    current = start
    while current != end:
        nxt = _single_successor(plan, current)
        if nxt is None or nxt[1] != 0:
            return False
        current = nxt[0]
        if _is_per_item(plan, current) is not None or len(plan.parents[current]) != 1:
            return False
    return True


_TWO_PHASE = frozenset({"count", "sum", "min", "max", "average"})


def _summarize_ok(plan: Plan, name: str) -> bool:
    n = plan.nodes[name].node
    params = n.parameters
    options = params.get("options") or {}
    values = (params.get("fieldsToSummarize") or {}).get("values") or [{}]
    split = params.get("fieldsToSplitBy", "")
    keys = split if isinstance(split, list) else [k for k in str(split).split(",") if k.strip()]
    return (
        n.type_version >= 1.1
        and not n.execute_once
        and not n.always_output_data
        and not _NON_LOCAL.search(json.dumps(params))
        and not _has_expression(params)
        and options.get("outputFormat") != "singleItem"
        and not options.get("skipEmptySplitFields", False)
        and not options.get("disableDotNotation", False)
        and len(keys) <= 1
        and all(v.get("aggregation", "count") in _TWO_PHASE for v in values)
        and all(v.get("field") for v in values)
        and all("." not in str(k) for k in keys)
        and all("." not in str(v.get("field")) for v in values)
    )


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    if isinstance(value, dict):
        return any(_has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


def _sort_ok(plan: Plan, name: str, single: bool = False) -> bool:
    n = plan.nodes[name].node
    params = n.parameters
    fields = ((params.get("sortFieldsUi") or {}).get("sortField")) or []
    return (
        params.get("type", "simple") == "simple"
        and bool(fields)
        and (len(fields) == 1 or not single)
        and not n.execute_once
        and not n.always_output_data
        and not (params.get("options") or {}).get("disableDotNotation", False)
        and all(f.get("fieldName") and "." not in f["fieldName"] for f in fields)
    )


def _limit_ok(plan: Plan, name: str) -> bool:
    n = plan.nodes[name].node
    params = n.parameters
    max_items = params.get("maxItems", 1)
    return (
        params.get("keep", "firstItems") == "firstItems"
        and isinstance(max_items, int)
        and max_items >= 0
        and not n.always_output_data
        and not n.execute_once
    )
