"""The integration kit: a SaaS node is a declaration of its service, credentials and
operations (see docs/nodes/integrations.md).

- `Service` / `ServiceClient` (client.py): base URL, credential, network policy, 429s.
- auth styles (auth.py, oauth2.py): API key in a header or query, bearer, basic, OAuth2.
- `Operation` / `IntegrationNode` (operations.py): (resource, operation) -> request.
- pagination styles (paging.py): cursor, offset/limit, next URL, page number.
- `NodeApiError` / `api_error` (errors.py): n8n's error texts.
- credential kinds (credential_kinds.py): plain data the store's typed kinds are built from.

Names are imported on first use: the store imports credential_kinds without pulling in
the HTTP machinery.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ApiKeyHeader",
    "ApiKeyQuery",
    "Basic",
    "CredentialAuth",
    "CredentialMissing",
    "Cursor",
    "IntegrationNode",
    "NextUrl",
    "NoAuth",
    "NodeApiError",
    "OAuth2",
    "OAuth2Error",
    "OffsetLimit",
    "Operation",
    "PageNumber",
    "Params",
    "Service",
    "ServiceClient",
    "WithBinary",
    "api_error",
    "bearer",
    "collect",
    "run_operations",
]

_MODULES = {
    "auth": ("ApiKeyHeader", "ApiKeyQuery", "Basic", "CredentialAuth", "CredentialMissing"),
    "client": ("Service", "ServiceClient"),
    "errors": ("NodeApiError", "api_error"),
    "oauth2": ("OAuth2", "OAuth2Error"),
    "operations": ("IntegrationNode", "Operation", "Params", "WithBinary", "run_operations"),
    "paging": ("Cursor", "NextUrl", "OffsetLimit", "PageNumber", "collect"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}
_WHERE.update(NoAuth="auth", bearer="auth")


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'hetumind.integrations' has no attribute {name!r}")
    return getattr(importlib.import_module(f"hetumind.integrations.{module}"), name)
