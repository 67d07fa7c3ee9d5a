"""Services an execution uses, handed to it by whoever starts it (RunOptions.services).

The blob store (where binary data goes) and the credential resolver and writer used to be
process globals only; a caller now passes them with the run, and node runs see them as
`ctx.execution.services` (and, for helpers handed no context, `current()`). A Ray worker
gets the small picklable description only (`blob_url`): it opens the blob store itself
from it (hetumind.binary keeps one open store per URL per process). The callables stay in
the process that started the run; workers fall back to the credentials resolved
beforehand (ExecutionInfo.credentials), as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

__all__ = ["Services", "current", "enter"]


@dataclass(frozen=True)
class Services:
    blob_url: str | None = None
    """Where binary data goes (a directory, file://... or s3://...); None: the process's
    default (HETUMIND_BLOB_URL or HETUMIND_HOME/blobs)."""
    credential_resolver: Callable[[str, Mapping[str, Any]], Mapping[str, Any] | None] | None = None
    """(type, reference) -> data, for credentials not resolved beforehand; None: the
    process's (hetumind.credentials.set_credential_resolver). Not sent to workers."""
    credential_writer: Callable[[str, Mapping[str, Any], Mapping[str, Any]], None] | None = None
    """Stores renewed credential data (an OAuth2 refresh); None: the process's. Not sent
    to workers."""
    subworkflow_data: Any = None
    """The store (hetumind.store.ExecutionData) sub-workflows are read from and recorded
    in; None: the process's (hetumind.subworkflows.store). Not sent to workers, which
    open it from the execution's environment."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Only the description crosses to a worker: callables of the starting process
        # (bound to its store and event loop) mean nothing there.
        return (Services, (self.blob_url,))


_current: ContextVar[Services | None] = ContextVar("hetumind_services", default=None)


def enter(services: Services) -> None:
    """Make `services` those of the node run starting in this thread (the engine's node
    context does this), for helpers that are not handed a context (hetumind.binary)."""
    _current.set(services)


def current() -> Services:
    """The services of the node run in this thread (defaults outside one)."""
    return _current.get() or _DEFAULT


_DEFAULT = Services()
