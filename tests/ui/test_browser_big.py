"""A 200-node workflow opens in the browser and pans: the times are measured and printed
(the issue asks for under 1 s to open from the local server); no timing assertions."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import UiServer, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

NODES = 200


def big_workflow() -> dict[str, Any]:
    """Manual Trigger and 199 Edit Fields nodes in a 20-wide grid, each fed by the last."""
    nodes: list[dict[str, Any]] = [
        {
            "name": "Start",
            "type": "n8n-nodes-base.manualTrigger",
            "typeVersion": 1,
            "position": [0, 0],
            "parameters": {},
        }
    ]
    connections: dict[str, Any] = {}
    for i in range(1, NODES):
        name = f"Step {i}"
        nodes.append(
            {
                "name": name,
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "position": [(i % 20) * 260, (i // 20) * 160],
                "parameters": {
                    "assignments": {
                        "assignments": [
                            {"name": f"f{i}", "value": f"={{{{ {i} * 2 }}}}", "type": "number"}
                        ]
                    },
                    "options": {},
                },
            }
        )
        prev = nodes[i - 1]["name"]
        connections[prev] = {"main": [[{"node": name, "type": "main", "index": 0}]]}
    return {"name": "Two hundred nodes", "nodes": nodes, "connections": connections}


@pytest.mark.slow  # a measurement: ~15 s on a loaded 2-core machine
def test_a_200_node_workflow_opens_and_pans(page: Page, ui_server: UiServer) -> None:
    wf = ui_server.create(big_workflow())
    login(page)
    page.wait_for_load_state("networkidle")  # the app has its node types
    t0 = time.monotonic()
    page.goto(f"/#/workflow/{wf['id']}")
    expect(page.locator(".react-flow__node")).to_have_count(NODES, timeout=30_000)
    expect(page.locator(".react-flow__edge")).to_have_count(NODES - 1)
    expect(page.get_by_test_id("editor")).not_to_have_attribute("data-render-ms", "")
    opened_s = time.monotonic() - t0
    in_app_ms = int(page.get_by_test_id("editor").get_attribute("data-render-ms") or 0)

    # Pan by dragging the empty canvas; count the frames the browser drew meanwhile.
    pane = page.locator(".react-flow__pane")
    box = pane.bounding_box()
    assert box
    viewport = page.locator(".react-flow__viewport")
    before = viewport.get_attribute("style")
    page.evaluate(
        """() => { window.__frames = []; const tick = (t) => { window.__frames.push(t);
        if (window.__frames.length < 10000) requestAnimationFrame(tick); };
        requestAnimationFrame(tick); }"""
    )
    x, y = box["x"] + box["width"] / 3, box["y"] + 12  # above the fitted graph
    page.mouse.move(x, y)
    page.mouse.down()
    t1 = time.monotonic()
    for step in range(1, 61):
        page.mouse.move(x + step * 8, y + step * 4)
    page.mouse.up()
    pan_s = time.monotonic() - t1
    frames: list[float] = page.evaluate("() => window.__frames")
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    assert viewport.get_attribute("style") != before, "the canvas did not pan"
    expect(page.locator(".react-flow__node")).to_have_count(NODES)
    worst = max(gaps) if gaps else 0.0
    print(
        f"\n200-node workflow: visible in {opened_s * 1000:.0f} ms from navigation "
        f"({in_app_ms} ms in the app from route to fitted canvas); 60-step pan in "
        f"{pan_s * 1000:.0f} ms, {len(frames)} frames, worst frame gap {worst:.0f} ms"
    )
    fetches = page.evaluate(
        """() => performance.getEntriesByType('resource').filter(e => e.name.includes('/api/'))
        .map(e => [e.name.split('/api/v1/')[1], Math.round(e.startTime), Math.round(e.duration)])"""
    )
    print("API calls (name, start ms, duration ms):", fetches[-4:])
    shot(page, "big-workflow")
