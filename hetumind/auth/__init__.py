"""Identity for the server: argon2id passwords, signed session tokens, API keys, and the
principals, roles and scopes that authorization decisions read (see docs/security.md)."""

from hetumind.auth.accounts import (
    AccountInvalid,
    CreatedKey,
    OwnerCreated,
    create_api_key,
    create_user,
    ensure_owner,
)
from hetumind.auth.errors import TooManyAttempts, Unauthenticated
from hetumind.auth.keys import NewApiKey, hash_api_key, new_api_key
from hetumind.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    check_password_policy,
    hash_password,
    verify_password,
)
from hetumind.auth.principal import (
    INSTANCE_ROLES,
    PROJECT_ROLES,
    SCOPES,
    Principal,
    role_at_least,
)
from hetumind.auth.tokens import ACCESS, REFRESH, TokenClaims, TokenIssuer, derive_secret

__all__ = [
    "ACCESS",
    "INSTANCE_ROLES",
    "MIN_PASSWORD_LENGTH",
    "PROJECT_ROLES",
    "REFRESH",
    "SCOPES",
    "AccountInvalid",
    "CreatedKey",
    "NewApiKey",
    "OwnerCreated",
    "Principal",
    "TokenClaims",
    "TokenIssuer",
    "TooManyAttempts",
    "Unauthenticated",
    "check_password_policy",
    "create_api_key",
    "create_user",
    "derive_secret",
    "ensure_owner",
    "hash_api_key",
    "hash_password",
    "new_api_key",
    "role_at_least",
    "verify_password",
]
