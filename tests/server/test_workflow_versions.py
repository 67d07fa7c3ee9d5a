"""Version history over HTTP: one version's document, restore as a new audited save, and
pinned data standing in for a node's run in manual runs (what the editor's panels use)."""

from __future__ import annotations

import copy

import pytest

from tests.server.helpers import Server, manual_workflow

pytestmark = pytest.mark.slow


def test_get_one_version_and_restore_it_as_the_new_current(server: Server) -> None:
    c = server.client
    wf_id = server.create(manual_workflow("versions one"))["id"]
    changed = copy.deepcopy(manual_workflow("versions two"))
    changed["nodes"][1]["parameters"]["assignments"]["assignments"][0]["name"] = "twice"
    assert c.put(f"/api/v1/workflows/{wf_id}", json=changed).json()["versionId"] == "2"

    one = c.get(f"/api/v1/workflows/{wf_id}/versions/1").json()
    assert one["name"] == "versions one" and one["versionId"] == "1"
    assert one["nodes"][1]["parameters"]["assignments"]["assignments"][0]["name"] == "double"

    r = c.post(f"/api/v1/workflows/{wf_id}/versions/1/restore")
    assert r.status_code == 200, r.text
    restored = r.json()
    assert restored["versionId"] == "3" and restored["name"] == "versions one"
    current = c.get(f"/api/v1/workflows/{wf_id}").json()
    assert current["nodes"][1]["parameters"]["assignments"]["assignments"][0]["name"] == "double"
    # Restoring is a save: the version restored from stays in the history.
    listed = c.get(f"/api/v1/workflows/{wf_id}/versions").json()["data"]
    assert [v["versionId"] for v in listed] == ["3", "2", "1"]

    audit = c.get("/api/v1/audit", params={"action": "workflow.version_restored"}).json()["data"]
    mine = [e for e in audit if e.get("targetId") == wf_id]
    assert len(mine) == 1, audit
    assert mine[0]["details"]["restoredVersion"] == 1 and mine[0]["details"]["newVersion"] == 3


def test_unknown_versions_are_404_naming_them(server: Server) -> None:
    c = server.client
    wf_id = server.create(manual_workflow("versions missing"))["id"]
    for bad in ("99", "latest", "-1"):
        r = c.get(f"/api/v1/workflows/{wf_id}/versions/{bad}")
        assert r.status_code == 404, (bad, r.text)
        assert bad in r.json()["error"]["message"]
        r = c.post(f"/api/v1/workflows/{wf_id}/versions/{bad}/restore")
        assert r.status_code == 404, (bad, r.text)
    assert c.get(f"/api/v1/workflows/{wf_id}").json()["versionId"] == "1"  # nothing saved


def test_pinned_items_stand_in_for_a_node_in_manual_runs(server: Server) -> None:
    doc = manual_workflow("pinned")
    doc["pinData"] = {"Double": [{"json": {"pinned": True, "double": 42}}]}
    wf_id = server.create(doc)["id"]
    r = server.client.post(
        f"/api/v1/workflows/{wf_id}/run", params={"wait": "true"}, json=[{"n": 1}]
    )
    assert r.status_code == 200, r.text
    assert r.json()["runData"]["Double"][0]["outputs"] == [[{"pinned": True, "double": 42}]]
