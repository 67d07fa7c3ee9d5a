"""Planning: a validated workflow turned into the graph the coordinator walks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from hetumind.errors import WorkflowInvalid
from hetumind.nodes.api import NodeDefinition, SubNode
from hetumind.nodes.registry import NodeRegistry, default_registry
from hetumind.validation import output_count, referenced_nodes, validate_workflow
from hetumind.workflow import Node, Workflow

__all__ = ["Edge", "Plan", "PlannedNode", "build_plan"]

Edge = tuple[str, int]
"""(node name, port index)"""


@dataclass(frozen=True)
class PlannedNode:
    node: Node
    definition: NodeDefinition
    inputs: int
    outputs: int
    children: tuple[tuple[Edge, ...], ...]
    """Per output port, the (node, input port) pairs it feeds."""
    references: frozenset[str]
    """Nodes this node's expressions read through $('Name')."""
    supplied: Mapping[str, tuple[SubNode, ...]] = field(default_factory=dict)
    """Sub-nodes connected to this node, by connection kind."""

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def waits_for_all_inputs(self) -> bool:
        return self.inputs > 1


@dataclass(frozen=True)
class Plan:
    workflow: Workflow
    nodes: dict[str, PlannedNode]
    triggers: tuple[str, ...]
    tracked: frozenset[str]
    """Nodes whose item lineage is carried, because some expression asks for their items."""
    parents: dict[str, frozenset[str]] = field(default_factory=dict)

    @cached_property  # plans are cached per workflow version; this is asked every run
    def uses_static_data(self) -> bool:
        """Whether a node may read `$getWorkflowStaticData` (then the server loads it)."""
        return any(
            "getWorkflowStaticData" in json.dumps(p.node.parameters, default=str)
            for p in self.nodes.values()
        )

    def downstream(self, name: str) -> frozenset[str]:
        """`name` and every node its items can reach (what a partial run from it re-runs)."""
        seen = {name}
        stack = [name]
        while stack:
            for port in self.nodes[stack.pop()].children:
                for child, _ in port:
                    if child not in seen:
                        seen.add(child)
                        stack.append(child)
        return frozenset(seen)


def build_plan(workflow: Workflow, registry: NodeRegistry | None = None) -> Plan:
    """Validate `workflow` and plan it; raises WorkflowInvalid listing every problem."""
    registry = registry or default_registry()
    problems = validate_workflow(workflow, registry)
    if problems:
        raise WorkflowInvalid(problems, workflow.name)
    children: dict[str, list[list[Edge]]] = {}
    parents: dict[str, set[str]] = {n.name: set() for n in workflow.nodes}
    for src, out_index, conn in workflow.main_edges():
        if src not in parents:  # from a node that does not exist: never runs (as in n8n)
            continue
        ports = children.setdefault(src, [])
        while len(ports) <= out_index:
            ports.append([])
        ports[out_index].append((conn.node, conn.index))
        parents[conn.node].add(src)
    supplies: dict[str, dict[str, list[str]]] = {}
    for src, kind, conn in workflow.supply_edges():
        if src not in parents:
            continue
        supplies.setdefault(conn.node, {}).setdefault(kind, []).append(src)

    def supplied_to(name: str, seen: frozenset[str]) -> dict[str, tuple[SubNode, ...]]:
        return {
            kind: tuple(
                SubNode(workflow.node(s), supplied_to(s, seen | {s}))
                for s in sources
                if s not in seen
            )
            for kind, sources in supplies.get(name, {}).items()
        }

    nodes: dict[str, PlannedNode] = {}
    tracked: set[str] = set()
    for n in workflow.nodes:
        cls = registry.get(n.type)
        assert cls is not None  # validated above
        outputs = output_count(n, cls.definition)
        ports = children.get(n.name, [])
        refs, _ = referenced_nodes(n)
        # Nodes that run code (Code) name the nodes their code reads outside `{{ }}`.
        declared = getattr(cls, "referenced_nodes", None)
        if declared is not None:
            refs = refs | frozenset(declared(n.parameters))
        tracked |= refs
        nodes[n.name] = PlannedNode(
            node=n,
            definition=cls.definition,
            inputs=cls.definition.input_count(n.parameters),
            outputs=outputs,
            children=tuple(tuple(ports[i]) if i < len(ports) else () for i in range(outputs)),
            references=refs,
            supplied=supplied_to(n.name, frozenset({n.name})),
        )
    triggers = tuple(
        name for name, p in nodes.items() if p.definition.trigger and not p.node.disabled
    )
    return Plan(
        workflow=workflow,
        nodes=nodes,
        triggers=triggers,
        tracked=frozenset(tracked),
        parents={k: frozenset(v) for k, v in parents.items()},
    )
