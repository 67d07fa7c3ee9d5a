"""/api/v1/users, /api/v1/projects (with members) and /api/v1/audit.

Users are managed by the instance owner and admins; a project's members by its owners
and admins; the audit log is read by instance admins (every event) and project admins
(their projects' events).
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from hetumind.auth import Principal, create_user, hash_password
from hetumind.errors import Forbidden, NotFound
from hetumind.store.models import AuditRecord
from serve_app.http import Cursor, Limit, page_args, page_response, read_json
from serve_app.responses import (
    AuditEntry,
    Deleted,
    MemberRemoved,
    Membership,
    Page,
    Project,
    ProjectDetail,
    User,
    answers,
)
from serve_app.routes.auth import client_ip, user_json
from serve_app.schemas import (
    AUTHED,
    BODY,
    MemberBody,
    ProjectCreate,
    UserCreate,
    UserUpdate,
    body_of,
)
from serve_app.security import Auth
from serve_app.services import Services, services

__all__ = ["audit_router", "projects_router", "users_router"]

users_router = APIRouter(prefix="/api/v1/users", tags=["users"])
projects_router = APIRouter(prefix="/api/v1/projects", tags=["projects"])
audit_router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Svc = Annotated[Services, Depends(services)]


def _admin(who: Principal, scope: str) -> None:
    who.require_scope(scope)
    if not who.is_instance_admin:
        raise Forbidden("only the instance owner and admins manage users")


@users_router.get("", **answers(Page[User], *AUTHED))
async def list_users(svc: Svc, who: Auth) -> dict[str, Any]:
    _admin(who, "user:read")
    return {"data": [user_json(u) for u in await svc.store.users.list()], "nextCursor": None}


@users_router.post(
    "", status_code=201, openapi_extra=body_of(UserCreate), **answers(User, *AUTHED, *BODY, 409)
)
async def add_user(request: Request, svc: Svc, who: Auth) -> dict[str, Any]:
    _admin(who, "user:write")
    body = UserCreate.parse(await read_json(request, svc.settings.max_body_bytes))
    user = await create_user(svc.store, body.email, body.password, role=body.role, name=body.name)
    await svc.store.audit.log(
        "user.created",
        actor_id=who.user_id,
        target_type="user",
        target_id=user.id,
        ip=client_ip(request),
        details={"email": user.email, "role": user.role},
    )
    return user_json(user)


@users_router.patch(
    "/{user_id}", openapi_extra=body_of(UserUpdate), **answers(User, *AUTHED, *BODY, 404, 409)
)
async def change_user(user_id: str, request: Request, svc: Svc, who: Auth) -> dict[str, Any]:
    body = UserUpdate.parse(await read_json(request, svc.settings.max_body_bytes))
    self_service = user_id == who.user_id and body.role is None and body.disabled is None
    if not self_service:
        _admin(who, "user:write")
    target = await svc.store.users.get(user_id)
    if target.role == "owner" and who.role != "owner":
        raise Forbidden("only the owner may change the owner")
    if target.role == "owner" and (body.role is not None or body.disabled):
        raise Forbidden("the owner cannot be demoted or disabled")
    user = await svc.store.users.update(
        user_id,
        role=body.role,
        disabled=body.disabled,
        name=body.name,
        password_hash=None if body.password is None else hash_password(body.password),
    )
    if body.role is not None:
        await svc.store.audit.log(
            "user.role_changed",
            actor_id=who.user_id,
            target_type="user",
            target_id=user_id,
            ip=client_ip(request),
            details={"role": body.role},
        )
    return user_json(user)


@users_router.delete("/{user_id}", **answers(Deleted, *AUTHED, 404, 409, 415))
async def remove_user(user_id: str, request: Request, svc: Svc, who: Auth) -> dict[str, Any]:
    _admin(who, "user:write")
    target = await svc.store.users.get(user_id)
    if target.role == "owner":
        raise Forbidden("the owner cannot be deleted")
    await svc.store.users.delete(user_id)
    await svc.store.audit.log(
        "user.deleted",
        actor_id=who.user_id,
        target_type="user",
        target_id=user_id,
        ip=client_ip(request),
    )
    return {"id": user_id, "deleted": True}


def _project_json(project: Any, role: str | None) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "role": role,
        "createdAt": project.created_at.astimezone(UTC).isoformat(),
    }


def _visible(who: Principal, project_id: str) -> None:
    if not who.can(project_id, "read"):
        raise NotFound("project", project_id)


@projects_router.get("", **answers(Page[Project], *AUTHED))
async def list_projects(svc: Svc, who: Auth) -> dict[str, Any]:
    who.require_scope("project:read")
    rows = await svc.store.projects.list(who.visible_projects())
    return {"data": [_project_json(p, who.project_role(p.id)) for p in rows], "nextCursor": None}


@projects_router.post(
    "",
    status_code=201,
    openapi_extra=body_of(ProjectCreate),
    **answers(Project, *AUTHED, *BODY, 409),
)
async def create_project(request: Request, svc: Svc, who: Auth) -> dict[str, Any]:
    who.require_scope("project:write")
    body = ProjectCreate.parse(await read_json(request, svc.settings.max_body_bytes))
    project = await svc.store.projects.create(body.name, owner_id=who.user_id)
    await svc.store.audit.log(
        "project.created",
        actor_id=who.user_id,
        target_type="project",
        target_id=project.id,
        project_id=project.id,
        ip=client_ip(request),
    )
    return _project_json(project, "owner")


@projects_router.get("/{project_id}", **answers(ProjectDetail, *AUTHED, 404))
async def get_project(project_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    who.require_scope("project:read")
    _visible(who, project_id)
    project = await svc.store.projects.get(project_id)
    members = [
        {"userId": m.user_id, "role": m.role} for m in await svc.store.projects.members(project_id)
    ]
    return {**_project_json(project, who.project_role(project_id)), "members": members}


@projects_router.put(
    "/{project_id}/members/{user_id}",
    openapi_extra=body_of(MemberBody),
    **answers(Membership, *AUTHED, *BODY, 404, 409),
)
async def set_member(
    project_id: str, user_id: str, request: Request, svc: Svc, who: Auth
) -> dict[str, Any]:
    """Give `user_id` a role in the project (project admins and owners; only an owner
    makes another owner)."""
    who.require_scope("project:write")
    _visible(who, project_id)
    body = MemberBody.parse(await read_json(request, svc.settings.max_body_bytes))
    if not who.can(project_id, "manage") or (
        body.role == "owner" and not who.can(project_id, "own")
    ):
        raise Forbidden(f"your role in project {project_id!r} cannot grant {body.role!r}")
    member = await svc.store.projects.set_member(project_id, user_id, body.role)
    await svc.store.audit.log(
        "project.role_changed",
        actor_id=who.user_id,
        target_type="user",
        target_id=user_id,
        project_id=project_id,
        ip=client_ip(request),
        details={"role": body.role},
    )
    return {"projectId": project_id, "userId": member.user_id, "role": member.role}


@projects_router.delete(
    "/{project_id}/members/{user_id}", **answers(MemberRemoved, *AUTHED, 404, 409, 415)
)
async def remove_member(
    project_id: str, user_id: str, request: Request, svc: Svc, who: Auth
) -> dict[str, Any]:
    who.require_scope("project:write")
    _visible(who, project_id)
    if not who.can(project_id, "manage"):
        raise Forbidden(f"your role in project {project_id!r} cannot remove members")
    await svc.store.projects.remove_member(project_id, user_id)
    await svc.store.audit.log(
        "project.member_removed",
        actor_id=who.user_id,
        target_type="user",
        target_id=user_id,
        project_id=project_id,
        ip=client_ip(request),
    )
    return {"projectId": project_id, "userId": user_id, "removed": True}


def audit_json(r: AuditRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "at": r.at.astimezone(UTC).isoformat(),
        "actorId": r.actor_id,
        "action": r.action,
        "targetType": r.target_type,
        "targetId": r.target_id,
        "projectId": r.project_id,
        "ip": r.ip,
        "details": r.details,
    }


@audit_router.get("", **answers(Page[AuditEntry], *AUTHED))
async def list_audit(
    svc: Svc,
    who: Auth,
    action: str | None = None,
    actorId: str | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first. Project admins see their projects' events only."""
    who.require_scope("audit:read")
    size, offset = page_args(limit, cursor)
    projects = None
    if not who.is_instance_admin:
        projects = [p for p in who.projects if who.can(p, "manage")]
        if not projects:
            raise Forbidden("the audit log is for admins")
    rows = await svc.store.audit.list(
        action=action, actor_id=actorId, project_ids=projects, limit=size + 1, offset=offset
    )
    return page_response([audit_json(r) for r in rows], size, offset)
