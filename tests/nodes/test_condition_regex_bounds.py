"""A catastrophic regex in an If condition ends the run with a clear error, at once."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.workflow import parse_workflow
from tests.nodes.helpers_sif import filter_value

HOSTILE = "/(a|aa)+$/"
TEXT = "a" * 40 + "!"


def _workflow(if_node: dict[str, Any]) -> dict[str, Any]:
    text = {"name": "text", "value": TEXT, "type": "string"}
    return {
        "name": "regex bound",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            {
                "name": "Text",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "parameters": {"assignments": {"assignments": [text]}, "options": {}},
            },
            {"name": "Check", "type": "n8n-nodes-base.if", **if_node},
        ],
        "connections": {
            "Start": {"main": [[{"node": "Text", "type": "main", "index": 0}]]},
            "Text": {"main": [[{"node": "Check", "type": "main", "index": 0}]]},
        },
    }


IF_V2 = {
    "typeVersion": 2,
    "parameters": {"conditions": filter_value(("={{ $json.text }}", "string", "regex", HOSTILE))},
}
IF_V1 = {
    "typeVersion": 1,
    "parameters": {
        "conditions": {
            "string": [{"value1": "={{ $json.text }}", "operation": "regex", "value2": HOSTILE}]
        }
    },
}


@pytest.mark.parametrize("if_node", [IF_V2, IF_V1], ids=["if-2", "if-1"])
def test_a_runaway_regex_fails_the_node_clearly(if_node: dict[str, Any]) -> None:
    result = run_workflow(parse_workflow(_workflow(if_node)), backend="inline")
    assert result.status == "error"
    assert result.error is not None
    assert "took too long" in result.error["message"]
    assert result.error["node"] == "Check"


def test_an_ordinary_regex_still_matches() -> None:
    benign = {
        "typeVersion": 2,
        "parameters": {
            "conditions": filter_value(("={{ $json.text }}", "string", "regex", "/^a+!$/"))
        },
    }
    result = run_workflow(parse_workflow(_workflow(benign)), backend="inline")
    assert result.status == "success"
    assert [i["text"] for i in result.outputs("Check")[0]] == [TEXT]
