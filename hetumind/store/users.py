"""Users and their API keys. Passwords arrive hashed (hetumind.auth): the store never
sees a plain password or key, only argon2id hashes and SHA-256 digests."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hetumind.errors import NotFound
from hetumind.store._repo import Repository, get_or_raise
from hetumind.store.errors import Conflict, InvalidData
from hetumind.store.models import (
    ApiKeyRecord,
    MembershipRecord,
    ProjectRecord,
    UserRecord,
    utcnow,
)

__all__ = ["ApiKeyRepository", "UserRepository"]

LOCK_AFTER = 5
"""Consecutive failed logins after which an account is locked for a while."""
LOCK_SECONDS = 300


def _email(email: str) -> str:
    clean = email.strip().lower() if isinstance(email, str) else ""
    if not clean or "@" not in clean or len(clean) > 255:
        raise InvalidData("user field 'email' must be an email address")
    return clean


class UserRepository(Repository):
    async def count(self) -> int:
        async with self._store.sessions() as session:
            return int(
                (await session.execute(select(func.count()).select_from(UserRecord))).scalar_one()
            )

    async def create(
        self,
        *,
        email: str,
        password_hash: str,
        name: str = "",
        role: str = "member",
        project_id: str | None = None,
    ) -> UserRecord:
        """A user and their personal project (they own it), in one transaction;
        `project_id` gives them ownership of an existing project instead."""
        user = UserRecord(
            email=_email(email), name=name[:255], password_hash=password_hash, role=role
        )
        try:
            async with self._store.transaction() as session:
                session.add(user)
                await session.flush()
                if project_id is None:
                    project = ProjectRecord(name=f"{user.name or user.email} (personal)"[:255])
                    session.add(project)
                    await session.flush()
                    project_id = project.id
                session.add(MembershipRecord(project_id=project_id, user_id=user.id, role="owner"))
        except IntegrityError:
            raise Conflict(
                f"a user with email {user.email!r} already exists", what="user"
            ) from None
        return user

    async def get(self, id: str) -> UserRecord:
        async with self._store.sessions() as session:
            return await get_or_raise(session, UserRecord, id, "user")

    async def by_email(self, email: str) -> UserRecord | None:
        try:
            clean = _email(email)
        except InvalidData:
            return None
        async with self._store.sessions() as session:
            query = select(UserRecord).where(col(UserRecord.email) == clean)
            return (await session.execute(query)).scalars().first()

    async def list(self) -> builtins.list[UserRecord]:
        async with self._store.sessions() as session:
            query = select(UserRecord).order_by(col(UserRecord.created_at), col(UserRecord.id))
            return list((await session.execute(query)).scalars())

    async def update(
        self,
        id: str,
        *,
        role: str | None = None,
        disabled: bool | None = None,
        password_hash: str | None = None,
        name: str | None = None,
    ) -> UserRecord:
        async with self._store.transaction() as session:
            user = await get_or_raise(session, UserRecord, id, "user")
            if role is not None:
                user.role = role
            if disabled is not None:
                user.disabled = disabled
                user.token_version += 1
            if password_hash is not None:
                user.password_hash = password_hash
                user.token_version += 1  # sessions from before the change end
            if name is not None:
                user.name = name[:255]
        return user

    async def revoke_sessions(self, id: str) -> None:
        async with self._store.transaction() as session:
            user = await get_or_raise(session, UserRecord, id, "user")
            user.token_version += 1

    async def login_failed(self, id: str) -> UserRecord:
        """Count a failure; the LOCK_AFTER-th in a row locks the account for a while."""
        async with self._store.transaction() as session:
            user = await get_or_raise(session, UserRecord, id, "user")
            user.failed_logins += 1
            if user.failed_logins >= LOCK_AFTER:
                user.locked_until = utcnow() + timedelta(seconds=LOCK_SECONDS)
                user.failed_logins = 0
        return user

    async def login_succeeded(self, id: str) -> None:
        async with self._store.transaction() as session:
            await session.execute(
                update(UserRecord)
                .where(col(UserRecord.id) == id)
                .values(failed_logins=0, locked_until=None)
            )

    async def delete(self, id: str) -> None:
        async with self._store.transaction() as session:
            user = await get_or_raise(session, UserRecord, id, "user")
            await session.delete(user)


class ApiKeyRepository(Repository):
    async def create(
        self,
        *,
        user_id: str,
        name: str,
        prefix: str,
        key_hash: str,
        scopes: Sequence[str],
        expires_at: datetime | None,
    ) -> ApiKeyRecord:
        record = ApiKeyRecord(
            user_id=user_id,
            name=name[:255],
            prefix=prefix,
            key_hash=key_hash,
            scopes=list(scopes),
            expires_at=expires_at,
        )
        async with self._store.transaction() as session:
            await get_or_raise(session, UserRecord, user_id, "user")
            session.add(record)
        return record

    async def by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        """The live key with this digest: not revoked, not expired."""
        async with self._store.sessions() as session:
            query = select(ApiKeyRecord).where(col(ApiKeyRecord.key_hash) == key_hash)
            row = (await session.execute(query)).scalars().first()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= utcnow():
            return None
        return row

    async def touch(self, id: str) -> None:
        async with self._store.transaction() as session:
            await session.execute(
                update(ApiKeyRecord).where(col(ApiKeyRecord.id) == id).values(last_used_at=utcnow())
            )

    async def list(self, user_id: str | None = None) -> builtins.list[ApiKeyRecord]:
        query = select(ApiKeyRecord).order_by(col(ApiKeyRecord.created_at), col(ApiKeyRecord.id))
        if user_id is not None:
            query = query.where(col(ApiKeyRecord.user_id) == user_id)
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def get(self, id: str) -> ApiKeyRecord:
        async with self._store.sessions() as session:
            return await get_or_raise(session, ApiKeyRecord, id, "API key")

    async def revoke(self, id: str) -> ApiKeyRecord:
        async with self._store.transaction() as session:
            row = await session.get(ApiKeyRecord, id)
            if row is None:
                raise NotFound("API key", id)
            if row.revoked_at is None:
                row.revoked_at = utcnow()
        return row
