"""Google's pieces for the integration kit: the service-account JWT credential (n8n's
googleApi), Google's OAuth2 credential kinds (googleSheetsOAuth2Api, googleDriveOAuth2Api,
gmailOAuth2) and a `google_service` helper that declares a Google API as a kit Service.
See docs/nodes/google.md."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "GOOGLE_CREDENTIAL_KINDS",
    "GoogleServiceAccount",
    "google_credential_models",
    "google_service",
]

_WHERE = {
    "GOOGLE_CREDENTIAL_KINDS": "credential_kinds",
    "google_credential_models": "credential_kinds",
    "GoogleServiceAccount": "auth",
    "google_service": "auth",
}


def __getattr__(name: str) -> Any:
    # lazy, as the kit's package: the store imports the kinds without the HTTP machinery
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'hetumind.integrations.google' has no attribute {name!r}")
    return getattr(importlib.import_module(f"hetumind.integrations.google.{module}"), name)
