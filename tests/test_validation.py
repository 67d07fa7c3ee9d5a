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


def test_cycles_are_allowed_as_in_n8n() -> None:
    """n8n runs any cycle (polling loops); the run limit stops one that never ends."""
    assert (
        problems(
            wf(
                [START, n("A"), n("B")],
                {"Start": to(("A", 0)), "A": to(("B", 0)), "B": to(("A", 0))},
            )
        )
        == []
    )


def test_a_workflow_needs_a_trigger() -> None:
    assert any("no trigger" in p for p in problems(wf([n("A")])))


def test_unsupported_type_version_is_reported() -> None:
    found = problems(
        wf([START, {**n("A", "n8n-nodes-base.sort"), "typeVersion": 7}], {"Start": to(("A", 0))})
    )
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
        parse_workflow(wf([START, {"name": "A", "type": "x", "parameters": "lots"}]))
    assert any(p.node == "A" and p.field == "parameters" for p in info.value.problems)


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


# Loading real exports: every shape n8n's import accepts (docs/compatibility.md) --------


def old_export() -> dict[str, Any]:
    """Shapes from 0.x-era exports, all in one document."""
    return {
        "id": 42,
        "name": None,
        "active": None,
        "staticData": "",
        "settings": None,
        "pinData": None,
        "tags": [{"id": 3, "name": "x"}],
        "meta": {"instanceId": "abc"},
        "versionId": "f00",
        "nodes": [
            {"id": 7, **START, "position": {"x": "10", "y": 20}},
            {
                "name": "Note",
                "type": "n8n-nodes-base.stickyNote",
                "typeVersion": 1,
                "position": [0, -200],
                "parameters": {"content": "## read me", "width": 200},
            },
            {
                "name": "A",
                "type": "n8n-nodes-base.noOp",
                "parameters": None,
                "credentials": None,
                "position": ["5", None, 9],
                "waitBetweenTries": None,
                "maxTries": "2",
                "retryOnFail": None,
                "notes": None,
            },
        ],
        "connections": {"Start": {"main": [[None, {"node": "A", "index": "0"}], None]}, "A": None},
    }


def test_an_old_export_loads_validates_and_keeps_its_sticky_notes() -> None:
    workflow = parse_workflow(old_export())
    assert workflow.id == "42" and workflow.static_data is None and workflow.settings == {}
    a = workflow.node("A")
    assert (a.type_version, a.max_tries, a.wait_between_tries, a.position) == (1, 2, 1000, [5, 0])
    assert workflow.node("Start").position == [10, 20] and workflow.node("Start").id == "7"
    assert [n.name for n in workflow.nodes] == ["Start", "A"]  # the note is no node
    assert [s["name"] for s in workflow.sticky_notes] == ["Note"]
    assert validate_workflow(workflow, default_registry()) == []


def test_sticky_notes_round_trip_in_place() -> None:
    dumped = parse_workflow(old_export()).model_dump(by_alias=True, mode="json")
    assert [n["name"] for n in dumped["nodes"]] == ["Start", "Note", "A"]
    assert dumped["nodes"][1]["parameters"]["content"] == "## read me"
    again = parse_workflow(dumped)
    assert again.model_dump(by_alias=True, mode="json") == dumped


def test_sticky_notes_never_run() -> None:
    from hetumind.engine import run_workflow

    result = run_workflow(old_export()).to_json()
    assert result["status"] == "success"
    assert set(result["runData"]) == {"Start", "A"}


def test_static_data_as_json_text_is_read() -> None:
    assert parse_workflow({**wf([START]), "staticData": '{"lastId": 3}'}).static_data == {
        "lastId": 3
    }


def test_pin_data_in_every_shape_loads() -> None:
    doc = {**wf([START, n("A")]), "pinData": {"A": [{"json": {"x": 1}}], "B": {"y": 2}}}
    assert parse_workflow(doc).pin_data == {"A": [{"json": {"x": 1}}], "B": [{"y": 2}]}


def test_a_900_deep_parameter_is_refused_naming_node_and_parameter() -> None:
    deep: Any = "leaf"
    for _ in range(900):
        deep = {"x": deep}
    with pytest.raises(WorkflowInvalid) as info:
        parse_workflow(wf([START, n("A", parameters={"values": deep})]))
    (problem,) = info.value.problems
    assert problem.node == "A" and problem.field == "parameters.values"
    assert "deeper than 64 levels" in problem.message


def test_a_64_deep_parameter_is_refused_and_63_is_fine() -> None:
    from hetumind.workflow import MAX_PARAMETER_DEPTH

    def nested(levels: int) -> Any:
        value: Any = 1
        for _ in range(levels):
            value = [value]
        return value

    parse_workflow(wf([START, n("A", parameters={"v": nested(MAX_PARAMETER_DEPTH - 1)})]))
    with pytest.raises(WorkflowInvalid):
        parse_workflow(wf([START, n("A", parameters={"v": nested(MAX_PARAMETER_DEPTH)})]))


def test_a_100k_deep_document_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"nodes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(WorkflowInvalid, match=r"nested too deep|deeper than"):
        load_workflow(path)


def test_connections_from_missing_nodes_are_warnings_not_problems() -> None:
    from hetumind.validation import workflow_warnings

    doc = wf([START, n("A")], {"Start": to(("A", 0)), "Gone": to(("A", 0))})
    workflow = parse_workflow(doc)
    assert validate_workflow(workflow, default_registry()) == []
    assert [w.node for w in workflow_warnings(workflow)] == ["Gone"]


def test_a_chain_of_5000_nodes_validates() -> None:
    names = [f"N{i}" for i in range(5000)]
    connections = {a: to((b, 0)) for a, b in zip(["Start", *names], names, strict=False)}
    assert problems(wf([START, *(n(x) for x in names)], connections)) == []


def test_plain_n8n_nodes_run_at_any_type_version() -> None:
    """n8n runs a node it describes without versions (No Operation, Manual Trigger) at
    whatever typeVersion the export names; a versioned node's unknown version is refused."""
    doc = {
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1.1},
            {"name": "Pass", "type": "n8n-nodes-base.noOp", "typeVersion": 1.7},
            {"name": "Sort", "type": "n8n-nodes-base.sort", "typeVersion": 9},
        ],
        "connections": {
            "Start": {"main": [[{"node": "Pass", "type": "main", "index": 0}]]},
            "Pass": {"main": [[{"node": "Sort", "type": "main", "index": 0}]]},
        },
    }
    problems = [str(p) for p in validate_workflow(parse_workflow(doc), default_registry())]
    assert len(problems) == 1 and "typeVersion 9" in problems[0] and "Sort" in problems[0]


def test_an_options_parameter_takes_its_listed_values_or_an_expression() -> None:
    def set_node(mode: str) -> dict[str, Any]:
        node = n("S", "n8n-nodes-base.set", parameters={"mode": mode, "jsonOutput": "{}"})
        return wf([START, {**node, "typeVersion": 3.4}], {"Start": to(("S", 0))})

    assert problems(set_node("raw")) == []
    assert problems(set_node("={{ 'raw' }}")) == []
    (problem,) = problems(set_node("bogus"))
    assert "'S'" in problem and "parameters.mode" in problem and "'manual' or 'raw'" in problem
