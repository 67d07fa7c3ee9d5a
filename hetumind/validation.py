"""Every reason a workflow cannot run, found at once, each naming the node and field.

Cycles are not a problem: n8n runs any cycle (polling loops such as Wait -> HTTP Request ->
If -> back to Wait), and so does the coordinator, under a per-node run limit
(engine/order.py). Every check here is a loop over nodes and edges, never a recursion
over the graph, so a chain of thousands of nodes validates like a short one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from hetumind.errors import ExpressionError, Problem
from hetumind.expressions import compile_parameter, is_expression
from hetumind.nodes.api import NodeDefinition
from hetumind.nodes.registry import NodeRegistry
from hetumind.workflow import Node, Workflow

__all__ = [
    "expression_parameters",
    "output_count",
    "referenced_nodes",
    "validate_workflow",
    "workflow_warnings",
]


def output_count(node: Node, definition: NodeDefinition) -> int:
    """Output ports of a node instance; continueErrorOutput adds an error port at the end."""
    extra = 1 if node.error_mode == "continueErrorOutput" else 0
    return definition.output_count(node.parameters) + extra


def expression_parameters(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(parameter path, source) of every expression in a node's parameters, depth first
    (`assignments.assignments[0].value`)."""
    if is_expression(value):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from expression_parameters(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from expression_parameters(v, f"{path}[{i}]")


def referenced_nodes(node: Node) -> tuple[frozenset[str], list[Problem]]:
    """Node names the parameters' expressions refer to, and syntax errors found on the way."""
    names: set[str] = set()
    problems = []
    for path, text in expression_parameters(node.parameters):
        try:
            names |= compile_parameter(text).referenced_nodes
        except ExpressionError as exc:
            problems.append(
                Problem(exc.located(node=node.name, parameter=path).message, node.name, path)
            )
    return frozenset(names), problems


def _parameter_problems(node: Node, definition: NodeDefinition) -> list[Problem]:
    try:
        definition.params.model_validate(node.parameters)
    except ValidationError as exc:
        # An expression may stand for any parameter (n8n allows one in an options field):
        # its value is known only when it is evaluated, which checks it then.
        return [
            Problem(err["msg"], node.name, "parameters." + ".".join(str(p) for p in err["loc"]))
            for err in exc.errors()
            if not (isinstance(err.get("input"), str) and err["input"].startswith("="))
        ]
    return []


def _supply_problems(
    workflow: Workflow, by_name: dict[str, Node], definitions: dict[str, NodeDefinition]
) -> list[Problem]:
    """Sub-node connections (ai_languageModel, ai_tool, ...) must join a sub-node that
    supplies that kind to a root node that accepts it."""
    problems = []
    for src, kind, conn in workflow.supply_edges():
        field = f"connections.{src}.{kind}"
        if src not in by_name:
            continue
        if conn.node not in by_name:
            problems.append(Problem(f"connects to unknown node {conn.node!r}", src, field))
            continue
        source, target = definitions.get(src), definitions.get(conn.node)
        if source is not None and source.supplies != kind and kind not in source.also_supplies:
            what = f"supplies {source.supplies!r}" if source.supplies else "is not a sub-node"
            problems.append(Problem(f"cannot connect as {kind!r}: it {what}", src, field))
        if target is not None and kind not in target.accepts:
            problems.append(Problem(f"{conn.node!r} takes no {kind!r} connection", src, field))
    return problems


def workflow_warnings(workflow: Workflow) -> list[Problem]:
    """What looks wrong but does not stop a run, as n8n runs it anyway: connections from a
    node that does not exist (such a source never runs, so n8n never follows them)."""
    names = {n.name for n in workflow.nodes}
    return [
        Problem("connection from a node that does not exist (ignored)", src, "connections")
        for src in workflow.connections
        if src not in names
    ]


def validate_workflow(workflow: Workflow, registry: NodeRegistry) -> list[Problem]:
    """All problems that stop `workflow` from running; empty when it can run."""
    problems: list[Problem] = []
    counts = Counter(n.name for n in workflow.nodes)
    for name, count in counts.items():
        if count > 1:
            problems.append(Problem(f"{count} nodes share this name", name, "name"))

    definitions: dict[str, NodeDefinition] = {}
    unknown = []
    for n in workflow.nodes:
        cls = registry.get(n.type)
        if cls is None:
            unknown.append(n)
            continue
        definition = cls.definition
        definitions[n.name] = definition
        if not definition.supports_version(n.type_version):
            supported = ", ".join(f"{v:g}" for v in definition.versions)
            problems.append(
                Problem(
                    f"typeVersion {n.type_version:g} of {n.type} is not supported "
                    f"(supported: {supported})",
                    n.name,
                    "typeVersion",
                )
            )
        problems.extend(_parameter_problems(n, definition))
    for n in unknown:
        problems.append(Problem(f"unknown node type {n.type!r}", n.name, "type"))

    all_names = set(counts)
    for n in workflow.nodes:
        refs, expr_problems = referenced_nodes(n)
        problems.extend(expr_problems)
        for ref in sorted(refs - all_names):
            problems.append(
                Problem(f"expression refers to unknown node {ref!r}", n.name, "parameters")
            )

    by_name = {n.name: n for n in workflow.nodes}
    problems.extend(_supply_problems(workflow, by_name, definitions))
    for src, out_index, conn in workflow.main_edges():
        if src not in by_name:
            continue
        field = f"connections.{src}.main[{out_index}]"
        if conn.node not in by_name:
            problems.append(Problem(f"connects to unknown node {conn.node!r}", src, field))
            continue
        if src in definitions:
            outputs = output_count(by_name[src], definitions[src])
            if out_index >= outputs:
                problems.append(
                    Problem(f"output {out_index} does not exist (node has {outputs})", src, field)
                )
        if conn.node in definitions:
            inputs = definitions[conn.node].input_count(by_name[conn.node].parameters)
            if conn.index >= inputs:
                problems.append(
                    Problem(
                        f"connects to input {conn.index} of {conn.node!r}, "
                        f"which has {inputs} input(s)",
                        src,
                        field,
                    )
                )

    if definitions and not any(d.trigger for d in definitions.values()) and not unknown:
        problems.append(Problem("workflow has no trigger node (e.g. manualTrigger)"))
    return problems
