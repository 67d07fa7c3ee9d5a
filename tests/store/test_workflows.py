"""Workflows: version history, tags, optimistic locking, NotFound, cascades."""

from __future__ import annotations

import pytest

from hetumind.errors import NotFound
from hetumind.store import Conflict, InvalidData, Store

DOC = {
    "name": "Greet",
    "nodes": [{"name": "Start", "type": "hetumind.manualTrigger", "parameters": {}}],
    "connections": {},
    "settings": {"saveDataSuccessExecution": "all"},
}


def test_create_get_keeps_document(store: Store) -> None:
    wf = store.run_sync(store.workflows.create({**DOC, "id": "ignored", "active": True}))
    got = store.run_sync(store.workflows.get(wf.id))
    assert got.id == wf.id != "ignored"
    assert (got.name, got.active, got.version) == ("Greet", True, 1)
    assert got.data["nodes"] == DOC["nodes"]
    assert got.document()["id"] == wf.id
    assert got.created_at.tzinfo is not None


def test_every_update_keeps_the_previous_version(store: Store) -> None:
    wf = store.run_sync(store.workflows.create(DOC))
    second = {**DOC, "name": "Greet v2", "nodes": []}
    third = {**DOC, "name": "Greet v3"}
    store.run_sync(store.workflows.update(wf.id, second))
    latest = store.run_sync(store.workflows.update(wf.id, third, expected_version=2))
    assert (latest.version, latest.name) == (3, "Greet v3")
    versions = store.run_sync(store.workflows.versions(wf.id))
    assert [(v.version, v.name) for v in versions] == [
        (3, "Greet v3"),
        (2, "Greet v2"),
        (1, "Greet"),
    ]
    v2 = store.run_sync(store.workflows.get_version(wf.id, 2))
    assert v2.data["nodes"] == []


def test_stale_version_is_a_conflict_and_writes_nothing(store: Store) -> None:
    wf = store.run_sync(store.workflows.create(DOC))
    store.run_sync(store.workflows.update(wf.id, {**DOC, "name": "B"}))
    with pytest.raises(Conflict, match="version 2, not 1"):
        store.run_sync(store.workflows.update(wf.id, {**DOC, "name": "C"}, expected_version=1))
    assert store.run_sync(store.workflows.get(wf.id)).name == "B"
    assert len(store.run_sync(store.workflows.versions(wf.id))) == 2


def test_unknown_ids_are_not_found(store: Store) -> None:
    for call in (
        store.workflows.get("nope"),
        store.workflows.update("nope", DOC),
        store.workflows.delete("nope"),
        store.workflows.versions("nope"),
        store.workflows.set_active("nope", True),
    ):
        with pytest.raises(NotFound, match="'nope'"):
            store.run_sync(call)
    wf = store.run_sync(store.workflows.create(DOC))
    with pytest.raises(NotFound, match="workflow version"):
        store.run_sync(store.workflows.get_version(wf.id, 9))


def test_duplicate_id_is_a_conflict(store: Store) -> None:
    store.run_sync(store.workflows.create(DOC, id="fixed"))
    with pytest.raises(Conflict):
        store.run_sync(store.workflows.create(DOC, id="fixed"))
    assert store.run_sync(store.workflows.count()) == 1


def test_bad_name_is_invalid(store: Store) -> None:
    with pytest.raises(InvalidData, match="'name'"):
        store.run_sync(store.workflows.create({**DOC, "name": ""}))
    # longer than the column: PostgreSQL would fail the write, so it is refused first
    with pytest.raises(InvalidData, match="at most 255"):
        store.run_sync(store.workflows.create({**DOC, "name": "x" * 256}))
    assert store.run_sync(store.workflows.count()) == 0


def test_tags_and_filters(store: Store) -> None:
    a = store.run_sync(store.workflows.create(DOC, tags=["prod", "team-a"]))
    b = store.run_sync(store.workflows.create({**DOC, "name": "Other"}, tags=["prod"]))
    store.run_sync(store.workflows.set_active(b.id, True))
    assert [t.name for t in store.run_sync(store.workflows.tags_of(a.id))] == ["prod", "team-a"]
    assert [t.name for t in store.run_sync(store.tags.list())] == ["prod", "team-a"]
    prod = store.run_sync(store.workflows.list(tag="prod"))
    assert {w.id for w in prod} == {a.id, b.id}
    assert [w.id for w in store.run_sync(store.workflows.list(active=True))] == [b.id]
    assert [w.id for w in store.run_sync(store.workflows.list(name="gre"))] == [a.id]
    # Replacing tags on update; the old links go, the tags themselves stay.
    store.run_sync(store.workflows.update(a.id, DOC, tags=["new"]))
    assert [t.name for t in store.run_sync(store.workflows.tags_of(a.id))] == ["new"]
    assert store.run_sync(store.workflows.list(tag="team-a")) == []


def test_set_active_makes_no_version(store: Store) -> None:
    wf = store.run_sync(store.workflows.create(DOC))
    assert store.run_sync(store.workflows.set_active(wf.id, True)).active
    assert store.run_sync(store.workflows.get(wf.id)).version == 1


def test_delete_cascades_to_versions_tags_and_webhooks(store: Store) -> None:
    wf = store.run_sync(store.workflows.create(DOC, tags=["x"]))
    store.run_sync(store.workflows.update(wf.id, DOC))
    store.run_sync(store.webhooks.add(wf.id, "hook", "POST", "Webhook"))
    store.run_sync(store.workflows.delete(wf.id))
    with pytest.raises(NotFound):
        store.run_sync(store.workflows.get_version(wf.id, 1))
    with pytest.raises(NotFound):
        store.run_sync(store.webhooks.find("hook", "POST"))
    # The path is free again for another workflow.
    other = store.run_sync(store.workflows.create(DOC))
    store.run_sync(store.webhooks.add(other.id, "hook", "POST", "Webhook"))
    assert [t.name for t in store.run_sync(store.tags.list())] == ["x"]


def test_tag_repository(store: Store) -> None:
    tag = store.run_sync(store.tags.create("ops"))
    with pytest.raises(Conflict, match="'ops' already exists"):
        store.run_sync(store.tags.create("ops"))
    other = store.run_sync(store.tags.create("dev"))
    with pytest.raises(Conflict):
        store.run_sync(store.tags.rename(other.id, "ops"))
    assert store.run_sync(store.tags.rename(tag.id, "ops2")).name == "ops2"
    assert store.run_sync(store.tags.by_name("ops2")).id == tag.id
    store.run_sync(store.tags.delete(tag.id))
    with pytest.raises(NotFound):
        store.run_sync(store.tags.get(tag.id))
    with pytest.raises(InvalidData):
        store.run_sync(store.tags.create("  "))


def test_tags_from_an_exported_document(store: Store) -> None:
    exported = {**DOC, "tags": [{"id": "x1", "name": "imported"}, "plain"]}
    wf = store.run_sync(store.workflows.create(exported))
    assert [t.name for t in store.run_sync(store.workflows.tags_of(wf.id))] == [
        "imported",
        "plain",
    ]
    assert "tags" not in store.run_sync(store.workflows.get(wf.id)).data
    store.run_sync(store.workflows.update(wf.id, DOC))  # no tags key: tags stay
    assert len(store.run_sync(store.workflows.tags_of(wf.id))) == 2
    with pytest.raises(InvalidData, match="'tags'"):
        store.run_sync(store.workflows.create({**DOC, "tags": [{"id": 1}]}))
