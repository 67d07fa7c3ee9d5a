"""$getWorkflowStaticData: data a workflow keeps between its executions (n8n's staticData)."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.engine import run_workflow
from tests.engine.workflows import chain, node, start, workflow

COUNT_JS = """
const data = $getWorkflowStaticData('global');
data.runs = (data.runs || 0) + 1;
const mine = $getWorkflowStaticData('node');
mine.last = $input.all().length;
return [{json: {runs: data.runs}}];
"""

COUNT_PY = """
data = _getWorkflowStaticData('global')
data['runs'] = (data.get('runs') or 0) + 1
return [{'json': {'runs': data['runs']}}]
"""


def counting(language: str) -> dict[str, Any]:
    code = {"jsCode": COUNT_JS} if language == "javaScript" else {"pythonCode": COUNT_PY}
    nodes = [
        start(),
        node("Count", "code", 2, parameters={"language": language, **code}),
        node(
            "Read",
            "set",
            3.4,
            parameters={
                "assignments": {
                    "assignments": [
                        {
                            "name": "seen",
                            "value": "={{ $getWorkflowStaticData('global').runs }}",
                            "type": "number",
                        }
                    ]
                },
                "options": {},
            },
        ),
    ]
    return workflow(nodes, chain("Start", "Count", "Read"))


@pytest.mark.parametrize("language", ["javaScript", "python"])
def test_static_data_is_carried_from_one_execution_to_the_next(language: str, backend: str) -> None:
    wf = counting(language)
    first = run_workflow(wf, backend=backend)
    assert first.status == "success", first.error
    assert first.static_data is not None
    assert first.static_data["global"]["runs"] == 1
    assert first.outputs("Read")[0][0]["seen"] == 1  # later nodes see the change
    second = run_workflow(wf, backend=backend, static_data=first.static_data)
    assert second.static_data is not None
    assert second.static_data["global"]["runs"] == 2
    assert second.outputs("Count")[0][0]["runs"] == 2
    if language == "javaScript":
        assert second.static_data["node:Count"] == {"last": 1}


def test_a_workflow_that_does_not_use_static_data_reports_none() -> None:
    wf = workflow([start(), node("Pass", "noOp")], chain("Start", "Pass"))
    assert run_workflow(wf).static_data is None


def test_the_document_static_data_is_the_starting_point() -> None:
    wf = counting("javaScript")
    wf["staticData"] = {"global": {"runs": 41}}
    assert run_workflow(wf).static_data["global"]["runs"] == 42


def test_an_unknown_static_data_type_is_a_clear_error() -> None:
    wf = counting("javaScript")
    wf["nodes"][2]["parameters"]["assignments"]["assignments"][0]["value"] = (
        "={{ $getWorkflowStaticData('workflow') }}"
    )
    result = run_workflow(wf)
    assert result.status == "error"
    assert 'must be "global" or "node"' in result.error["message"]
