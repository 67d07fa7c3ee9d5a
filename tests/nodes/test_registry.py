"""Node registration: the decorator checks definitions once; plugins arrive by entry point."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes import ENGINE_API_VERSION, Node, NodeContext, NodeRegistry, node


def test_decorator_rejects_a_bad_definition_once() -> None:
    with pytest.raises(TypeError, match="override run"):

        @node("broken", versions=[1], display_name="Broken")
        class Broken(Node):
            pass


def test_decorator_rejects_bad_versions_and_names() -> None:
    with pytest.raises(TypeError, match="versions"):

        @node("bad name!", versions=[], display_name="Bad")
        class Bad(Node):
            def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
                return []


def test_nodes_for_another_engine_api_are_refused_with_a_clear_message() -> None:
    @node("future", versions=[1], display_name="Future", api_version=ENGINE_API_VERSION + 1)
    class Future(Node):
        def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
            return list(inputs)

    with pytest.raises(HetumindError, match="engine API version"):
        NodeRegistry().register(Future, source="package acme-nodes")


def test_two_nodes_cannot_claim_one_type() -> None:
    registry = NodeRegistry()
    registry.load_builtins()

    @node("noOp", versions=[1], display_name="Impostor")
    class Impostor(Node):
        def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
            return list(inputs)

    with pytest.raises(HetumindError, match="already registered"):
        registry.register(Impostor)


@pytest.fixture
def plugin_on_path(tmp_path: Path) -> Iterator[Path]:
    """A real installed distribution (dist-info with entry_points.txt) on sys.path."""
    (tmp_path / "acme_nodes.py").write_text(
        textwrap.dedent(
            """
            from hetumind.nodes import Node, node

            @node("acmeShout", versions=[1], display_name="Shout", n8n=False)
            class Shout(Node):
                def run(self, ctx, inputs):
                    return [inputs[0]]
            """
        )
    )
    dist = tmp_path / "acme_nodes-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-nodes\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[hetumind.nodes]\nacme = acme_nodes\n")
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("acme_nodes", None)


def test_entry_point_packages_add_nodes(plugin_on_path: Path) -> None:
    registry = NodeRegistry()
    registry.load_entry_points()
    cls = registry.get("hetumind.acmeShout")
    assert cls is not None and cls.definition.display_name == "Shout"
    assert registry.get("n8n-nodes-base.acmeShout") is None


def test_every_builtin_answers_to_both_names() -> None:
    registry = NodeRegistry()
    registry.load_builtins()
    for name in (
        "set",
        "if",
        "filter",
        "switch",
        "merge",
        "sort",
        "limit",
        "aggregate",
        "splitOut",
        "removeDuplicates",
        "summarize",
        "splitInBatches",
        "noOp",
        "manualTrigger",
        "stopAndError",
    ):
        assert registry.get(f"hetumind.{name}") is registry.get(f"n8n-nodes-base.{name}")
        assert registry.get(f"hetumind.{name}") is not None, name
