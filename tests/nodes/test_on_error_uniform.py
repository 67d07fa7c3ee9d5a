"""onError behaves the same in every item-wise node: they share one runner
(hetumind.nodes.item_wise). For a sample of nodes, item 1 of three fails (an expression
reading a property of undefined) and each onError mode must give the same shapes:
stopWorkflow stops naming node and item, continueRegularOutput keeps `{error}` paired to
the failed item, continueErrorOutput routes the failed item (its input json plus `error`)
to the extra output."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.engine import run_workflow

_FAIL = "={{ $json.v === 'bad' ? $json.missing.deep : 'x' }}"

# node type, typeVersion, parameters whose per-item evaluation fails for item 1
_NODES: list[tuple[str, float, dict[str, Any]]] = [
    (
        "set",
        3.4,
        {
            "mode": "manual",
            "assignments": {"assignments": [{"name": "out", "value": _FAIL, "type": "string"}]},
        },
    ),
    ("renameKeys", 1, {"keys": {"key": [{"currentKey": _FAIL, "newKey": "w"}]}}),
    ("markdown", 1, {"mode": "markdownToHtml", "markdown": _FAIL, "destinationKey": "data"}),
    ("html", 1.2, {"operation": "generateHtmlTemplate", "html": _FAIL}),
    ("crypto", 1, {"action": "hash", "value": _FAIL, "dataPropertyName": "h"}),
]


def _workflow(node_type: str, version: float, params: dict[str, Any], mode: str) -> dict[str, Any]:
    data = "return [{v: 'ok', n: 0}, {v: 'bad', n: 1}, {v: 'ok', n: 2}];"
    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
        {
            "name": "Data",
            "type": "n8n-nodes-base.code",
            "typeVersion": 2,
            "parameters": {"jsCode": data},
        },
        {
            "name": "Node",
            "type": f"n8n-nodes-base.{node_type}",
            "typeVersion": version,
            "onError": mode,
            "parameters": params,
        },
    ]
    for n in nodes:
        n.setdefault("parameters", {})
        n["position"] = [0, 0]
    return {
        "nodes": nodes,
        "connections": {
            "Start": {"main": [[{"node": "Data", "type": "main", "index": 0}]]},
            "Data": {"main": [[{"node": "Node", "type": "main", "index": 0}]]},
        },
        "settings": {"executionOrder": "v1"},
    }


def _run(node: tuple[str, float, dict[str, Any]], mode: str) -> dict[str, Any]:
    result = run_workflow(_workflow(*node, mode), backend="inline")
    run: dict[str, Any] = result.to_json()["runData"]["Node"][0]
    if run["error"] is None:
        assert result.backend is not None
        batches = result.backend.outputs(result.run_data["Node"][0].outputs)
        run["paired"] = [None if b.paired is None else b.paired.to_pylist() for b in batches]
    return run


@pytest.mark.parametrize("node", _NODES, ids=[n[0] for n in _NODES])
def test_stop_workflow_names_node_and_item(node: tuple[str, float, dict[str, Any]]) -> None:
    run = _run(node, "stopWorkflow")
    assert run["error"] is not None
    assert run["error"]["node"] == "Node"
    assert run["error"].get("itemIndex") == 1, run["error"]
    assert "deep" in run["error"]["message"]


@pytest.mark.parametrize("node", _NODES, ids=[n[0] for n in _NODES])
def test_continue_regular_output_keeps_an_error_item(
    node: tuple[str, float, dict[str, Any]],
) -> None:
    run = _run(node, "continueRegularOutput")
    [items] = run["outputs"]
    assert len(items) == 3
    assert list(items[1]) == ["error"] and "deep" in items[1]["error"]
    assert all("error" not in items[i] for i in (0, 2))
    assert run["paired"][0] == [0, 1, 2]


@pytest.mark.parametrize("node", _NODES, ids=[n[0] for n in _NODES])
def test_continue_error_output_routes_the_failed_item(
    node: tuple[str, float, dict[str, Any]],
) -> None:
    run = _run(node, "continueErrorOutput")
    ok, failed = run["outputs"]
    assert len(ok) == 2 and all("error" not in row for row in ok)
    assert len(failed) == 1
    assert failed[0]["v"] == "bad" and failed[0]["n"] == 1 and "deep" in failed[0]["error"]
