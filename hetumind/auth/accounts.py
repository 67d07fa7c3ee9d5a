"""Creating users and API keys over the store: the one place that hashes what it stores.

Used by the server (first start, /api/v1/users, /api/v1/keys) and `hetumind user create`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from hetumind.auth.keys import KEY_MARK, hash_api_key, new_api_key
from hetumind.auth.passwords import check_password_policy, hash_password
from hetumind.auth.principal import INSTANCE_ROLES, SCOPES
from hetumind.errors import HetumindError

if TYPE_CHECKING:
    from hetumind.store import Store
    from hetumind.store.models import ApiKeyRecord, UserRecord

__all__ = [
    "AccountInvalid",
    "CreatedKey",
    "OwnerCreated",
    "create_api_key",
    "create_user",
    "ensure_owner",
]

DEFAULT_OWNER_EMAIL = "owner@localhost"
MAX_KEY_DAYS = 3650


class AccountInvalid(HetumindError):
    """A user or key request that cannot be honoured (bad role, weak password, ...)."""


@dataclass(frozen=True)
class OwnerCreated:
    email: str
    password: str

    def __repr__(self) -> str:
        return f"OwnerCreated(email={self.email!r})"


@dataclass(frozen=True)
class CreatedKey:
    record: ApiKeyRecord
    plaintext: str

    def __repr__(self) -> str:
        return f"CreatedKey(id={self.record.id!r}, prefix={self.record.prefix!r})"


async def create_user(
    store: Store,
    email: str,
    password: str,
    *,
    role: str = "member",
    name: str = "",
    project_id: str | None = None,
) -> UserRecord:
    if role not in INSTANCE_ROLES:
        raise AccountInvalid(f"role must be one of {list(INSTANCE_ROLES)}, not {role!r}")
    problem = check_password_policy(password)
    if problem:
        raise AccountInvalid(problem)
    return await store.users.create(
        email=email,
        password_hash=hash_password(password),
        name=name,
        role=role,
        project_id=project_id,
    )


async def ensure_owner(store: Store, env: Mapping[str, str] | None = None) -> OwnerCreated | None:
    """Create the instance owner when there are no users yet (first start). The password
    is HETUMIND_OWNER_PASSWORD, else a random one returned here to be shown once. The
    owner owns the default project, where everything from before users existed lives."""
    from hetumind.store import Conflict
    from hetumind.store.models import DEFAULT_PROJECT_ID

    env = os.environ if env is None else env
    if await store.users.count() > 0:
        return None
    email = env.get("HETUMIND_OWNER_EMAIL") or DEFAULT_OWNER_EMAIL
    password = env.get("HETUMIND_OWNER_PASSWORD") or secrets.token_urlsafe(18)
    provisioned = env.get("HETUMIND_OWNER_API_KEY") or ""
    if provisioned and (not provisioned.startswith(KEY_MARK) or len(provisioned) < 32):
        raise AccountInvalid(
            f"HETUMIND_OWNER_API_KEY must start with {KEY_MARK!r} and have 32+ characters"
        )
    try:
        owner = await create_user(
            store, email, password, role="owner", name="Owner", project_id=DEFAULT_PROJECT_ID
        )
    except Conflict:
        return None  # another replica created it first
    if provisioned:
        # For automation (CI, containers): a key known in advance, stored hashed like any.
        await store.api_keys.create(
            user_id=owner.id,
            name="HETUMIND_OWNER_API_KEY",
            prefix=provisioned[len(KEY_MARK) : len(KEY_MARK) + 8],
            key_hash=hash_api_key(provisioned),
            scopes=["*"],
            expires_at=None,
        )
    await store.audit.log(
        "user.created",
        target_type="user",
        details={"email": email, "role": "owner", "bootstrap": True},
    )
    return OwnerCreated(email, password)


async def create_api_key(
    store: Store,
    user_id: str,
    *,
    name: str = "",
    scopes: Sequence[str] = ("*",),
    expires_in_days: float | None = 90,
) -> CreatedKey:
    """A new key for `user_id`; the plaintext is in the result and nowhere else."""
    unknown = [s for s in scopes if s != "*" and s not in SCOPES]
    if unknown or not scopes:
        raise AccountInvalid(
            f"unknown scope(s) {unknown}; use '*' or any of {list(SCOPES)}"
            if unknown
            else "an API key needs at least one scope"
        )
    expires = None
    if expires_in_days is not None:
        if not 0 < expires_in_days <= MAX_KEY_DAYS:
            raise AccountInvalid(f"expiresInDays must be between 0 and {MAX_KEY_DAYS}")
        from hetumind.store.models import utcnow

        expires = utcnow() + timedelta(days=expires_in_days)
    key = new_api_key()
    record = await store.api_keys.create(
        user_id=user_id,
        name=name,
        prefix=key.prefix,
        key_hash=key.key_hash,
        scopes=list(scopes),
        expires_at=expires,
    )
    return CreatedKey(record, key.plaintext)
