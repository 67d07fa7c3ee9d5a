"""Finding and checking callees without running them."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.subworkflows import Callee, SubworkflowError, check_caller, from_json, workflow_id_of
from tests.subworkflows.helpers import callee


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "abc"),
        (" abc ", "abc"),
        (42, "42"),
        ({"__rl": True, "value": "abc", "mode": "id"}, "abc"),
        ({"__rl": True, "value": "abc", "mode": "list", "cachedResultName": "x"}, "abc"),
        ({"__rl": True, "value": "https://n8n.example/workflow/abc?x=1", "mode": "url"}, "abc"),
    ],
)
def test_workflow_id_of(value: Any, expected: str) -> None:
    assert workflow_id_of(value) == expected


@pytest.mark.parametrize("value", ["", "  ", None, True, {"__rl": True, "value": ""}, [1]])
def test_workflow_id_of_rejects_missing_ids(value: Any) -> None:
    with pytest.raises(SubworkflowError, match="no workflow ID given"):
        workflow_id_of(value)


def test_callee_without_an_id_is_not_checked() -> None:
    unsaved = from_json(callee(settings={"callerPolicy": "none"}))
    assert isinstance(unsaved, Callee) and unsaved.id is None
    check_caller(unsaved, "anyone")  # no error: n8n checks only workflows with an id


def test_unknown_policy_is_refused() -> None:
    odd = from_json(callee(id="w1", settings={"callerPolicy": "sometimes"}))
    with pytest.raises(SubworkflowError, match="caller policy 'sometimes' is unknown"):
        check_caller(odd, "caller")
