"""Execution ids are unguessable: a waiting execution's resume URL is its id
(`/webhook-waiting/{id}`), so whoever can predict the next id can resume someone else's run."""

from __future__ import annotations

import random

from hetumind.engine.runtime import new_execution_id


def test_ids_do_not_follow_pythons_seedable_generator() -> None:
    # Mersenne Twister output can be reconstructed from a few hundred observed ids; ids
    # that came from it would repeat here.
    random.seed(1234)
    first = new_execution_id()
    random.seed(1234)
    assert new_execution_id() != first


def test_one_id_scheme_everywhere() -> None:
    from serve_app import executor, idempotency, scheduler

    assert executor.new_execution_id is new_execution_id
    assert idempotency.new_execution_id is new_execution_id
    assert scheduler.new_execution_id is new_execution_id
    ids = {new_execution_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
