"""Which node runs Ray may re-run after a worker dies (hetumind/engine/durability.py)."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.engine.context import ExecutionInfo
from hetumind.engine.durability import (
    WORKER_RETRIES,
    is_pure,
    not_rerunnable,
    segment_retries,
    worker_lost_message,
)
from hetumind.engine.node_run import NodeRunSpec
from hetumind.workflow import Node


def _spec(name: str, type_: str, settings: dict[str, Any] | None = None) -> NodeRunSpec:
    info = ExecutionInfo("e1", None, "wf", settings=settings or {})
    return NodeRunSpec(
        node=Node(name=name, type=type_), outputs=1, run_index=0, info=info, tracked=frozenset()
    )


@pytest.mark.parametrize(
    "type_",
    [
        "n8n-nodes-base.set",
        "hetumind.set",
        "n8n-nodes-base.if",
        "n8n-nodes-base.merge",
        "n8n-nodes-base.code",
        "hetumind.wasm",
        "n8n-nodes-base.start",  # legacy alias of manualTrigger
    ],
)
def test_transforms_and_sandboxed_code_are_pure(type_: str) -> None:
    assert is_pure(type_)


@pytest.mark.parametrize(
    "type_",
    [
        "n8n-nodes-base.respondToWebhook",
        "hetumind.agent",
        "hetumind.chainLlm",
        "hetumind.embed",
        "n8n-nodes-base.httpRequest",  # not installed: unknown
        "acme.sendMail",
    ],
)
def test_side_effecting_and_unknown_nodes_are_not_pure(type_: str) -> None:
    assert not is_pure(type_)


def test_a_node_with_sub_nodes_is_not_pure() -> None:
    assert not is_pure("n8n-nodes-base.set", {"ai_tool": ("tool",)})
    assert is_pure("n8n-nodes-base.set", {"ai_tool": ()})


def test_segment_retries_only_when_every_node_may_run_again() -> None:
    pure = [_spec("A", "n8n-nodes-base.set"), _spec("B", "n8n-nodes-base.filter")]
    assert segment_retries(pure) == WORKER_RETRIES
    mixed = [_spec("A", "n8n-nodes-base.set"), _spec("Reply", "hetumind.respondToWebhook")]
    assert segment_retries(mixed) == 0
    assert not_rerunnable(mixed) == ["Reply"]


def test_workflow_setting_opts_in_to_retries() -> None:
    opted = [_spec("Reply", "hetumind.respondToWebhook", {"retryOnWorkerFailure": True})]
    assert not_rerunnable(opted) == []
    assert segment_retries(opted) == WORKER_RETRIES


def test_messages_name_the_nodes() -> None:
    blocked = worker_lost_message(["A", "Send"], ["Send"], "WorkerCrashedError")
    assert "nodes 'A', 'Send' died (WorkerCrashedError)" in blocked
    assert "node 'Send' may have side effects" in blocked
    exhausted = worker_lost_message(["A"], [], "NodeDiedError")
    assert f"node 'A' died {WORKER_RETRIES + 1} times" in exhausted
