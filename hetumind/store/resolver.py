"""Credential lookup for nodes at run time, backed by the store.

    from hetumind.credentials import set_credential_resolver
    set_credential_resolver(credential_resolver(store))

The resolver is called from node code, i.e. from the coordinator's thread (inline backend)
or a worker thread, never on the store's loop; it waits on the store with run_sync. Ray
workers are other processes: they need a store of their own (`Store.open_sync()` with the
same HETUMIND_DATABASE_URL and HETUMIND_ENCRYPTION_KEY).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hetumind.store.db import Store

__all__ = ["credential_resolver", "credential_writer"]


def credential_resolver(
    store: Store, *, timeout: float | None = 30.0
) -> Callable[[str, Mapping[str, Any]], dict[str, Any] | None]:
    """(credential type, node reference {"id", "name"}) -> decrypted data.

    None when the reference names nothing; NotFound, Conflict (ambiguous name) or
    InvalidData (wrong type) otherwise, which fail the node with that message.
    """

    def resolve(credential_type: str, ref: Mapping[str, Any]) -> dict[str, Any] | None:
        if not ref.get("id") and not ref.get("name"):
            return None
        found = store.run_sync(store.credentials.resolve(credential_type, ref), timeout)
        return dict(found.data)

    return resolve


def credential_writer(
    store: Store, *, timeout: float | None = 30.0
) -> Callable[[str, Mapping[str, Any], Mapping[str, Any]], None]:
    """(credential type, node reference, renewed data) -> None: stores the data a node
    renewed (an OAuth2 refresh), validated and encrypted like any update.

        from hetumind.credentials import set_credential_writer
        set_credential_writer(credential_writer(store))
    """

    def write(credential_type: str, ref: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        found = store.run_sync(store.credentials.resolve(credential_type, ref), timeout)
        store.run_sync(store.credentials.update(found.id, data=dict(data)), timeout)

    return write
