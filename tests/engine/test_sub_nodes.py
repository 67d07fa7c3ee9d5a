"""Sub-node connections (ai_languageModel, ai_tool, ...): validated, planned, supplied."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from hetumind.engine import build_plan
from hetumind.errors import WorkflowInvalid
from hetumind.items import ItemBatch
from hetumind.nodes import Node, NodeContext, NodeRegistry, node
from hetumind.workflow import parse_workflow


@node("testModel", versions=[1], display_name="Model", inputs=0, supplies="ai_testModel")
class Model(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        raise AssertionError("sub-nodes never run on their own")


@node("testRoot", versions=[1], display_name="Root", accepts=["ai_testModel"])
class Root(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        return [inputs[0]]


@pytest.fixture
def registry() -> NodeRegistry:
    r = NodeRegistry()
    r.load_builtins()
    r.register(Model)
    r.register(Root)
    return r


def doc(kind: str = "ai_testModel", source: str = "Model") -> dict[str, Any]:
    return {
        "name": "subnodes",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
            {"name": "Root", "type": "hetumind.testRoot"},
            {"name": "Model", "type": "hetumind.testModel", "parameters": {"t": 0}},
            {"name": "Other", "type": "n8n-nodes-base.noOp"},
        ],
        "connections": {
            "Start": {"main": [[{"node": "Root", "type": "main", "index": 0}]]},
            source: {kind: [[{"node": "Root", "type": kind, "index": 0}]]},
        },
    }


def test_root_nodes_see_their_sub_nodes(registry: NodeRegistry) -> None:
    plan = build_plan(parse_workflow(doc()), registry)
    (model,) = plan.nodes["Root"].supplied["ai_testModel"]
    assert model.node.name == "Model" and model.node.parameters == {"t": 0}
    assert plan.triggers == ("Start",)


def test_a_node_that_supplies_nothing_cannot_connect_as_a_sub_node(
    registry: NodeRegistry,
) -> None:
    with pytest.raises(WorkflowInvalid, match=r"'Other'.*is not a sub-node"):
        build_plan(parse_workflow(doc(source="Other")), registry)


def test_a_root_must_accept_the_kind(registry: NodeRegistry) -> None:
    with pytest.raises(WorkflowInvalid, match="takes no 'ai_tool' connection"):
        build_plan(parse_workflow(doc(kind="ai_tool")), registry)
