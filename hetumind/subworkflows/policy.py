"""Who may call a workflow: the callee's `settings.callerPolicy`, as n8n checks it."""

from __future__ import annotations

from hetumind.subworkflows.errors import SubworkflowError
from hetumind.subworkflows.sources import Callee

__all__ = ["DEFAULT_POLICY", "check_caller"]

DEFAULT_POLICY = "workflowsFromSameOwner"
"""n8n's default (N8N_WORKFLOW_CALLER_POLICY_DEFAULT_OPTION). There is one owner here, so
it lets every workflow call, like `any`."""

_REASONS = {
    "none": "it may not be called by any workflow",
    "workflowsFromAList": "it may be called only by the workflows listed in its callerIds",
}


def check_caller(callee: Callee, caller_workflow_id: str | None) -> None:
    """Raise SubworkflowError when the callee's policy refuses this caller.

    Like n8n, a callee without an id (an unsaved JSON definition) is not checked.
    """
    if not callee.id:
        return
    settings = callee.workflow.settings
    policy = settings.get("callerPolicy") or DEFAULT_POLICY
    if policy in ("any", "workflowsFromSameOwner"):
        return
    if policy == "workflowsFromAList":
        raw = settings.get("callerIds") or ""
        allowed = {part.strip() for part in str(raw).split(",") if part.strip()}
        if caller_workflow_id is not None and caller_workflow_id in allowed:
            return
    reason = _REASONS.get(policy, f"its caller policy {policy!r} is unknown")
    raise SubworkflowError(
        f"The sub-workflow ({callee.id}) cannot be called by this workflow: {reason}"
    )
