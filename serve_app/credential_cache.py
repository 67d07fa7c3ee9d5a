"""Decrypted credentials per replica, checked against the store's version on every run.

Nodes running in Ray workers have no store to ask, so the executor hands every run the
data of the credentials its workflow names. Looking each one up afresh cost two queries
and a Fernet decryption per credential per run. This cache keeps the decrypted data per
credential id, with the row's `updated_at` as its version.

Invalidation is a version check, not an EventBus signal: each run asks the store for the
id and `updated_at` of the credentials it names, all in one indexed query, and decrypts
again only those whose version changed. An update or delete through the API of *any*
replica is therefore seen by the very next run everywhere, with no window in which a
replica that missed a signal (or started after it) runs with stale secrets, and no
dependency on the bus being up. Deleted credentials are simply not found (and dropped).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import col

from hetumind.credentials import credential_key
from hetumind.errors import HetumindError
from hetumind.store import Store
from hetumind.store.models import CredentialRecord

__all__ = ["CredentialCache"]

MAX_ENTRIES = 4096


@dataclass(frozen=True)
class _Entry:
    version: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class _Row:
    id: str
    name: str
    type: str
    project_id: str | None
    version: datetime


class CredentialCache:
    """The plain data of credentials by id, valid while their `updated_at` is unchanged."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self.decrypted = 0
        """How many times data was decrypted (a miss): what a test can watch."""

    async def resolve(
        self, refs: Iterable[tuple[str, Mapping[str, Any]]], project_id: str | None
    ) -> dict[str, dict[str, Any]]:
        """{credential_key: data} for the (type, reference) pairs that resolve, by the
        store's rules (the id wins; a name must be unique within its type; with
        `project_id`, only that project's credentials exist). Others are left out: the
        node says what is missing when it asks for it."""
        wanted = [(kind, ref) for kind, ref in refs if ref.get("id") or ref.get("name")]
        if not wanted:
            return {}
        rows = await self._versions(wanted)
        found: dict[str, dict[str, Any]] = {}
        for kind, ref in wanted:
            row = _pick(rows, kind, ref, project_id)
            if row is None:
                continue
            data = await self._data(row)
            if data is not None:
                found[credential_key(kind, ref)] = data
        return found

    async def _versions(self, wanted: list[tuple[str, Mapping[str, Any]]]) -> list[_Row]:
        ids = {str(ref["id"]) for _, ref in wanted if ref.get("id")}
        names = {str(ref["name"]) for _, ref in wanted if not ref.get("id")}
        conditions = []
        if ids:
            conditions.append(col(CredentialRecord.id).in_(sorted(ids)))
        if names:
            conditions.append(col(CredentialRecord.name).in_(sorted(names)))
        query = select(
            col(CredentialRecord.id),
            col(CredentialRecord.name),
            col(CredentialRecord.type),
            col(CredentialRecord.project_id),
            col(CredentialRecord.updated_at),
        ).where(or_(*conditions))
        async with self._store.sessions() as session:
            result = await session.execute(query)
            rows = [_Row(*r) for r in result.all()]
        present = {r.id for r in rows}
        with self._lock:  # deleted ones: forget their secrets
            for gone in ids - present:
                self._entries.pop(gone, None)
        return rows

    async def _data(self, row: _Row) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(row.id)
        if entry is not None and entry.version == row.version:
            return dict(entry.data)
        try:
            revealed = await self._store.credentials.reveal(row.id)
        except HetumindError:
            return None  # deleted meanwhile, or undecryptable: as the store would say
        data = dict(revealed.data)
        self.decrypted += 1
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.pop(next(iter(self._entries)))
            # The version read with the data may be newer than the one listed: keep the
            # listed one, so that the next run reads again rather than trust it too long.
            self._entries[row.id] = _Entry(row.version, data)
        return dict(data)

    def drop(self, credential_id: str) -> None:
        """Forget one credential now (this replica changed it)."""
        with self._lock:
            self._entries.pop(credential_id, None)


def _pick(
    rows: list[_Row], kind: str, ref: Mapping[str, Any], project_id: str | None
) -> _Row | None:
    """The row a reference names, or None where the store's resolve would refuse it."""
    if ref.get("id"):
        row = next((r for r in rows if r.id == str(ref["id"])), None)
        if row is None or row.type != kind:
            return None
        if project_id is not None and row.project_id != project_id:
            return None
        return row
    matches = [
        r
        for r in rows
        if r.name == str(ref["name"])
        and r.type == kind
        and (project_id is None or r.project_id == project_id)
    ]
    return matches[0] if len(matches) == 1 else None
