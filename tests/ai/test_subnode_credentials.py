"""Sub-nodes (chat models) read credentials the server looked up for the execution: in a
Ray worker there is no store to ask."""

from __future__ import annotations

import pytest

from hetumind.ai.subnodes import SubNodeView
from hetumind.credentials import credential_key
from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.nodes.api import SubNode
from hetumind.workflow import Node


def _view(resolved: dict[str, dict[str, str]]) -> SubNodeView:
    ref = {"id": "c1", "name": "prod"}
    model = Node(
        name="Model",
        type="@n8n/n8n-nodes-langchain.lmChatOpenAi",
        credentials={"openAiApi": ref},
    )
    root = Node(name="Agent", type="hetumind.noOp")
    info = ExecutionInfo(
        execution_id="e", workflow_id=None, workflow_name="w", credentials=resolved
    )
    ctx = NodeRunContext(
        root, [], run_index=0, info=info, state={}, references={}, continue_on_fail=False
    )
    return SubNodeView(ctx, SubNode(model))


def test_a_sub_node_reads_credentials_resolved_for_the_execution() -> None:
    key = credential_key("openAiApi", {"id": "c1", "name": "prod"})
    view = _view({key: {"apiKey": "sk-from-store", "url": "http://127.0.0.1:9/v1"}})
    assert view.credential("openAiApi")["apiKey"] == "sk-from-store"


def test_without_resolved_data_the_env_fallback_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    # The model node falls back to the process's key (local mode, own endpoint only:
    # tests/security/test_network.py), not the credential lookup.
    from hetumind.nodes.builtin.ai_models import chat_settings

    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert _view({}).credential("openAiApi") == {}
    assert chat_settings(_view({}), "m").api_key == "sk-from-env"
