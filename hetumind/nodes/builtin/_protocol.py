"""Shared parts of the protocol nodes (Email Send, MySQL, SSH, FTP, RSS, GraphQL).

Each of them opens its own connection to a host named in a credential or a parameter, so
each must apply the execution's network policy itself (hetumind.capabilities): `pinned`
checks the destination and returns the address to connect to, so the client does not look
the name up a second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hetumind.capabilities import CapabilityDenied, capabilities_of, pin_host
from hetumind.errors import NodeExecutionError
from hetumind.nodes.api import NodeContext

__all__ = ["as_mapping", "credential", "pinned"]


def credential(ctx: NodeContext, kind: str) -> dict[str, Any]:
    """The node's `kind` credential, or n8n's error when it names none."""
    data = ctx.credentials(kind)
    if not data:
        raise NodeExecutionError(
            f'Node does not have any credentials set for "{kind}"', node=ctx.node_name
        )
    return data


def pinned(ctx: NodeContext, host: str, port: int) -> str:
    """The address to connect to for `host`:`port`, or a node error when the execution's
    network policy refuses it."""
    try:
        return pin_host(capabilities_of(ctx), host, port, what=f"node {ctx.node_name!r}")
    except CapabilityDenied as exc:
        raise NodeExecutionError(exc.message, node=ctx.node_name) from None


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
