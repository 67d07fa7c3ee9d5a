"""Credentials: typed, validated, encrypted at rest; read back redacted unless revealed."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from hetumind.errors import NotFound
from hetumind.store._repo import Repository, get_or_raise
from hetumind.store.credential_types import (
    REDACTED,
    redact,
    secret_values,
    validate_credential,
)
from hetumind.store.crypto import Cipher
from hetumind.store.errors import Conflict, InvalidData
from hetumind.store.models import DEFAULT_PROJECT_ID, CredentialRecord, utcnow

if TYPE_CHECKING:
    from hetumind.store.db import Store

__all__ = ["CredentialRepository", "CredentialView", "DecryptedCredential"]


@dataclass(frozen=True)
class CredentialView:
    """What the API may show: secrets replaced by REDACTED."""

    id: str
    name: str
    type: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    project_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "projectId": self.project_id,
            "data": self.data,
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class DecryptedCredential:
    """Plain credential data, for the node that uses it; never log or return it.

    The repr hides the data so an accidental log line leaks nothing.
    """

    id: str
    name: str
    type: str
    data: dict[str, Any]

    def __repr__(self) -> str:
        return f"DecryptedCredential(id={self.id!r}, name={self.name!r}, type={self.type!r})"

    def secrets(self) -> builtins.list[str]:
        return secret_values(self.type, self.data)


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidData("credential field 'name' must be a non-empty string")
    return name.strip()


class CredentialRepository(Repository):
    """Credential records; `data` goes in validated and encrypted, comes out redacted."""

    def __init__(self, store: Store, cipher: Cipher) -> None:
        super().__init__(store)
        self._cipher = cipher

    def _view(self, record: CredentialRecord) -> CredentialView:
        data = self._cipher.decrypt(record.data, what=f"credential {record.id!r}")
        return CredentialView(
            record.id,
            record.name,
            record.type,
            redact(record.type, data),
            record.created_at,
            record.updated_at,
            record.project_id,
        )

    async def create(
        self, *, name: str, type: str, data: dict[str, Any], project_id: str | None = None
    ) -> CredentialView:
        """Validate `data` for `type` (CredentialInvalid names each bad field) and store it
        in `project_id` (by default the default project)."""
        clean = validate_credential(type, data)
        record = CredentialRecord(
            name=_name(name),
            type=type,
            data=self._cipher.encrypt(clean),
            project_id=project_id or DEFAULT_PROJECT_ID,
        )
        async with self._store.transaction() as session:
            session.add(record)
        return self._view(record)

    async def get(self, id: str) -> CredentialView:
        async with self._store.sessions() as session:
            return self._view(await get_or_raise(session, CredentialRecord, id, "credential"))

    async def list(
        self, *, type: str | None = None, project_ids: Sequence[str] | None = None
    ) -> builtins.list[CredentialView]:
        query = select(CredentialRecord).order_by(
            col(CredentialRecord.name), col(CredentialRecord.id)
        )
        if project_ids is not None:
            query = query.where(col(CredentialRecord.project_id).in_(list(project_ids)))
        if type is not None:
            query = query.where(col(CredentialRecord.type) == type)
        async with self._store.sessions() as session:
            return [self._view(r) for r in (await session.execute(query)).scalars()]

    async def update(
        self,
        id: str,
        *,
        name: str | None = None,
        data: dict[str, Any] | None = None,
        check: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> CredentialView:
        """Patch name and/or data. Fields left out, or sent back as REDACTED, keep their
        stored values; the result is validated as a whole: by `check(type, merged)` first
        when given (the API's JSON-typed schema, which raises CredentialInvalid), then by
        the type's model."""
        async with self._store.transaction() as session:
            record = await get_or_raise(session, CredentialRecord, id, "credential")
            if name is not None:
                record.name = _name(name)
            if data is not None:
                if not isinstance(data, dict):
                    raise InvalidData("credential field 'data' must be a JSON object")
                stored = self._cipher.decrypt(record.data, what=f"credential {id!r}")
                merged = {**stored, **{k: v for k, v in data.items() if v != REDACTED}}
                if check is not None:
                    check(record.type, merged)
                record.data = self._cipher.encrypt(validate_credential(record.type, merged))
            record.updated_at = utcnow()
        return self._view(record)

    async def delete(self, id: str) -> None:
        async with self._store.transaction() as session:
            await session.delete(await get_or_raise(session, CredentialRecord, id, "credential"))

    async def reveal(self, id: str) -> DecryptedCredential:
        """The plain data, for running a node. Only the engine should call this."""
        async with self._store.sessions() as session:
            record = await get_or_raise(session, CredentialRecord, id, "credential")
        data = self._cipher.decrypt(record.data, what=f"credential {id!r}")
        return DecryptedCredential(record.id, record.name, record.type, data)

    async def resolve(
        self,
        credential_type: str,
        ref: Mapping[str, Any],
        *,
        project_id: str | None = None,
    ) -> DecryptedCredential:
        """The credential a node refers to, n8n style: `{"id": ..., "name": ...}` (the id
        wins; a name alone must be unambiguous within the type). With `project_id`, only
        that project's credentials exist for the caller: another project's is NotFound."""
        id, name = ref.get("id"), ref.get("name")
        if id:
            found = await self.reveal(str(id))
            if project_id is not None and await self._project_of(found.id) != project_id:
                raise NotFound(f"{credential_type} credential", str(id))
        elif name:
            query = select(CredentialRecord).where(
                col(CredentialRecord.type) == credential_type, col(CredentialRecord.name) == name
            )
            if project_id is not None:
                query = query.where(col(CredentialRecord.project_id) == project_id)
            async with self._store.sessions() as session:
                rows = list((await session.execute(query)).scalars())
            if not rows:
                raise NotFound(f"{credential_type} credential", str(name))
            if len(rows) > 1:
                raise Conflict(
                    f"{len(rows)} {credential_type} credentials are named {name!r}; "
                    "refer to one by id",
                    what="credential",
                    key=str(name),
                )
            found = await self.reveal(rows[0].id)
        else:
            raise InvalidData(f"a {credential_type} credential reference needs an 'id' or 'name'")
        if found.type != credential_type:
            raise InvalidData(
                f"credential {found.id!r} is of type {found.type!r}, not {credential_type!r}"
            )
        return found

    async def _project_of(self, id: str) -> str | None:
        async with self._store.sessions() as session:
            record = await get_or_raise(session, CredentialRecord, id, "credential")
        return record.project_id

    async def secrets_of(self, ids: Sequence[str]) -> builtins.list[str]:
        """Every secret value of the given credentials (unknown ids are skipped)."""
        if not ids:
            return []
        query = select(CredentialRecord).where(col(CredentialRecord.id).in_(list(ids)))
        async with self._store.sessions() as session:
            records = list((await session.execute(query)).scalars())
        out: list[str] = []
        for r in records:
            out.extend(
                secret_values(r.type, self._cipher.decrypt(r.data, what=f"credential {r.id!r}"))
            )
        return out
