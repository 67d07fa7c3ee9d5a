"""In a real browser: import n8n exports (paste and files) and run one, create a
credential, watch an execution live, and a viewer who cannot edit."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.ui.conftest import UiServer, login, shot
from tests.ui.test_browser_editor import node, open_panel

if TYPE_CHECKING:
    from playwright.sync_api import Page


TRIGGER = "When clicking \u2018Execute workflow\u2019"
"""n8n's name for a new Manual Trigger, typographic quotes and all."""


def n8n_export(name: str) -> dict[str, Any]:
    """A workflow as n8n's "Download" writes it (ids, meta, pinData, versionId, tags)."""
    return {
        "name": name,
        "nodes": [
            {
                "parameters": {},
                "id": "5b7a3c1e-1f0e-4a39-9c55-0d8f2b0a1c01",
                "name": TRIGGER,
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
            },
            {
                "parameters": {
                    "assignments": {
                        "assignments": [
                            {
                                "id": "a1",
                                "name": "city",
                                "value": "=Paris",
                                "type": "string",
                            },
                            {
                                "id": "a2",
                                "name": "letters",
                                "value": "={{ 'Paris'.length }}",
                                "type": "number",
                            },
                        ]
                    },
                    "options": {},
                },
                "id": "5b7a3c1e-1f0e-4a39-9c55-0d8f2b0a1c02",
                "name": "Edit Fields",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "position": [220, 0],
            },
        ],
        "pinData": {},
        "connections": {TRIGGER: {"main": [[{"node": "Edit Fields", "type": "main", "index": 0}]]}},
        "active": False,
        "settings": {"executionOrder": "v1"},
        "versionId": "0f4c5d9e-6e2b-4c1f-8a3d-4b1e2f3a4b5c",
        "meta": {"templateCredsSetupCompleted": True, "instanceId": "ab" * 32},
        "id": "Xq1nXk2pLq3mZ4rT",
        "tags": [{"id": "t1", "name": "imported"}],
    }


def test_import_an_n8n_export_by_paste_and_run_it(page: Page, ui_server: UiServer) -> None:
    login(page)
    page.get_by_test_id("import-open").click()
    page.get_by_test_id("import-text").fill(json.dumps(n8n_export("From n8n")))
    shot(page, "import")
    page.get_by_test_id("import-paste").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Imported 1: From n8n")
    row = page.locator('[data-testid="workflow-row"][data-name="From n8n"]')
    expect(row).to_contain_text("imported")  # its tag
    row.get_by_test_id("workflow-open").click()

    expect(node(page, TRIGGER)).to_be_visible()
    page.get_by_test_id("execute").click()
    expect(page.get_by_test_id("run-status")).to_have_text("success", timeout=30_000)
    expect(node(page, "Edit Fields")).to_have_attribute("data-status", "success")
    open_panel(page, "Edit Fields")
    out = page.get_by_test_id("output-items")
    expect(out).to_contain_text("Paris")
    out.get_by_test_id("output-items-json").click()
    text = out.locator("pre").inner_text()
    assert json.loads(text) == [{"city": "Paris", "letters": 5}]


def test_import_several_exports_from_files(page: Page, ui_server: UiServer, tmp_path: Path) -> None:
    files = []
    for name in ("File one", "File two"):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(n8n_export(name)))
        files.append(str(path))
    (tmp_path / "broken.json").write_text("{not json")
    files.append(str(tmp_path / "broken.json"))
    login(page)
    page.get_by_test_id("import-open").click()
    page.get_by_test_id("import-files").set_input_files(files)
    expect(page.get_by_test_id("notice")).to_contain_text("Imported 2: File one, File two")
    expect(page.get_by_test_id("error")).to_contain_text("broken.json")
    for name in ("File one", "File two"):
        expect(page.locator(f'[data-testid="workflow-row"][data-name="{name}"]')).to_be_visible()


def test_create_a_credential_whose_secret_is_never_shown(page: Page, ui_server: UiServer) -> None:
    login(page)
    page.get_by_test_id("nav-credentials").click()
    form = page.get_by_test_id("credential-form")
    form.get_by_test_id("credential-type").select_option("httpHeaderAuth")
    form.get_by_test_id("credential-name").fill("Weather API key")
    form.get_by_test_id("credential-field-name").fill("X-Api-Key")
    secret = form.get_by_test_id("credential-field-value")
    expect(secret).to_have_attribute("type", "password")
    secret.fill("s3cret-value-from-the-browser")
    shot(page, "credentials")
    form.get_by_test_id("credential-create").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Created credential Weather API key")
    row = page.locator('[data-testid="credential-row"][data-name="Weather API key"]')
    expect(row).to_contain_text("httpHeaderAuth")
    expect(secret).to_have_value("")  # the form forgot it
    assert "s3cret-value-from-the-browser" not in page.content()
    listed = ui_server.client.get("/api/v1/credentials").json()["data"]
    mine = [c for c in listed if c["name"] == "Weather API key"]
    assert len(mine) == 1 and mine[0]["type"] == "httpHeaderAuth"
    assert "s3cret-value-from-the-browser" not in json.dumps(listed)


def slow_workflow(name: str, seconds: int) -> dict[str, Any]:
    """Manual Trigger -> Wait (seconds) -> Edit Fields: long enough to watch."""
    return {
        "name": name,
        "nodes": [
            {
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            },
            {
                "name": "Pause",
                "type": "n8n-nodes-base.wait",
                "typeVersion": 1.1,
                "position": [240, 0],
                "parameters": {"resume": "timeInterval", "amount": seconds, "unit": "seconds"},
            },
            {
                "name": "Done",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "position": [480, 0],
                "parameters": {
                    "assignments": {
                        "assignments": [{"name": "done", "value": "yes", "type": "string"}]
                    },
                    "options": {},
                },
            },
        ],
        "connections": {
            "Start": {"main": [[{"node": "Pause", "type": "main", "index": 0}]]},
            "Pause": {"main": [[{"node": "Done", "type": "main", "index": 0}]]},
        },
    }


def test_watch_an_execution_live(page: Page, ui_server: UiServer) -> None:
    wf = ui_server.create(slow_workflow("Slow one", 10))  # time to open it under load
    login(page)
    page.get_by_test_id("nav-executions").click()
    expect(page.get_by_test_id("execution-list")).to_be_visible()
    r = ui_server.client.post(f"/api/v1/workflows/{wf['id']}/run", json=[])
    assert r.status_code == 202, r.text
    execution = r.json()["executionId"]
    page.reload()
    row = page.get_by_test_id("execution-row").filter(has_text="Slow one").first
    expect(row).to_have_attribute("data-status", "running")
    shot(page, "executions")
    row.get_by_test_id("execution-open").click()
    expect(page).to_have_url(re.compile(f"#/execution/{execution}$"))
    # While it waits: the trigger has finished, the rest has not; the page follows the
    # execution's event stream to its end without a reload.
    expect(page.get_by_test_id("execution-status")).to_have_text("running")
    expect(node(page, "Start")).to_have_attribute("data-status", "success")
    expect(node(page, "Done")).to_have_attribute("data-status", "")
    shot(page, "execution-live")
    expect(page.get_by_test_id("execution-status")).to_have_text("success", timeout=30_000)
    for name in ("Start", "Pause", "Done"):
        expect(node(page, name)).to_have_attribute("data-status", "success")
    open_panel(page, "Done")
    expect(page.get_by_test_id("output-items")).to_contain_text("yes")


def test_a_viewer_sees_but_cannot_edit(page: Page, ui_server: UiServer) -> None:
    doc = n8n_export("Owned by the team")
    doc.pop("id")
    wf = ui_server.create(doc)
    assert wf["shared"][0]["projectId"] == "default"
    ui_server.user("viewer@localhost", "viewer-password-1234", role="viewer")
    login(page, "viewer@localhost", "viewer-password-1234")
    row = page.locator('[data-testid="workflow-row"][data-name="Owned by the team"]')
    expect(row.get_by_test_id("workflow-active")).to_be_disabled()
    expect(row.get_by_test_id("workflow-delete")).to_have_count(0)
    row.get_by_test_id("workflow-open").click()

    expect(page.get_by_test_id("read-only")).to_be_visible()
    expect(page.get_by_test_id("execute")).to_be_disabled()
    expect(page.get_by_test_id("add-node")).to_be_disabled()
    expect(page.get_by_test_id("save")).to_be_disabled()
    expect(page.get_by_test_id("workflow-name")).to_have_attribute("readonly", "")
    shot(page, "viewer")
    target = node(page, "Edit Fields")
    trigger = node(page, TRIGGER)

    def offset() -> tuple[float, float]:
        a, b = target.bounding_box(), trigger.bounding_box()
        assert a and b
        return a["x"] - b["x"], a["y"] - b["y"]

    before = target.bounding_box()
    apart = offset()
    assert before
    # Keyboard shortcuts change nothing: no palette, no delete.
    target.click()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("palette")).to_have_count(0)
    page.keyboard.press("Delete")
    expect(target).to_be_visible()
    # Dragging it pans the canvas but does not move it against the others.
    page.mouse.move(before["x"] + 40, before["y"] + 20)
    page.mouse.down()
    page.mouse.move(before["x"] + 240, before["y"] + 220, steps=8)
    page.mouse.up()
    after = offset()
    assert abs(after[0] - apart[0]) < 1 and abs(after[1] - apart[1]) < 1, (apart, after)
    # The node's form is read only.
    open_panel(page, "Edit Fields")
    value = page.get_by_test_id("assignment-value-0")
    expect(value).to_have_value("=Paris")
    expect(value).to_have_attribute("readonly", "")
    expect(page.get_by_test_id("assignment-add")).to_have_count(0)
    # The API agrees: the workflow is unchanged.
    stored = ui_server.client.get(f"/api/v1/workflows/{wf['id']}").json()
    assert stored["versionId"] == wf["versionId"]


def failing_workflow(name: str) -> dict[str, Any]:
    """Manual Trigger -> Stop and Error (n8n's message) -> Edit Fields, never reached."""
    return {
        "name": name,
        "nodes": [
            {
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            },
            {
                "name": "Refuse",
                "type": "n8n-nodes-base.stopAndError",
                "typeVersion": 1,
                "position": [240, 0],
                "parameters": {"errorMessage": "no orders today"},
            },
            {
                "name": "After",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "position": [480, 0],
                "parameters": {"assignments": {"assignments": []}, "options": {}},
            },
        ],
        "connections": {
            "Start": {"main": [[{"node": "Refuse", "type": "main", "index": 0}]]},
            "Refuse": {"main": [[{"node": "After", "type": "main", "index": 0}]]},
        },
    }


def test_an_error_shows_on_the_failed_node_and_the_run_is_retried(
    page: Page, ui_server: UiServer
) -> None:
    wf = ui_server.create(failing_workflow("Fails on purpose"))
    login(page)
    page.goto(f"/#/workflow/{wf['id']}")
    page.get_by_test_id("execute").click()
    expect(page.get_by_test_id("run-status")).to_have_text("error", timeout=30_000)
    expect(node(page, "Start")).to_have_attribute("data-status", "success")
    expect(node(page, "Refuse")).to_have_attribute("data-status", "error")
    expect(node(page, "Refuse").get_by_test_id("node-error-text")).to_contain_text(
        "no orders today"
    )
    expect(node(page, "After")).to_have_attribute("data-status", "")
    expect(page.locator(".react-flow__edge-text")).to_have_text(["1 item"])  # none after it
    expect(page.get_by_test_id("editor-error")).to_contain_text("no orders today")
    shot(page, "editor-error")

    # The failed execution, opened from the banner: Retry starts a new one (from the node
    # that failed) and the page moves to it.
    page.get_by_test_id("run-banner").locator("a").click()
    expect(page.get_by_test_id("execution-status")).to_have_text("error")
    first = page.url.rsplit("/", 1)[-1]
    page.get_by_test_id("execution-retry").click()
    expect(page).not_to_have_url(re.compile(f"#/execution/{first}$"))
    expect(page.get_by_test_id("execution-status")).to_have_text("error", timeout=30_000)
    expect(node(page, "Refuse")).to_have_attribute("data-status", "error")
    second = page.url.rsplit("/", 1)[-1]
    record = ui_server.client.get(f"/api/v1/executions/{second}").json()
    assert record["retryOf"] == first and record["mode"] == "retry"
