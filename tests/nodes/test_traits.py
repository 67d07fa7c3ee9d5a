"""What a node is lives on its definition: durability, the batch planner and the server's
trigger routing read traits, never type names, so a third-party node can be pure,
item-wise or a trigger by saying so."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from hetumind.batch.plan import plan_batch
from hetumind.engine.durability import is_pure
from hetumind.items import ItemBatch
from hetumind.nodes import Node, node
from hetumind.nodes.registry import default_registry
from hetumind.workflow import parse_workflow
from serve_app.triggers import manual_triggers, trigger_kind, webhook_routes
from tests.batch.helpers import chain
from tests.batch.test_equality import TAG, TRIGGER

ROOT = Path(__file__).resolve().parents[2]


@node("acmeDouble", versions=[1], display_name="Acme Double", n8n=False, pure=True, item_wise=True)
class AcmeDouble(Node):
    """A plugin's item-wise transform."""

    def run(self, ctx: Any, inputs: list[ItemBatch]) -> list[ItemBatch]:
        return [inputs[0]]


@node("acmeMail", versions=[1], display_name="Acme Mail", n8n=False)
class AcmeMail(Node):
    """A plugin node that says nothing about itself: effectful, sees all items."""

    def run(self, ctx: Any, inputs: list[ItemBatch]) -> list[ItemBatch]:
        return [inputs[0]]


@node(
    "acmeHook", versions=[1], display_name="Acme Hook", n8n=False, inputs=0, trigger_kind="webhook"
)
class AcmeHook(Node):
    """A plugin's webhook trigger."""

    def run(self, ctx: Any, inputs: list[ItemBatch]) -> list[ItemBatch]:
        return [ItemBatch.from_items([])]


@pytest.fixture(scope="module", autouse=True)
def _plugins() -> None:
    registry = default_registry()
    for cls in (AcmeDouble, AcmeMail, AcmeHook):
        if cls.definition.type_names[0] not in registry:
            registry.register(cls, source="tests/nodes/test_traits.py")


def _plugin_node(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": f"hetumind.{kind}", "typeVersion": 1, "parameters": {}, **extra}


def test_purity_is_the_nodes_own_claim() -> None:
    assert is_pure("hetumind.acmeDouble")  # a third-party node that says it is pure
    assert not is_pure("hetumind.acmeMail")  # silence means effectful: at most once
    assert is_pure("n8n-nodes-base.set") and not is_pure("n8n-nodes-base.httpRequest")
    assert not is_pure("hetumind.noSuchNode")


def test_a_plugins_item_wise_node_runs_per_block_in_a_batch() -> None:
    streamed = plan_batch(parse_workflow(chain(TRIGGER, _plugin_node("Double", "acmeDouble"), TAG)))
    assert streamed.mode == "stream"
    assert [s.name for s in streamed.steps] == ["Double", "Tag"]
    gathered = plan_batch(parse_workflow(chain(TRIGGER, _plugin_node("Mail", "acmeMail"), TAG)))
    assert gathered.mode == "gather" and gathered.steps == ()


def test_a_plugins_webhook_trigger_gets_routes_and_is_no_manual_trigger() -> None:
    hook = _plugin_node("Hook", "acmeHook")
    hook["parameters"] = {"path": "acme/in", "httpMethod": "POST"}
    wf = parse_workflow({"name": "acme", "nodes": [hook], "connections": {}})
    assert [(r.path, r.method, r.node) for r in webhook_routes(wf)] == [("acme/in", "POST", "Hook")]
    assert manual_triggers(wf) is None
    assert trigger_kind("hetumind.acmeHook") == "webhook"
    assert AcmeHook.definition.trigger  # a trigger kind makes it a trigger


def test_built_in_triggers_say_what_starts_them() -> None:
    kinds = {
        "n8n-nodes-base.manualTrigger": "manual",
        "n8n-nodes-base.start": "manual",
        "n8n-nodes-base.webhook": "webhook",
        "n8n-nodes-base.scheduleTrigger": "schedule",
        "n8n-nodes-base.cron": "schedule",
        "n8n-nodes-base.errorTrigger": "error",
        "n8n-nodes-base.executeWorkflowTrigger": "subworkflow",
        "n8n-nodes-base.set": None,
    }
    assert {t: trigger_kind(t) for t in kinds} == kinds
    assert trigger_kind(None) is None and trigger_kind(42) is None


def test_bad_traits_are_refused_where_the_node_is_declared() -> None:
    with pytest.raises(TypeError, match="trigger_kind must be one of"):

        @node("acmeBad", versions=[1], display_name="Bad", trigger_kind="carrierPigeon")  # type: ignore[arg-type]
        class Bad(Node):
            def run(self, ctx: Any, inputs: list[ItemBatch]) -> list[ItemBatch]:
                return []


def _type_names() -> tuple[set[str], set[str]]:
    full: set[str] = set()
    short: set[str] = set()
    for definition in default_registry().definitions():
        full.update(definition.type_names)
        short.add(definition.name)
    return full, short


def _strings(node_: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node_) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_no_node_type_names_outside_the_node_library() -> None:
    """A list of type names outside hetumind/nodes/ is what a node should say about itself
    (and a plugin could never join). Full type names anywhere, and collections made only of
    short names (two or more), are refused."""
    full, short = _type_names()
    found: list[str] = []
    files = [
        *sorted((ROOT / "hetumind").rglob("*.py")),
        *sorted((ROOT / "serve_app").rglob("*.py")),
    ]
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("hetumind/nodes/"):
            continue
        tree = ast.parse(path.read_text())
        for s in _strings(tree):
            if s in full:
                found.append(f"{rel}: {s!r}")
        for n in ast.walk(tree):
            if isinstance(n, ast.Set | ast.List | ast.Tuple):
                names = _strings(n)
                if len(names) >= 2 and all(s in short for s in names):
                    found.append(f"{rel}:{n.lineno}: {names}")
    assert found == []
