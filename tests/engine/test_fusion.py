"""Fused chains: which nodes share a task, and that fusion never changes results."""

from __future__ import annotations

from typing import Any

from hetumind.engine import build_plan, run_workflow
from hetumind.engine.fusion import segments
from hetumind.workflow import parse_workflow
from tests.engine.workflows import PEOPLE, assign, chain, condition, data, node, split, start
from tests.engine.workflows import workflow as build

BRANCHY = build(
    [
        start(),
        data("Data", PEOPLE),
        split("Items"),
        node("Old?", "if", 2.2, parameters=condition("={{ $json.age }}", "gt", 40)),
        assign("Old", {"g": ("string", "old")}),
        assign("Young", {"g": ("string", "young")}),
        node("Both", "merge", 3.2),
        node("End", "noOp"),
    ],
    [
        *chain("Start", "Data", "Items", "Old?"),
        ("Old?", 0, "Old", 0),
        ("Old?", 1, "Young", 0),
        ("Old", 0, "Both", 0),
        ("Young", 0, "Both", 1),
        ("Both", 0, "End", 0),
    ],
)


def test_linear_runs_fuse_and_branches_split_them() -> None:
    chains = segments(build_plan(parse_workflow(BRANCHY)))
    assert chains["Start"] == ("Start", "Data", "Items", "Old?")
    assert chains["Old"] == ("Old",) and chains["Young"] == ("Young",)
    assert chains["Both"] == ("Both", "End")
    assert sorted(n for c in chains.values() for n in c) == sorted(
        n["name"] for n in BRANCHY["nodes"]
    )


def test_fusion_does_not_change_results(backend: str) -> None:
    def outputs(fuse: bool) -> dict[str, Any]:
        result = run_workflow(BRANCHY, backend=backend, fuse=fuse).to_json()
        return {k: [r["outputs"] for r in v] for k, v in result["runData"].items()}

    assert outputs(True) == outputs(False)


def test_save_outputs_false_keeps_counts_and_what_is_read_later(backend: str) -> None:
    doc = build(
        [
            start(),
            data("Data", PEOPLE),
            split("Items"),
            assign("Ref", {"first": ("string", "={{ $('Data').item.json.rows[0].name }}")}),
            node("End", "noOp"),
        ],
        chain("Start", "Data", "Items", "Ref", "End"),
    )
    result = run_workflow(doc, backend=backend, save_outputs=False)
    runs = result.to_json()["runData"]
    assert runs["Items"][0]["outputs"] is None  # not kept: nobody reads it later
    assert result.run_data["Items"][0].meta.counts == [3]
    assert runs["Data"][0]["outputs"] is not None  # read through $('Data')
    assert [i["first"] for i in runs["End"][0]["outputs"][0]] == ["Ada"] * 3
