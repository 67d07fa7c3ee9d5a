"""Kept for imports written before credentials became engine-wide (see hetumind.credentials)."""

from hetumind.credentials import CredentialResolver, resolve_credential, set_credential_resolver

__all__ = ["CredentialResolver", "resolve_credential", "set_credential_resolver"]
