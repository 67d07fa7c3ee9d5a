"""Idempotency keys: one execution per (workflow, key) within a retention window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from hetumind.store._repo import Repository
from hetumind.store.errors import InvalidData
from hetumind.store.models import IdempotencyKeyRecord, utcnow

__all__ = ["DEFAULT_RETENTION", "MAX_KEY_LENGTH", "IdempotencyRepository"]

DEFAULT_RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyRepository(Repository):
    """Claims `Idempotency-Key`s for workflow runs, atomically across replicas."""

    async def claim(
        self,
        workflow_id: str,
        key: str,
        execution_id: str,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> tuple[str, bool]:
        """(execution id, True) when `key` is new (or its claim expired) and now belongs
        to `execution_id`; (the earlier execution's id, False) when it was seen before.

        The primary key (workflow_id, key) makes two concurrent claims race safely: one
        insert wins, the other reads the winner.
        """
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidData(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
        now = utcnow()
        for _ in range(3):
            try:
                async with self._store.transaction() as session:
                    session.add(
                        IdempotencyKeyRecord(
                            workflow_id=workflow_id,
                            key=key,
                            execution_id=execution_id,
                            created_at=now,
                        )
                    )
                return execution_id, True
            except IntegrityError:
                pass
            async with self._store.transaction() as session:
                row = await session.get(IdempotencyKeyRecord, (workflow_id, key))
                if row is None:
                    continue  # purged in between: try the insert again
                if now - row.created_at <= retention:
                    return row.execution_id, False
                row.execution_id, row.created_at = execution_id, now
                return execution_id, True
        raise InvalidData(f"Idempotency-Key {key!r} could not be claimed")  # pragma: no cover

    async def release(self, workflow_id: str, key: str, execution_id: str) -> None:
        """Undo a claim whose execution could not start, so a retry may start one."""
        async with self._store.transaction() as session:
            await session.execute(
                delete(IdempotencyKeyRecord).where(
                    IdempotencyKeyRecord.workflow_id == workflow_id,  # type: ignore[arg-type]
                    IdempotencyKeyRecord.key == key,  # type: ignore[arg-type]
                    IdempotencyKeyRecord.execution_id == execution_id,  # type: ignore[arg-type]
                )
            )

    async def purge(self, older_than: timedelta = DEFAULT_RETENTION) -> int:
        """Forget keys claimed before `older_than` ago; the number removed."""
        async with self._store.transaction() as session:
            result = await session.execute(
                delete(IdempotencyKeyRecord).where(
                    IdempotencyKeyRecord.created_at < utcnow() - older_than  # type: ignore[arg-type]
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)
