"""The store that sub-workflows are read from and recorded in, per process.

A server installs its own (`set_store`). Elsewhere (a Ray worker, the CLI) the store is
opened on first use from the calling execution's environment ($env, which the coordinator
ships to workers with every node run) or this process's, and kept open for the process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only by processes that use it
    from hetumind.store.db import Store
    from hetumind.store.execution_data import ExecutionData

__all__ = ["execution_data", "reset_store", "set_store", "store_for"]

_installed: ExecutionData | None = None
_opened: dict[tuple[str, str], ExecutionData] = {}
_lock = threading.Lock()

_STORE_VARIABLES = ("HETUMIND_HOME", "HETUMIND_DATABASE_URL", "HETUMIND_BLOB_URL")


def set_store(data: ExecutionData | None) -> None:
    """Use this store (and blob store) for sub-workflows in this process (None: unset)."""
    global _installed
    _installed = data


def _given() -> ExecutionData | None:
    """The running execution's own store (RunOptions.services), else the installed one."""
    from hetumind.execution_services import current

    given: ExecutionData | None = current().subworkflow_data
    return given if given is not None else _installed


def installed() -> bool:
    """Whether the execution was given a store (RunOptions.services) or one was
    installed with set_store."""
    return _given() is not None


def execution_data(env: Mapping[str, str] | None = None) -> ExecutionData:
    """The execution's or installed store, or the one `env` points at (opened once per
    process)."""
    given = _given()
    if given is not None:
        return given
    from hetumind.store import ExecutionData, Store, StoreSettings, open_blob_store

    source = env if env and any(k in env for k in _STORE_VARIABLES) else os.environ
    settings = StoreSettings.from_env(source)
    key = (settings.database_url, settings.blob_url)
    with _lock:
        data = _opened.get(key)
        if data is None:
            store = Store.open_sync(settings.database_url, settings=settings)
            data = ExecutionData(store, open_blob_store(settings=settings))
            _opened[key] = data
        return data


def store_for(env: Mapping[str, str] | None = None) -> Store:
    return execution_data(env).store


def reset_store() -> None:
    """Close the stores this process opened and forget the installed one (tests)."""
    global _installed
    _installed = None
    with _lock:
        opened = list(_opened.values())
        _opened.clear()
    for data in opened:
        data.store.close_sync()
