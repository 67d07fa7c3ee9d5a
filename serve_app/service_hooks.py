"""Registering a workflow's service webhook triggers with their services on activation,
and removing them on deactivation (hetumind.nodes.service_webhooks).

Each node runs alone and unrecorded (Executor.run_alone) in the replica that handles the
activation, with the workflow's credentials, policy and static data; what `register`
keeps in the node's static data (a hook id, a secret) is saved for the calls to come.
"""

from __future__ import annotations

import logging

from hetumind.errors import HetumindError
from hetumind.nodes.service_webhooks import REGISTER_MODE, UNREGISTER_MODE, hook_path
from hetumind.store import WorkflowRecord
from serve_app.errors import ApiError
from serve_app.executor import RunRequest
from serve_app.services import Services
from serve_app.triggers import check_workflow, service_webhook_class

__all__ = ["register_hooks", "unregister_hooks"]

log = logging.getLogger(__name__)


def _hooks(svc: Services, record: WorkflowRecord) -> list[tuple[str, str]]:
    """(node name, production URL) of each enabled service webhook trigger."""
    workflow = check_workflow(record.document())
    base = svc.settings.public_url.rstrip("/")
    return [
        (node.name, f"{base}/webhook/{hook_path(str(getattr(node, 'webhookId', '') or ''))}")
        for node in workflow.nodes
        if not node.disabled and service_webhook_class(node.type) is not None
    ]


async def _run(svc: Services, record: WorkflowRecord, node: str, url: str, mode: str) -> None:
    request = RunRequest(
        record.document(),
        record.id,
        record.version,
        mode=mode,
        input_items=[{"url": url}],
        triggers={node},
    )
    await svc.executor.run_alone(request)


async def register_hooks(svc: Services, record: WorkflowRecord) -> None:
    """Register every service webhook trigger; on a failure, remove those registered so
    far and refuse the activation (400) with the node's message."""
    done: list[tuple[str, str]] = []
    for node, url in _hooks(svc, record):
        try:
            await _run(svc, record, node, url, REGISTER_MODE)
        except HetumindError as exc:
            for earlier, earlier_url in done:
                await _unregister_one(svc, record, earlier, earlier_url)
            raise ApiError(
                400,
                f"could not register the webhook of node {node!r} with its service: {exc.message}",
            ) from None
        done.append((node, url))


async def unregister_hooks(svc: Services, record: WorkflowRecord) -> None:
    """Remove every service webhook trigger's registration (failures are logged: the
    workflow is inactive either way, as in n8n)."""
    try:
        hooks = _hooks(svc, record)
    except HetumindError:
        return  # a stored document that no longer validates registered nothing
    for node, url in hooks:
        await _unregister_one(svc, record, node, url)


async def _unregister_one(svc: Services, record: WorkflowRecord, node: str, url: str) -> None:
    try:
        await _run(svc, record, node, url, UNREGISTER_MODE)
    except HetumindError as exc:
        log.warning("could not remove the webhook of %s/%s: %s", record.id, node, exc.message)
