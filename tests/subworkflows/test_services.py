"""The sub-workflow store can come with the execution (RunOptions.services) rather than
from the process (issue 12 item 2)."""

from __future__ import annotations

import contextvars

from hetumind.execution_services import Services, enter
from hetumind.subworkflows.store import execution_data, installed


def test_the_executions_own_store_comes_first() -> None:
    given = object()  # stands for an ExecutionData: only its identity matters here

    def inside() -> tuple[object, bool]:
        enter(Services(subworkflow_data=given))
        return execution_data(), installed()

    found, was_installed = contextvars.copy_context().run(inside)
    assert found is given and was_installed
    assert not installed()  # outside that execution nothing is installed
