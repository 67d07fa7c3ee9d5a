"""Where a node's credential data comes from.

A node names its credential as n8n does (`"credentials": {"httpBasicAuth": {"id", "name"}}`)
and reads it with `ctx.credentials("httpBasicAuth")`. Lookup order:

1. data the coordinator resolved before the run (`ExecutionInfo.credentials`, keyed by
   `credential_key`): how store-held secrets reach Ray workers, which have no store;
2. the process's resolver (`set_credential_resolver`, e.g. the store in the server);
3. inline data on the reference (`{"data": {...}}`, a hetumind extension so that a workflow
   file runs stand-alone). Refused when the execution's capabilities forbid inline
   credentials (server mode): a workflow must not bring its own superuser login for the
   server's PostgreSQL or Redis.

Keys from the process environment (OPENAI_API_KEY) are not credential data: the model
nodes fall back to them themselves, and only in local mode (hetumind.nodes.builtin.ai_models).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hetumind.capabilities import Capabilities

__all__ = [
    "CredentialResolver",
    "CredentialWriter",
    "credential_key",
    "get_credential_resolver",
    "resolve_credential",
    "set_credential_resolver",
    "set_credential_writer",
    "write_back_credential",
]

CredentialResolver = Callable[[str, Mapping[str, Any]], Mapping[str, Any] | None]
"""(credential type, the node's reference {"id", "name"}) -> decrypted data, or None."""

_resolver: CredentialResolver | None = None

CredentialWriter = Callable[[str, Mapping[str, Any], Mapping[str, Any]], None]
"""(credential type, the node's reference, new decrypted data) -> None: stores data a node
renewed (an OAuth2 token after a refresh), encrypted, e.g. hetumind.store.resolver's."""

_writer: CredentialWriter | None = None


def set_credential_writer(writer: CredentialWriter | None) -> None:
    """Install the function that stores renewed credential data (e.g. the store's)."""
    global _writer
    _writer = writer


def write_back_credential(
    credentials: Mapping[str, Any], credential_type: str, data: Mapping[str, Any]
) -> bool:
    """Store renewed `data` for the node's `credential_type` reference (the node's
    `credentials` mapping); False when there is nothing to write to: no writer in this
    process, or inline data (a stand-alone file keeps its own copy)."""
    from hetumind.execution_services import current

    ref = credentials.get(credential_type)
    writer = current().credential_writer or _writer  # the run's own first
    if writer is None or not isinstance(ref, Mapping) or not (ref.get("id") or ref.get("name")):
        return False
    writer(credential_type, ref, data)
    return True


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
    *,
    capabilities: Capabilities | None = None,
    node: str | None = None,
) -> dict[str, Any]:
    """The data of the node's `credential_type` credential ({} when it names none).

    Raises CapabilityDenied when the data is inline and `capabilities` forbid that.
    """
    ref = credentials.get(credential_type)
    data: dict[str, Any] = {}
    if isinstance(ref, Mapping):
        known = (resolved or {}).get(credential_key(credential_type, ref))
        if known is not None:
            return dict(known)
        from hetumind.execution_services import current

        resolver = current().credential_resolver or _resolver  # the run's own first
        if resolver is not None:
            found = resolver(credential_type, ref)
            if found:
                return dict(found)
        # Inline data (a hetumind extension for stand-alone files): {"data": {...}}.
        inline = ref.get("data")
        if isinstance(inline, Mapping):
            if capabilities is not None and not capabilities.inline_credentials:
                from hetumind.capabilities import refuse_inline

                refuse_inline(capabilities, credential_type, node)
            data = dict(inline)
    return data
