"""Authorization of object routes: an object belongs to a project; a caller without a
role there gets 404 (its existence is not disclosed), one whose role is too weak 403.

Executions belong to their workflow's project; one whose workflow is gone is visible to
instance admins only.
"""

from __future__ import annotations

from hetumind.auth import Principal
from hetumind.errors import Forbidden, NotFound
from hetumind.store import CredentialView, ExecutionRecord, WorkflowRecord
from hetumind.store.models import DEFAULT_PROJECT_ID
from serve_app.services import Services

__all__ = ["check", "credential_for", "execution_for", "target_project", "workflow_for"]


def check(who: Principal, project_id: str | None, action: str, what: str, key: str) -> None:
    resource = what.split(" ")[0]
    who.require_scope(f"{resource}:{'read' if action == 'read' else 'write'}")
    if not who.can(project_id, "read"):
        raise NotFound(what, key)
    if action != "read" and not who.can(project_id, action):
        raise Forbidden(
            f"your role in project {project_id!r} does not allow this on {what} {key!r}"
        )


def target_project(who: Principal, requested: str | None, resource: str) -> str:
    """Where a new object goes: `projectId` when given, else the caller's own project
    (the default project for the instance owner)."""
    who.require_scope(f"{resource}:write")
    if requested:
        project = requested
    elif who.role == "owner":
        project = DEFAULT_PROJECT_ID
    else:
        owned = sorted(p for p, r in who.projects.items() if r == "owner")
        writable = sorted(p for p in who.projects if who.can(p, "write"))
        if not (owned or writable):
            raise Forbidden("you may not create anything in any project; pass projectId")
        project = (owned or writable)[0]
    if not who.can(project, "read"):
        raise NotFound("project", project)
    if not who.can(project, "write"):
        raise Forbidden(f"your role in project {project!r} does not allow creating {resource}s")
    return project


async def workflow_for(
    svc: Services, who: Principal, workflow_id: str, action: str = "read"
) -> WorkflowRecord:
    record = await svc.store.workflows.get(workflow_id)
    check(who, record.project_id, action, "workflow", workflow_id)
    return record


async def credential_for(
    svc: Services, who: Principal, credential_id: str, action: str = "read"
) -> CredentialView:
    view = await svc.store.credentials.get(credential_id)
    check(who, view.project_id, action, "credential", credential_id)
    return view


async def project_of_execution(svc: Services, record: ExecutionRecord) -> str | None:
    if record.workflow_id is None:
        return None
    try:
        return (await svc.store.workflows.get(record.workflow_id)).project_id
    except NotFound:
        return None


async def execution_for(
    svc: Services, who: Principal, execution_id: str, action: str = "read"
) -> ExecutionRecord:
    record = await svc.store.executions.get(execution_id)
    project = await project_of_execution(svc, record)
    if project is None and not who.is_instance_admin:
        raise NotFound("execution", execution_id)
    check(who, project or DEFAULT_PROJECT_ID, action, "execution", execution_id)
    return record
