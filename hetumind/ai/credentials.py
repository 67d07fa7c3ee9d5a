"""Credentials for model sub-nodes: where an `openAiApi` credential's data comes from.

A node names its credential as n8n does (`"credentials": {"openAiApi": {"id", "name"}}`).
The store that holds credential data is wired in by whoever runs the engine (the server
sets a resolver); without one, inline data on the node and then the usual OpenAI
environment variables are used, so a workflow file can also run stand-alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["CredentialResolver", "resolve_credential", "set_credential_resolver"]

CredentialResolver = Callable[[str, Mapping[str, Any]], Mapping[str, Any] | None]
"""(credential type, the node's reference {"id", "name"}) -> decrypted data, or None."""

_resolver: CredentialResolver | None = None


def set_credential_resolver(resolver: CredentialResolver | None) -> None:
    """Install the function that looks credentials up (e.g. in hetumind.store)."""
    global _resolver
    _resolver = resolver


def resolve_credential(credentials: Mapping[str, Any], credential_type: str) -> dict[str, Any]:
    """The data of the node's `credential_type` credential ({} when it names none)."""
    ref = credentials.get(credential_type)
    data: dict[str, Any] = {}
    if isinstance(ref, Mapping):
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
