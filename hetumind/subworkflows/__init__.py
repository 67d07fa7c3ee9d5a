"""Sub-workflows: finding a workflow another one calls (store, JSON, file), checking that
it may be called, and running it with the caller's items as a recorded child execution.

Example (what the Execute Workflow node does):
    >>> callee = from_json(workflow_json)
    >>> prepared = prepare(callee, Caller("Call", execution_id="abc"))
    >>> sub = run_subworkflow(prepared, ItemBatch.from_json([{"n": 1}]))
    >>> sub.items.to_json()
    [{'n': 1}]
"""

from hetumind.subworkflows.caller import Caller, caller_of, execution_mode
from hetumind.subworkflows.errors import SubworkflowError
from hetumind.subworkflows.policy import DEFAULT_POLICY, check_caller
from hetumind.subworkflows.runner import (
    EACH_CONCURRENCY,
    MAX_DEPTH,
    Prepared,
    SubExecution,
    drain,
    prepare,
    run_many,
    run_subworkflow,
    start_background,
)
from hetumind.subworkflows.sources import Callee, from_file, from_json, from_store, workflow_id_of
from hetumind.subworkflows.store import (
    execution_data,
    installed,
    reset_store,
    set_store,
    store_for,
)

__all__ = [
    "DEFAULT_POLICY",
    "EACH_CONCURRENCY",
    "MAX_DEPTH",
    "Callee",
    "Caller",
    "Prepared",
    "SubExecution",
    "SubworkflowError",
    "caller_of",
    "check_caller",
    "drain",
    "execution_data",
    "execution_mode",
    "from_file",
    "from_json",
    "from_store",
    "installed",
    "prepare",
    "reset_store",
    "run_many",
    "run_subworkflow",
    "set_store",
    "start_background",
    "store_for",
    "workflow_id_of",
]
