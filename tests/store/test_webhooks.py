"""Webhook routes: (path, method) unique, lookups, all-or-nothing replacement."""

from __future__ import annotations

import pytest

from hetumind.errors import NotFound
from hetumind.store import Conflict, InvalidData, Store, WebhookRoute

DOC = {"name": "Hook", "nodes": [], "connections": {}}


def test_add_and_find_normalizes_path_and_method(store: Store) -> None:
    wf = store.run_sync(store.workflows.create(DOC))
    store.run_sync(store.webhooks.add(wf.id, "/orders/new/", "post", "Webhook"))
    found = store.run_sync(store.webhooks.find("orders/new", "POST"))
    assert (found.workflow_id, found.node, found.path, found.method) == (
        wf.id,
        "Webhook",
        "orders/new",
        "POST",
    )
    with pytest.raises(NotFound, match="GET /orders/new"):
        store.run_sync(store.webhooks.find("orders/new", "GET"))


def test_duplicate_path_and_method_is_a_conflict(store: Store) -> None:
    a = store.run_sync(store.workflows.create(DOC))
    b = store.run_sync(store.workflows.create(DOC))
    store.run_sync(store.webhooks.add(a.id, "hook", "POST", "W"))
    with pytest.raises(Conflict, match="POST /hook"):
        store.run_sync(store.webhooks.add(b.id, "/hook", "POST", "W"))
    # Same path, other method is a different route.
    store.run_sync(store.webhooks.add(b.id, "hook", "GET", "W"))
    assert len(store.run_sync(store.webhooks.list())) == 2


def test_replace_is_all_or_nothing(store: Store) -> None:
    a = store.run_sync(store.workflows.create(DOC))
    b = store.run_sync(store.workflows.create(DOC))
    store.run_sync(store.webhooks.add(a.id, "taken", "POST", "W"))
    store.run_sync(store.webhooks.replace_for_workflow(b.id, [WebhookRoute("old", "GET", "W")]))
    with pytest.raises(Conflict, match="POST /taken"):
        store.run_sync(
            store.webhooks.replace_for_workflow(
                b.id, [WebhookRoute("fresh", "GET", "W"), WebhookRoute("taken", "POST", "W")]
            )
        )
    # b keeps exactly what it had; nothing of the failed replacement was written.
    assert [(w.path, w.method) for w in store.run_sync(store.webhooks.list(b.id))] == [
        ("old", "GET")
    ]
    with pytest.raises(Conflict):
        store.run_sync(
            store.webhooks.replace_for_workflow(
                b.id, [WebhookRoute("x", "GET", "A"), WebhookRoute("/x/", "get", "B")]
            )
        )
    routes = store.run_sync(
        store.webhooks.replace_for_workflow(b.id, [WebhookRoute("new", "PUT", "W")])
    )
    assert [(r.path, r.method) for r in routes] == [("new", "PUT")]
    assert store.run_sync(store.webhooks.delete_for_workflow(b.id)) == 1
    assert store.run_sync(store.webhooks.list(b.id)) == []


def test_bad_input(store: Store) -> None:
    wf = store.run_sync(store.workflows.create(DOC))
    with pytest.raises(InvalidData, match="'method'"):
        store.run_sync(store.webhooks.add(wf.id, "p", "FETCH", "W"))
    with pytest.raises(InvalidData, match="'path'"):
        store.run_sync(store.webhooks.add(wf.id, "//", "GET", "W"))
    with pytest.raises(InvalidData, match="'path'"):
        store.run_sync(store.webhooks.add(wf.id, "/ \r/", "GET", "W"))
    with pytest.raises(NotFound, match="workflow 'missing'"):
        store.run_sync(store.webhooks.add("missing", "p", "GET", "W"))
    with pytest.raises(NotFound):
        store.run_sync(store.webhooks.delete("missing"))
    assert store.run_sync(store.webhooks.list()) == []
