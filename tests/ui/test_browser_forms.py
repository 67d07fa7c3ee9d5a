"""A hosted n8n form filled and submitted in a real browser (Debian's Chromium through
Playwright) against the real app: every field type, a file upload, the browser's own
required-field check, the completion page; the execution holds n8n's item and the file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.forms.workflows import form_workflow
from tests.ui.conftest import UiServer


def _activate(ui_server: UiServer, path: str) -> dict[str, Any]:
    wf = ui_server.create(form_workflow(path))
    r = ui_server.client.post(f"/api/v1/workflows/{wf['id']}/activate")
    assert r.status_code == 200, r.text
    return wf


def _finished(ui_server: UiServer, workflow_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = ui_server.client.get("/api/v1/executions", params={"workflowId": workflow_id})
        done = [e for e in rows.json()["data"] if e["finished"]]
        if done:
            return done
        time.sleep(0.2)
    return []


def test_a_person_fills_the_hosted_form_and_the_run_gets_their_answers(
    page: Page, ui_server: UiServer, tmp_path: Path
) -> None:
    wf = _activate(ui_server, "browser-contact")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello from the browser")
    page.goto("/form/browser-contact")  # public: no sign-in
    expect(page.get_by_role("heading", name="Contact us")).to_be_visible()

    # The browser refuses to send the form while a required field is empty.
    page.get_by_role("button").last.click()
    assert page.evaluate("document.querySelector('#field-0').validity.valueMissing")
    expect(page.get_by_role("heading", name="Contact us")).to_be_visible()  # still here
    rows = ui_server.client.get("/api/v1/executions", params={"workflowId": wf["id"]})
    assert rows.json()["data"] == []  # nothing was sent, nothing ran

    page.fill("#field-0", "Ada")
    page.fill("#field-1", "Likes maths")
    page.fill("#field-2", "ada@example.com")
    page.fill("#field-3", "36")
    page.fill("#field-4", "s3cret")
    page.fill("#field-5", "1815-12-10")
    page.select_option("#field-6", "blue")
    page.check("input[name='field-7'][value='ham']")
    page.check("input[name='field-7'][value='egg']")
    page.check("input[name='field-8'][value='L']")
    page.set_input_files("#field-9", str(notes))
    page.get_by_role("button").last.click()
    expect(page.get_by_text("Got it!")).to_be_visible()

    (execution,) = _finished(ui_server, wf["id"])
    data = ui_server.client.get(
        f"/api/v1/executions/{execution['id']}", params={"includeData": "true"}
    ).json()
    item = data["runData"]["On form submission"][0]["outputs"][0][0]
    assert {k: item[k] for k in ("Name", "Email", "Age", "Colour", "Toppings", "Size")} == {
        "Name": "Ada",
        "Email": "ada@example.com",
        "Age": 36,
        "Colour": "blue",
        "Toppings": ["ham", "egg"],
        "Size": "L",
    }
    assert item["Attachment"] == {
        "filename": "notes.txt",
        "mimetype": "text/plain",
        "size": len("hello from the browser"),
    }
    assert data["runData"]["Greet"][0]["outputs"][0][0]["greeting"] == "Hi Ada"
