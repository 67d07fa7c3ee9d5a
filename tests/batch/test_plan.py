"""How workflows are classified for batch runs (no Ray needed)."""

from __future__ import annotations

import pytest

from hetumind.batch.plan import BatchPlanError, plan_batch
from hetumind.workflow import parse_workflow
from tests.batch.helpers import assign, chain, node
from tests.batch.test_equality import BIG, SCORE, TAG, TRIGGER, sort, summarize


def _plan(*nodes: dict[str, object]):  # type: ignore[no-untyped-def]
    return plan_batch(parse_workflow(chain(*nodes)))  # type: ignore[arg-type]


def test_per_item_chain_streams_and_follows_the_used_port() -> None:
    p = _plan(TRIGGER, SCORE, BIG, TAG)
    assert p.mode == "stream"
    assert [s.name for s in p.steps] == ["Score", "Big", "Tag"]
    assert [s.port for s in p.steps] == [0, 0, 0]


def test_sort_before_summarize_is_absorbed() -> None:
    p = _plan(TRIGGER, SCORE, sort(), summarize(("sum", "score")))
    assert (p.mode, p.sort_node, p.whole_node) == ("summarize", "Order", "Stats")
    assert any("absorbed" in n for n in p.notes)


@pytest.mark.parametrize(
    "last",
    [
        summarize(("concatenate", "group")),  # order-dependent aggregation
        summarize(("sum", "value"), split="group,id"),  # nested split
        node("Agg", "aggregate", 1, fieldsToAggregate={"fieldToAggregate": []}),
    ],
)
def test_whole_input_nodes_without_an_algorithm_gather(last: dict[str, object]) -> None:
    p = _plan(TRIGGER, SCORE, last)
    assert p.mode == "gather"
    assert [s.name for s in p.steps] == ["Score"]
    assert p.notes


def test_non_local_expressions_end_the_per_item_prefix() -> None:
    pos = node("Pos", "set", 3.4, **assign("i", "={{ $itemIndex }}"))
    p = _plan(TRIGGER, SCORE, pos, TAG)
    assert p.mode == "gather" and [s.name for s in p.steps] == ["Score"]


def test_workflow_needs_one_row_trigger() -> None:
    with pytest.raises(BatchPlanError, match="exactly one"):
        _plan(node("Hook", "webhook", 2, path="x"), TAG)


def test_public_names_resolve() -> None:
    import hetumind.batch as batch

    assert sorted(batch.__all__) == [
        "BatchOptions",
        "BatchPlan",
        "BatchReport",
        "plan_batch",
        "run_batch",
    ]
    for name in batch.__all__:
        assert getattr(batch, name) is not None
