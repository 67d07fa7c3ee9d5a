"""Authentication errors: who the caller is could not be established (401) or they are
refused for now (429, too many failed logins). Forbidden (403) is hetumind.errors'."""

from __future__ import annotations

from hetumind.errors import HetumindError

__all__ = ["TooManyAttempts", "Unauthenticated"]


class Unauthenticated(HetumindError):
    """No valid credentials: a missing, malformed, expired or revoked key or token."""


class TooManyAttempts(HetumindError):
    """Too many failed logins; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
