"""Where a node's credential data comes from.

A node names its credential as n8n does (`"credentials": {"httpBasicAuth": {"id", "name"}}`)
and reads it with `ctx.credentials("httpBasicAuth")`. Lookup order:

1. data the coordinator resolved before the run (`ExecutionInfo.credentials`, keyed by
   `credential_key`): how store-held secrets reach Ray workers, which have no store;
2. the process's resolver (`set_credential_resolver`, e.g. the store in the server);
3. inline data on the reference (`{"data": {...}}`, a hetumind extension so that a workflow
   file runs stand-alone), then the usual environment variables for `openAiApi`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "CredentialResolver",
    "credential_key",
    "get_credential_resolver",
    "resolve_credential",
    "set_credential_resolver",
]

CredentialResolver = Callable[[str, Mapping[str, Any]], Mapping[str, Any] | None]
"""(credential type, the node's reference {"id", "name"}) -> decrypted data, or None."""

_resolver: CredentialResolver | None = None


def set_credential_resolver(resolver: CredentialResolver | None) -> None:
    """Install the function that looks credentials up (e.g. in hetumind.store)."""
    global _resolver
    _resolver = resolver


def get_credential_resolver() -> CredentialResolver | None:
    return _resolver


def credential_key(credential_type: str, ref: Mapping[str, Any]) -> str:
    """How pre-resolved data is keyed: by type and the reference's id (or name)."""
    return f"{credential_type}:{ref.get('id') or ''}:{ref.get('name') or ''}"


def resolve_credential(
    credentials: Mapping[str, Any],
    credential_type: str,
    resolved: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The data of the node's `credential_type` credential ({} when it names none)."""
    ref = credentials.get(credential_type)
    data: dict[str, Any] = {}
    if isinstance(ref, Mapping):
        known = (resolved or {}).get(credential_key(credential_type, ref))
        if known is not None:
            return dict(known)
        if _resolver is not None:
            found = _resolver(credential_type, ref)
            if found:
                return dict(found)
        # Inline data (a hetumind extension for stand-alone files): {"data": {...}}.
        inline = ref.get("data")
        if isinstance(inline, Mapping):
            data = dict(inline)
    if credential_type == "openAiApi":
        data.setdefault("apiKey", os.environ.get("OPENAI_API_KEY"))
        data.setdefault("url", os.environ.get("OPENAI_BASE_URL"))
    return data
