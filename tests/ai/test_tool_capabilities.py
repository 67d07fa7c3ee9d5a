"""A tool's sub-workflow runs under the policy of the execution that called it: in server
mode the file root, network rules and credential rules bind it as they bind the agent's
own workflow (before, a Call Workflow Tool ran its workflow with the local preset)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hetumind.capabilities import Capabilities
from hetumind.credentials import credential_key
from hetumind.engine import run_workflow
from tests.ai.standin import StandInServer, reply
from tests.ai.test_agent_loop import tool_results
from tests.ai.workflows import L, agent_node, ai_workflow, model_node


def _reader(path: Path) -> dict[str, Any]:
    """A tool whose workflow reads `path` with Read/Write Files and answers its size."""
    workflow = {
        "name": "reader",
        "nodes": [
            {"name": "In", "type": "n8n-nodes-base.manualTrigger"},
            {
                "name": "Read",
                "type": "n8n-nodes-base.readWriteFile",
                "typeVersion": 1,
                "parameters": {"fileSelector": str(path), "options": {}},
            },
        ],
        "connections": {"In": {"main": [[{"node": "Read", "type": "main", "index": 0}]]}},
    }
    return {
        "name": "Reader",
        "type": f"{L}.toolWorkflow",
        "typeVersion": 1.3,
        "parameters": {
            "name": "read_file",
            "description": "reads the file",
            "source": "parameter",
            "workflowJson": json.dumps(workflow),
        },
    }


def _run(tmp_path: Path, secret: Path, caps: Capabilities) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(tool_calls=[("read_file", {"query": "go"})])
        seen.extend(results)
        return reply("done")

    with StandInServer(script) as server:
        model = model_node(server.base_url)
        wf = ai_workflow(agent_node(), [(model, "ai_languageModel"), (_reader(secret), "ai_tool")])
        key = credential_key("openAiApi", model["credentials"]["openAiApi"])
        result = run_workflow(
            wf,
            backend="inline",
            input_items=[{"question": "read it"}],
            capabilities=caps,
            credentials={key: {"apiKey": "sk-test", "url": server.base_url}},
        )
    return result, seen


def test_a_tool_workflow_cannot_read_outside_the_servers_file_root(tmp_path: Path) -> None:
    root = tmp_path / "files"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("the server's secret")
    caps = Capabilities.server_mode(
        {
            "HETUMIND_HOME": str(tmp_path / "home"),
            "HETUMIND_FILES_ROOT": str(root),
            "HETUMIND_ALLOWED_HOSTS": "127.0.0.1",
        }
    )
    result, seen = _run(tmp_path, secret, caps)
    assert result.status == "success", result.error
    assert len(seen) == 1 and "not allowed" in seen[0] and "outside" in seen[0], seen
    assert "secret" not in seen[0].replace(str(secret), "")


def test_locally_the_same_tool_reads_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "note.txt"
    secret.write_text("hello")
    caps = Capabilities.local({"HETUMIND_HOME": str(tmp_path / "home")})
    result, seen = _run(tmp_path, secret, caps)
    assert result.status == "success", result.error
    assert len(seen) == 1 and "note.txt" in seen[0] and "not allowed" not in seen[0], seen
