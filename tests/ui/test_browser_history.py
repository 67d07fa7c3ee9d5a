"""In a real browser: paste n8n clipboard JSON onto the canvas, undo and redo, the keyboard
shortcuts, the light/dark theme, version history (diff and restore) and pinned data."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.server.helpers import manual_workflow
from tests.ui.conftest import UiServer, login, shot
from tests.ui.test_browser_editor import node, open_panel

if TYPE_CHECKING:
    from playwright.sync_api import Page

# What n8n's editor puts on the clipboard when two connected nodes are copied.
N8N_CLIPBOARD: dict[str, Any] = {
    "nodes": [
        {
            "parameters": {
                "assignments": {
                    "assignments": [{"id": "a1", "name": "from", "value": "n8n", "type": "string"}]
                },
                "options": {},
            },
            "id": "4b6f1c2e-0d3a-4e5f-9a8b-7c6d5e4f3a2b",
            "name": "Edit Fields",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "position": [460, 300],
        },
        {
            "parameters": {},
            "id": "5c7a2d3f-1e4b-4f6a-8b9c-8d7e6f5a4b3c",
            "name": "No Operation, do nothing",
            "type": "n8n-nodes-base.noOp",
            "typeVersion": 1,
            "position": [680, 300],
        },
    ],
    "connections": {
        "Edit Fields": {
            "main": [[{"node": "No Operation, do nothing", "type": "main", "index": 0}]]
        }
    },
    "pinData": {},
    "meta": {"instanceId": "cd" * 32},
}


def paste(page: Page, text: str) -> None:
    """A paste event carrying `text`, as the browser fires it for Ctrl+V (no permission)."""
    page.evaluate(
        """(text) => {
            const dt = new DataTransfer();
            dt.setData("text/plain", text);
            document.body.dispatchEvent(new ClipboardEvent(
                "paste", {clipboardData: dt, bubbles: true}
            ));
        }""",
        text,
    )


def copied(page: Page) -> str:
    """What a copy event (Ctrl+C) puts on the clipboard."""
    return str(
        page.evaluate(
            """() => {
                const dt = new DataTransfer();
                document.body.dispatchEvent(new ClipboardEvent(
                    "copy", {clipboardData: dt, bubbles: true}
                ));
                return dt.getData("text/plain");
            }"""
        )
    )


def open_workflow(page: Page, wf_id: str) -> None:
    login(page)
    page.goto(f"/#/workflow/{wf_id}")
    expect(page.get_by_test_id("editor")).to_be_visible()


def placed(doc: dict[str, Any]) -> dict[str, Any]:
    """The helper's workflow with n8n positions, as the editor saves it."""
    for i, n in enumerate(doc["nodes"]):
        n["position"] = [i * 260, 0]
    return doc


def saved(ui_server: UiServer, wf_id: str) -> dict[str, Any]:
    doc: dict[str, Any] = ui_server.client.get(f"/api/v1/workflows/{wf_id}").json()
    return doc


def test_paste_n8n_json_undo_redo_and_shortcuts(page: Page, ui_server: UiServer) -> None:
    wf_id = ui_server.create(placed(manual_workflow("Clipboard")))["id"]
    open_workflow(page, wf_id)
    expect(page.get_by_test_id("node")).to_have_count(2)  # Start, Double

    # n8n's clipboard JSON becomes nodes and their connection; a taken name gets a suffix.
    clip = json.loads(json.dumps(N8N_CLIPBOARD))
    clip["nodes"][0]["name"] = "Double"
    clip["connections"] = {"Double": clip["connections"]["Edit Fields"]}
    paste(page, json.dumps(clip))
    expect(page.get_by_test_id("notice")).to_have_text("Pasted 2 nodes")
    expect(page.get_by_test_id("node")).to_have_count(4)
    expect(node(page, "Double1")).to_be_visible()
    expect(node(page, "No Operation, do nothing")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    paste(page, "this is not n8n JSON")  # ignored: no nodes, no error
    expect(page.get_by_test_id("node")).to_have_count(4)

    # Undo takes the paste back, redo brings it again (buttons and Ctrl+Z / Ctrl+Shift+Z).
    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("node")).to_have_count(2)
    page.keyboard.press("Control+Shift+z")
    expect(page.get_by_test_id("node")).to_have_count(4)
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("node")).to_have_count(2)
    page.get_by_test_id("redo").click()
    expect(page.get_by_test_id("node")).to_have_count(4)

    # Keyboard: D disables the selected node, Delete removes it, Ctrl+Z brings it back,
    # Ctrl+A then Ctrl+C copies every node as n8n JSON, Ctrl+S saves.
    node(page, "Double1").click()
    page.keyboard.press("d")
    expect(node(page, "Double1").locator(".node-disabled-mark")).to_be_visible()
    page.keyboard.press("Delete")
    expect(node(page, "Double1")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(node(page, "Double1")).to_be_visible()
    page.keyboard.press("Control+a")
    text = copied(page)
    doc = json.loads(text)
    assert {n["name"] for n in doc["nodes"]} == {
        "Start",
        "Double",
        "Double1",
        "No Operation, do nothing",
    }
    assert doc["connections"]["Double1"]["main"][0][0]["node"] == "No Operation, do nothing"
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("save")).to_have_text("Saved")
    stored = saved(ui_server, wf_id)
    by_name = {n["name"]: n for n in stored["nodes"]}
    assert by_name["Double1"].get("disabled") is True
    assigned = by_name["Double1"]["parameters"]["assignments"]["assignments"]
    assert [(a["name"], a["value"]) for a in assigned] == [("from", "n8n")]
    assert stored["connections"]["Double1"]["main"][0][0]["node"] == "No Operation, do nothing"
    assert stored["versionId"] == "2"


def test_light_and_dark_theme_toggle_and_stick(page: Page, ui_server: UiServer) -> None:
    wf_id = ui_server.create(placed(manual_workflow("Themes")))["id"]
    open_workflow(page, wf_id)
    html = page.locator("html")
    start = html.get_attribute("data-theme")
    assert start in ("light", "dark")
    other = "dark" if start == "light" else "light"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    page.get_by_test_id("theme-toggle").click()
    expect(html).to_have_attribute("data-theme", other)
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != background
    page.reload()
    expect(page.get_by_test_id("editor")).to_be_visible()
    expect(html).to_have_attribute("data-theme", other)  # kept across visits
    if other == "dark":
        shot(page, "editor-dark")
    page.get_by_test_id("theme-toggle").click()
    expect(html).to_have_attribute("data-theme", start)


def test_version_history_shows_a_diff_and_restores(page: Page, ui_server: UiServer) -> None:
    first = placed(manual_workflow("Versioned"))
    wf_id = ui_server.create(first)["id"]
    second = json.loads(json.dumps(first))
    second["name"] = "Versioned, edited"
    second["nodes"][1]["parameters"]["assignments"]["assignments"][0]["name"] = "twice"
    second["nodes"].append(
        {"name": "Later", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [500, 0]}
    )
    second["connections"]["Double"] = {"main": [[{"node": "Later", "type": "main", "index": 0}]]}
    r = ui_server.client.put(f"/api/v1/workflows/{wf_id}", json=second)
    assert r.status_code == 200, r.text

    open_workflow(page, wf_id)
    page.get_by_test_id("versions").click()
    panel = page.get_by_test_id("versions-panel")
    expect(panel.get_by_test_id("version")).to_have_count(2)
    panel.locator('[data-testid="version"][data-version="1"]').click()
    diff = panel.get_by_test_id("version-diff")
    expect(diff).to_contain_text("node Later")  # added since v1
    expect(diff).to_contain_text("Double → Later")
    expect(diff).to_contain_text('parameters.assignments.assignments.0.name: "double" → "twice"')
    expect(diff).to_contain_text('"Versioned" → "Versioned, edited"')
    added = diff.locator('[data-testid="version-change"][data-kind="added"]')
    expect(added).to_have_count(2)  # the node and its connection
    page.locator(".react-flow__controls-fitview").click()
    shot(page, "version-history")

    diff.get_by_test_id("version-restore").click()
    expect(page.get_by_test_id("notice")).to_have_text("Restored as v3")
    expect(page.get_by_test_id("node")).to_have_count(2)
    expect(node(page, "Later")).to_have_count(0)
    expect(page.get_by_test_id("workflow-name")).to_have_value("Versioned")
    expect(panel.get_by_test_id("version")).to_have_count(3)
    stored = saved(ui_server, wf_id)
    assert stored["versionId"] == "3" and [n["name"] for n in stored["nodes"]] == [
        "Start",
        "Double",
    ]
    audit = ui_server.client.get(
        "/api/v1/audit", params={"action": "workflow.version_restored"}
    ).json()["data"]
    assert [e["details"]["restoredVersion"] for e in audit if e["targetId"] == wf_id] == [1]
    # v1 against the restored current: the same document.
    panel.locator('[data-testid="version"][data-version="1"]').click()
    expect(panel.get_by_test_id("version-same")).to_be_visible()


def test_pin_a_nodes_output_and_manual_runs_use_it(page: Page, ui_server: UiServer) -> None:
    doc = placed(manual_workflow("Pinned"))
    # The editor's run has no input items: a value that needs none.
    doc["nodes"][1]["parameters"]["assignments"]["assignments"][0]["value"] = "={{ 21 * 2 }}"
    wf_id = ui_server.create(doc)["id"]
    open_workflow(page, wf_id)
    page.get_by_test_id("execute").click()
    expect(page.get_by_test_id("run-status")).to_have_text("success", timeout=30_000)

    panel = open_panel(page, "Double")
    expect(panel.get_by_test_id("pin")).to_be_enabled()
    panel.get_by_test_id("pin").click()
    expect(panel.get_by_test_id("output-pinned")).to_contain_text("1 item")
    shot(page, "pin-data")
    panel.get_by_test_id("node-panel-close").click()
    expect(node(page, "Double").get_by_test_id("node-pinned")).to_be_visible()
    expect(node(page, "Start").get_by_test_id("node-pinned")).to_have_count(0)
    page.locator(".react-flow__controls-fitview").click()
    shot(page, "pin-data-canvas")
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("save")).to_have_text("Saved")
    stored = saved(ui_server, wf_id)
    assert list(stored["pinData"]) == ["Double"]
    pinned_items = stored["pinData"]["Double"]
    assert len(pinned_items) == 1 and "double" in pinned_items[0]["json"]

    # Edit the pinned items through the API so a run shows which output it used.
    stored["pinData"]["Double"] = [{"json": {"from": "pin"}}, {"json": {"from": "pin"}}]
    for key in ("versionId", "createdAt", "updatedAt", "shared"):
        stored.pop(key, None)
    assert ui_server.client.put(f"/api/v1/workflows/{wf_id}", json=stored).status_code == 200
    page.reload()
    expect(node(page, "Double").get_by_test_id("node-pinned")).to_be_visible()
    page.get_by_test_id("execute").click()
    expect(page.get_by_test_id("run-status")).to_have_text("success", timeout=30_000)
    expect(node(page, "Double").get_by_test_id("node-count")).to_have_text(re.compile(r"✓\s*2"))
    panel = open_panel(page, "Double")
    expect(panel.get_by_test_id("output-items")).to_contain_text("pin")

    # Unpin: the next manual run runs the node again (one item in, one out).
    panel.get_by_test_id("unpin").click()
    expect(panel.get_by_test_id("pin")).to_be_visible()
    panel.get_by_test_id("node-panel-close").click()
    expect(node(page, "Double").get_by_test_id("node-pinned")).to_have_count(0)
    page.get_by_test_id("execute").click()  # saves first
    expect(page.get_by_test_id("run-status")).to_have_text("success", timeout=30_000)
    expect(node(page, "Double").get_by_test_id("node-count")).to_have_text(re.compile(r"✓\s*1"))
    assert saved(ui_server, wf_id).get("pinData") in ({}, None)


def test_nodes_without_positions_are_laid_out_apart(page: Page, ui_server: UiServer) -> None:
    doc = manual_workflow("No positions")  # as the API takes it: no node has a position
    doc["nodes"].append({"name": "After", "type": "n8n-nodes-base.noOp", "typeVersion": 1})
    doc["connections"]["Double"] = {"main": [[{"node": "After", "type": "main", "index": 0}]]}
    wf_id = ui_server.create(doc)["id"]
    open_workflow(page, wf_id)
    expect(page.get_by_test_id("node")).to_have_count(3)
    boxes = {name: node(page, name).bounding_box() for name in ("Start", "Double", "After")}
    assert all(boxes.values())
    xs = [boxes[name]["x"] for name in ("Start", "Double", "After")]  # type: ignore[index]
    assert xs == sorted(xs) and len(set(xs)) == 3  # left to right along the connections
