"""`validate_workflow` reports every problem at once, each naming node and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hetumind.errors import WorkflowInvalid
from hetumind.nodes import default_registry
from hetumind.validation import validate_workflow
from hetumind.workflow import load_workflow, parse_workflow


def wf(nodes: list[dict[str, Any]], connections: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": "t", "nodes": nodes, "connections": connections or {}}


def n(name: str, type_: str = "n8n-nodes-base.noOp", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "typeVersion": 1, "parameters": {}, **extra}


def to(*targets: tuple[str, int]) -> dict[str, Any]:
    return {"main": [[{"node": t, "type": "main", "index": i} for t, i in targets]]}


START = n("Start", "n8n-nodes-base.manualTrigger")


def problems(doc: dict[str, Any]) -> list[str]:
    return [str(p) for p in validate_workflow(parse_workflow(doc), default_registry())]


def test_a_valid_workflow_has_no_problems() -> None:
    assert problems(wf([START, n("A")], {"Start": to(("A", 0))})) == []


def test_every_unknown_type_is_reported_at_once() -> None:
    found = problems(wf([START, n("X", "acme.nope"), n("Y", "acme.alsoNope")]))
    assert any("'X'" in p and "acme.nope" in p for p in found)
    assert any("'Y'" in p and "acme.alsoNope" in p for p in found)


def test_duplicate_names_are_reported() -> None:
    assert any("2 nodes share this name" in p for p in problems(wf([START, n("A"), n("A")])))


def test_connections_to_unknown_nodes_and_ports_are_reported() -> None:
    found = problems(
        wf(
            [START, n("A")],
            {
                "Start": to(("Ghost", 0), ("A", 3)),
                "A": {"main": [[], [{"node": "Start", "type": "main", "index": 0}]]},
            },
        )
    )
    assert any("unknown node 'Ghost'" in p for p in found)
    assert any("input 3" in p for p in found)
    assert any("output 1 does not exist" in p for p in found)


def test_cycles_need_a_loop_node() -> None:
    found = problems(
        wf([START, n("A"), n("B")], {"Start": to(("A", 0)), "A": to(("B", 0)), "B": to(("A", 0))})
    )
    assert any("cycle without a loop node" in p and "A -> B" in p for p in found)


def test_a_workflow_needs_a_trigger() -> None:
    assert any("no trigger" in p for p in problems(wf([n("A")])))


def test_unsupported_type_version_is_reported() -> None:
    found = problems(wf([START, {**n("A"), "typeVersion": 7}], {"Start": to(("A", 0))}))
    assert any("typeVersion 7" in p and "'A'" in p for p in found)


def test_expression_syntax_errors_name_node_and_parameter() -> None:
    bad = {**n("A", "n8n-nodes-base.stopAndError"), "parameters": {"errorMessage": "={{ 1 + }}"}}
    found = problems(wf([START, bad], {"Start": to(("A", 0))}))
    assert any("'A'" in p and "errorMessage" in p for p in found)


def test_expressions_referring_to_unknown_nodes_are_reported() -> None:
    bad = {
        **n("A", "n8n-nodes-base.stopAndError"),
        "parameters": {"errorMessage": "={{ $('Nobody').item.json.x }}"},
    }
    assert any("unknown node 'Nobody'" in p for p in problems(wf([START, bad])))


def test_wrong_shapes_name_the_node_and_field() -> None:
    with pytest.raises(WorkflowInvalid) as info:
        parse_workflow(wf([START, {"name": "A", "type": "x", "maxTries": "lots"}]))
    assert any(p.node == "A" and p.field == "maxTries" for p in info.value.problems)


def test_malformed_json_file_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"nodes": [}')
    with pytest.raises(WorkflowInvalid, match=r"line 1 column 12"):
        load_workflow(path)


def test_yaml_files_load(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    import yaml

    path.write_text(yaml.safe_dump(json.loads(json.dumps(wf([START])))))
    assert load_workflow(path).nodes[0].name == "Start"
