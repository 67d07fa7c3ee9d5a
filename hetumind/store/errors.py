"""Errors the store raises on purpose; the API edge maps them to HTTP statuses.

`NotFound` comes from hetumind.errors (404); the store adds `Conflict` (409) and
`CredentialInvalid` (422/400), plus `DecryptionFailed` for a wrong encryption key.
"""

from __future__ import annotations

from hetumind.errors import HetumindError, NotFound

__all__ = ["Conflict", "CredentialInvalid", "DecryptionFailed", "InvalidData", "NotFound"]


class Conflict(HetumindError):
    """The change clashes with what is stored: a duplicate key or a stale version."""

    def __init__(self, message: str, *, what: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.what = what
        self.key = key


class CredentialInvalid(HetumindError):
    """Credential data does not fit its type; `fields` maps each bad field to why."""

    def __init__(self, credential_type: str, fields: dict[str, str]) -> None:
        self.credential_type = credential_type
        self.fields = dict(fields)
        detail = "; ".join(f"field {name!r}: {why}" for name, why in self.fields.items())
        super().__init__(f"invalid {credential_type} credential: {detail}")

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "type": "CredentialInvalid",
            "credentialType": self.credential_type,
            "fields": self.fields,
        }


class DecryptionFailed(HetumindError):
    """Stored secrets cannot be read with the current encryption key."""


class InvalidData(HetumindError, ValueError):
    """A value given to the store is malformed (an empty name, a bad method, ...)."""
