"""In a real browser: log in, build Manual Trigger -> Edit Fields -> If by mouse and
keyboard (palette, dragging a connection, a parameter with an expression), run it, and
see the nodes' statuses, the item counts on the edges and the output items."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.ui.conftest import UiServer, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def node(page: Page, name: str) -> Locator:
    return page.locator(f'[data-testid="node"][data-name="{name}"]')


def open_panel(page: Page, name: str) -> Locator:
    """Double-click a node until its panel shows (a re-render may swallow one)."""
    panel = page.get_by_test_id("node-panel")
    for _ in range(5):
        node(page, name).dblclick()
        try:
            panel.wait_for(timeout=2_000)
            return panel
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the panel of {name!r} did not open")


def add_from_palette(page: Page, search: str, type_: str) -> None:
    page.keyboard.press("Tab")  # the palette's shortcut (n8n's too)
    page.get_by_test_id("palette-search").fill(search)
    first = page.get_by_test_id("palette-item").first
    expect(first).to_have_attribute("data-type", type_)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("palette")).to_have_count(0)


def drag(page: Page, source: Locator, target: Locator) -> None:
    a = source.bounding_box()
    b = target.bounding_box()
    assert a and b
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=12)
    page.mouse.up()


def test_login_rejects_a_wrong_password_then_signs_in(page: Page, ui_server: UiServer) -> None:
    page.goto("/")
    page.get_by_test_id("login-email").fill("owner@localhost")
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    shot(page, "login")
    login(page)
    expect(page.get_by_test_id("current-user")).to_contain_text("owner@localhost")
    expect(page.get_by_test_id("workflow-list")).to_be_visible()


def test_build_a_workflow_by_mouse_and_keyboard_and_run_it(page: Page, ui_server: UiServer) -> None:
    login(page)
    page.get_by_test_id("new-workflow-name").fill("Built in the browser")
    page.get_by_test_id("create-workflow").click()
    expect(page.get_by_test_id("editor")).to_be_visible()
    expect(page.get_by_test_id("workflow-name")).to_have_value("Built in the browser")
    canvas = page.locator(".react-flow__pane")

    # Manual Trigger, then Edit Fields: a node added while one is selected lands to its
    # right, connected to it.
    add_from_palette(page, "manual", "hetumind.manualTrigger")
    expect(node(page, "Manual Trigger")).to_be_visible()
    add_from_palette(page, "edit fields", "hetumind.set")
    expect(node(page, "Edit Fields (Set)")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    # If with nothing selected (a click on the empty canvas), moved by mouse, then
    # connected by dragging from Edit Fields' output to its input.
    canvas.click(position={"x": 60, "y": 60})
    add_from_palette(page, "if", "hetumind.if")
    if_node = node(page, "If")
    box = if_node.bounding_box()
    set_box = node(page, "Edit Fields (Set)").bounding_box()
    assert box and set_box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(
        set_box["x"] + set_box["width"] + 80 + box["width"] / 2,
        set_box["y"] + set_box["height"] + 60,
        steps=10,
    )
    page.mouse.up()
    drag(
        page,
        node(page, "Edit Fields (Set)").get_by_test_id("out-0"),
        if_node.get_by_test_id("in-0"),
    )
    expect(page.locator(".react-flow__edge")).to_have_count(2)

    # Edit Fields: one field whose value is an expression (highlighted as such).
    panel = open_panel(page, "Edit Fields (Set)")
    panel.get_by_test_id("assignment-add").click()
    panel.get_by_test_id("assignment-name-0").fill("greeting")
    panel.get_by_test_id("assignment-value-0").fill("=Hello {{ 'wor' + 'ld' }}")
    expect(panel.get_by_test_id("expression-preview")).to_contain_text("{{ 'wor' + 'ld' }}")
    shot(page, "node-panel")
    panel.get_by_test_id("node-panel-close").click()

    # If: greeting equals "Hello world", by the form.
    open_panel(page, "If")
    panel.get_by_test_id("condition-add").click()
    panel.get_by_test_id("condition-left-0").fill("={{ $json.greeting }}")
    panel.get_by_test_id("condition-right-0").fill("Hello world")
    panel.press("Escape")
    expect(panel).to_have_count(0)

    # Ctrl+S saves; the run follows the live stream, then shows every node's data.
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("save")).to_have_text("Saved")
    page.get_by_test_id("execute").click()
    expect(page.get_by_test_id("run-status")).to_have_text("success", timeout=30_000)
    for name in ("Manual Trigger", "Edit Fields (Set)", "If"):
        expect(node(page, name)).to_have_attribute("data-status", "success")
    expect(node(page, "Edit Fields (Set)").get_by_test_id("node-count")).to_have_text(
        re.compile(r"✓\s*1")
    )
    expect(page.locator(".react-flow__edge-text").first).to_have_text("1 item")
    page.locator(".react-flow__controls-fitview").click()  # the whole graph in view
    shot(page, "editor-run")

    open_panel(page, "If")
    expect(panel.get_by_test_id("input-items-count")).to_have_text("1 item")
    expect(panel.get_by_test_id("output-items")).to_contain_text("Hello world")
    expect(panel.get_by_test_id("output-port")).to_have_value("0")  # the true output
    panel.get_by_test_id("node-panel-close").click()

    # What the browser saved is a plain n8n document the engine ran as built.
    wf_id = page.url.rsplit("/", 1)[-1]
    doc = ui_server.client.get(f"/api/v1/workflows/{wf_id}").json()
    by_name = {n["name"]: n for n in doc["nodes"]}
    assert set(by_name) == {"Manual Trigger", "Edit Fields (Set)", "If"}
    assigned = by_name["Edit Fields (Set)"]["parameters"]["assignments"]["assignments"]
    assert [(a["name"], a["value"]) for a in assigned] == [
        ("greeting", "=Hello {{ 'wor' + 'ld' }}")
    ]
    assert doc["connections"]["Manual Trigger"]["main"][0][0]["node"] == "Edit Fields (Set)"
    assert doc["connections"]["Edit Fields (Set)"]["main"][0][0]["node"] == "If"
