"""Error workflows: when an execution of a stored workflow fails, n8n starts the workflow
that its `settings.errorWorkflow` names, at its Error Trigger, with one item describing
the failure. A workflow that has an Error Trigger of its own and names no error workflow
is its own error workflow (n8n does the same).

Never a loop: an execution in mode `error` starts nothing, whatever its own settings say.
Like n8n, manual executions (the editor's test runs; here `POST .../run`) start nothing
either: error workflows watch production runs (webhooks, schedules, retries).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from hetumind.errors import NotFound
from serve_app.triggers import trigger_kind

if TYPE_CHECKING:
    from hetumind.engine.result import ExecutionResult
    from hetumind.store import Store
    from serve_app.executor import RunRequest

__all__ = ["SKIPPED_MODES", "ErrorWorkflows", "error_item"]

log = logging.getLogger(__name__)

SKIPPED_MODES = frozenset({"error", "manual"})
"""Failed executions in these modes start no error workflow."""


def _error_triggers(doc: Mapping[str, Any]) -> set[str]:
    return {
        str(n.get("name"))
        for n in doc.get("nodes") or []
        if isinstance(n, dict) and trigger_kind(n.get("type")) == "error" and not n.get("disabled")
    }


def error_workflow_of(doc: Mapping[str, Any], workflow_id: str) -> str | None:
    """The id of the workflow to start when `doc` fails, if any."""
    settings = doc.get("settings")
    target = settings.get("errorWorkflow") if isinstance(settings, dict) else None
    if isinstance(target, str | int) and not isinstance(target, bool) and str(target).strip():
        return str(target).strip()
    return workflow_id if _error_triggers(doc) else None


def _failed_node(doc: Mapping[str, Any], name: Any) -> dict[str, Any] | None:
    """The failed node as n8n puts it in `execution.error.node` (its definition)."""
    for n in doc.get("nodes") or []:
        if isinstance(n, dict) and n.get("name") == name:
            keys = ("id", "name", "type", "typeVersion", "parameters")
            return {k: n[k] for k in keys if k in n}
    return None


def error_item(
    *,
    execution_id: str,
    workflow_id: str,
    doc: Mapping[str, Any],
    result: ExecutionResult,
    mode: str,
    retry_of: str | None,
    public_url: str,
) -> dict[str, Any]:
    """n8n's Error Trigger item: {execution: {id, url, error, lastNodeExecuted, mode,
    retryOf?}, workflow: {id, name}}."""
    raw = result.error or {}
    error: dict[str, Any] = {"message": str(raw.get("message") or "execution failed")}
    if raw.get("stack"):
        error["stack"] = raw["stack"]
    node = _failed_node(doc, raw.get("node"))
    if node is not None:
        error["node"] = node
    execution: dict[str, Any] = {
        "id": execution_id,
        "url": f"{public_url.rstrip('/')}/workflow/{workflow_id}/executions/{execution_id}",
        "error": error,
        "lastNodeExecuted": result.last_node_executed,
        "mode": mode,
    }
    if retry_of:
        execution["retryOf"] = retry_of
    return {
        "execution": execution,
        "workflow": {"id": workflow_id, "name": str(doc.get("name") or "")},
    }


class ErrorWorkflows:
    """Starts error workflows for one replica's executor.

    Args:
        store: where the error workflow is looked up.
        start: the executor's `start` (records and runs a RunRequest).
        public_url: base of the execution URL put in the item.
    """

    def __init__(
        self,
        store: Store,
        start: Callable[[RunRequest], Awaitable[Any]],
        public_url: str,
    ) -> None:
        self._store = store
        self._start = start
        self._public_url = public_url
        self._tasks: set[asyncio.Task[None]] = set()

    def after_run(self, request: RunRequest, result: ExecutionResult) -> None:
        """Called on the server's loop when an execution finished; returns at once."""
        if result.status != "error" or request.mode in SKIPPED_MODES:
            return
        if request.workflow_id is None:
            return  # ad-hoc documents have no settings anyone saved
        target = error_workflow_of(request.doc, request.workflow_id)
        if target is None:
            return
        task = asyncio.get_running_loop().create_task(self._run(request, result, target))
        self._tasks.add(task)  # a task nobody holds may be collected before it ends
        task.add_done_callback(self._tasks.discard)

    async def _run(self, request: RunRequest, result: ExecutionResult, target: str) -> None:
        from serve_app.executor import RunRequest

        assert request.workflow_id is not None
        try:
            record = await self._store.workflows.get(target)
            failed = await self._store.workflows.get(request.workflow_id)
            if record.project_id != failed.project_id:
                raise NotFound("workflow", target)  # another project's reads as missing
        except NotFound:
            log.warning(
                "workflow %s failed; its error workflow %s does not exist in its project",
                request.workflow_id,
                target,
            )
            return
        doc = record.document()
        triggers = _error_triggers(doc)
        if not triggers:
            log.warning("error workflow %s has no enabled Error Trigger; not started", target)
            return
        item = error_item(
            execution_id=result.execution_id,
            workflow_id=request.workflow_id,
            doc=request.doc,
            result=result,
            mode=request.mode,
            retry_of=request.retry_of,
            public_url=self._public_url,
        )
        run = RunRequest(
            doc, record.id, record.version, mode="error", input_items=[item], triggers=triggers
        )
        try:
            await self._start(run)
        except Exception:
            log.exception("could not start error workflow %s", target)
