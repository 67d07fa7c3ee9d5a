"""/api/v1/credentials: typed credentials; secrets go in and never come back out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from serve_app.access import credential_for, target_project
from serve_app.errors import ApiError
from serve_app.http import Cursor, Limit, page_args, page_response, read_json
from serve_app.responses import Credential, Deleted, Page, answers
from serve_app.routes.auth import client_ip
from serve_app.schemas import (
    AUTHED,
    BODY,
    CREDENTIAL_CREATE,
    CREDENTIAL_NAME_MAX,
    CREDENTIAL_UPDATE,
    body_schema,
    check_credential,
)
from serve_app.security import Auth
from serve_app.services import Services, services

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/credentials", tags=["credentials"])
Svc = Annotated[Services, Depends(services)]


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(422, "a credential must be a JSON object")
    name = body.get("name")
    if isinstance(name, str) and len(name) > CREDENTIAL_NAME_MAX:
        raise ApiError(422, f"credential 'name' must be at most {CREDENTIAL_NAME_MAX} characters")
    return body


@router.get("", **answers(Page[Credential], *AUTHED))
async def list_credentials(
    svc: Svc,
    who: Auth,
    type: str | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> dict[str, Any]:
    who.require_scope("credential:read")
    size, offset = page_args(limit, cursor)
    rows = await svc.store.credentials.list(type=type, project_ids=who.visible_projects())
    return page_response([c.to_json() for c in rows[offset : offset + size + 1]], size, offset)


@router.post(
    "",
    status_code=201,
    openapi_extra=body_schema(CREDENTIAL_CREATE),
    **answers(Credential, *AUTHED, *BODY, 404, 409),
)
async def create_credential(
    request: Request, svc: Svc, who: Auth, projectId: str | None = None
) -> dict[str, Any]:
    """A credential in `projectId` (default: the caller's own project); only workflows of
    that project can use it."""
    project = target_project(who, projectId, "credential")
    body = _object(await read_json(request, svc.settings.max_body_bytes))
    missing = [k for k in ("name", "type", "data") if k not in body]
    if missing:
        raise ApiError(422, f"credential field(s) {missing} are required")
    if not isinstance(body["type"], str) or not isinstance(body["data"], dict):
        raise ApiError(422, "credential 'type' must be a string and 'data' an object")
    check_credential(body)
    view = await svc.store.credentials.create(
        name=body["name"], type=body["type"], data=body["data"], project_id=project
    )
    await _audit(svc, who, request, "credential.created", view.id, project)
    return view.to_json()


async def _audit(
    svc: Services, who: Any, request: Request, action: str, id: str, project: str | None
) -> None:
    await svc.store.audit.log(
        action,
        actor_id=who.user_id,
        target_type="credential",
        target_id=id,
        project_id=project,
        ip=client_ip(request),
    )


@router.get("/{credential_id}", **answers(Credential, *AUTHED, 404))
async def get_credential(credential_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    return (await credential_for(svc, who, credential_id)).to_json()


@router.patch(
    "/{credential_id}",
    openapi_extra=body_schema(CREDENTIAL_UPDATE),
    **answers(Credential, *AUTHED, *BODY, 404, 409),
)
async def update_credential(
    credential_id: str, request: Request, svc: Svc, who: Auth
) -> dict[str, Any]:
    current = await credential_for(svc, who, credential_id, "write")
    body = _object(await read_json(request, svc.settings.max_body_bytes))
    unknown = sorted(set(body) - {"name", "data"})
    if unknown:
        raise ApiError(422, f"only 'name' and 'data' can be changed, not {unknown}")
    name = body.get("name")

    def strict(kind: str, merged: dict[str, Any]) -> None:
        # The merged data as create checks a new credential's (JSON types: 0 is not false).
        check_credential(
            {"name": current.name if name is None else name, "type": kind, "data": merged}
        )

    view = await svc.store.credentials.update(
        credential_id, name=name, data=body.get("data"), check=strict
    )
    await _audit(svc, who, request, "credential.updated", credential_id, current.project_id)
    return view.to_json()


@router.delete("/{credential_id}", **answers(Deleted, *AUTHED, 404, 409, 415))
async def delete_credential(
    credential_id: str, request: Request, svc: Svc, who: Auth
) -> dict[str, Any]:
    current = await credential_for(svc, who, credential_id, "write")
    await svc.store.credentials.delete(credential_id)
    await _audit(svc, who, request, "credential.deleted", credential_id, current.project_id)
    return {"id": credential_id, "deleted": True}
