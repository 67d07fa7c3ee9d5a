"""Hosted forms and chats on the real server: pages, submissions, validation, files,
multi-page forms through Form nodes, and n8n's chat protocol."""

from __future__ import annotations

from typing import Any

import pytest

from tests.forms.workflows import chat_workflow, form_workflow, two_page_workflow
from tests.server.helpers import Server

pytestmark = pytest.mark.slow

GOOD = {
    "field-0": "  Ada ",
    "field-1": "Likes maths",
    "field-2": "ada@example.com",
    "field-3": "36",
    "field-4": "s3cret",
    "field-5": "1815-12-10",
    "field-6": "blue",
    "field-7": ["ham", "egg"],
    "field-8": "L",
}


def _runs(server: Server, workflow_id: str, count: int = 1) -> list[dict[str, Any]]:
    def finished() -> list[dict[str, Any]] | None:
        r = server.client.get("/api/v1/executions", params={"workflowId": workflow_id})
        rows = [e for e in r.json()["data"] if e["status"] in ("success", "error", "waiting")]
        return rows if len(rows) >= count else None

    rows: list[dict[str, Any]] = server.wait_for(finished)
    return rows


def _data(server: Server, execution_id: str) -> dict[str, Any]:
    r = server.client.get(f"/api/v1/executions/{execution_id}", params={"includeData": "true"})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def test_the_form_page_shows_every_field_type(server: Server) -> None:
    server.create(form_workflow("contact-page"), activate=True)
    r = server.client.get("/form/contact-page", params={"Name": "Bob"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<h1>Contact us</h1>" in page and "get back to you" in page
    for snippet in (
        'type="text" id="field-0" name="field-0" value="Bob" placeholder="your name" required',
        '<textarea id="field-1"',
        'type="email" id="field-2"',
        'type="number" id="field-3"',
        'type="password" id="field-4"',
        'type="date" id="field-5"',
        '<select id="field-6" name="field-6">',
        'type="checkbox" id="option1_field-7" name="field-7" value="olives"',
        'type="radio" id="option0_field-8" name="field-8" value="S"',
        'type="file" id="field-9" name="field-9"',
        'type="hidden" name="field-10" value="web"',
        "<p>Thanks <b>a lot</b></p>",
    ):
        assert snippet in page, snippet
    assert "<script>alert" not in page


def test_a_submission_becomes_n8ns_item_with_the_file_as_binary(server: Server) -> None:
    wf = server.create(form_workflow("contact-post"), activate=True)
    files = {"field-9": ("notes.txt", b"hello file", "text/plain")}
    r = server.client.post("/form/contact-post", data=GOOD, files=files)
    assert r.status_code == 200, r.text
    assert "Got it!" in r.text
    (execution,) = _runs(server, wf["id"])
    data = _data(server, execution["id"])
    item = data["runData"]["On form submission"][0]["outputs"][0][0]
    submitted_at = item.pop("submittedAt")
    assert submitted_at[:2] in ("19", "20") and "T" in submitted_at
    assert item == {
        "Name": "Ada",
        "About": "Likes maths",
        "Email": "ada@example.com",
        "Age": 36,
        "Secret": "s3cret",
        "Birthday": "1815-12-10",
        "Colour": "blue",
        "Toppings": ["ham", "egg"],
        "Size": "L",
        "Attachment": {"filename": "notes.txt", "mimetype": "text/plain", "size": 10},
        "source": "web",
        "formMode": "production",
    }
    assert data["runData"]["Greet"][0]["outputs"][0][0]["greeting"] == "Hi Ada"


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"field-0": "  "}, "Name", "is required"),
        ({"field-2": "not-an-email"}, "Email", "not an email address"),
        ({"field-3": "lots"}, "Age", "not a number"),
        ({"field-6": "green"}, "Colour", "not one of the options"),
    ],
)
def test_a_bad_submission_gets_422_naming_the_field_and_runs_nothing(
    server: Server, change: dict[str, str], field: str, problem: str
) -> None:
    path = f"bad-{field.lower()}"
    wf = server.create(form_workflow(path), activate=True)
    r = server.client.post(f"/form/{path}", data={**GOOD, **change})
    assert r.status_code == 422, r.text
    assert f"{field}: " in r.text and problem in r.text
    assert 'value="ada@example.com"' in r.text or field == "Email"  # what was typed stays
    listed = server.client.get("/api/v1/executions", params={"workflowId": wf["id"]}).json()
    assert listed["data"] == []


def test_unknown_form_paths_are_404_and_inactive_forms_are_not_served(server: Server) -> None:
    server.create(form_workflow("never-activated"))
    assert server.client.get("/form/never-activated").status_code == 404
    assert server.client.post("/form/nowhere", data=GOOD).status_code == 404


def test_a_two_page_form_waits_for_its_second_page_and_ends_on_its_completion(
    server: Server,
) -> None:
    wf = server.create(two_page_workflow("two-pages"), activate=True)
    r = server.client.post("/form/two-pages", data={"field-0": "Ada"})
    assert r.status_code == 303, r.text
    next_url = r.headers["location"]
    assert next_url.startswith("/form-waiting/")
    page = server.client.get(next_url)
    assert page.status_code == 200 and "<h1>Hello Ada</h1>" in page.text
    assert 'value="pie"' in page.text

    bad = server.client.post(next_url, data={"field-0": "cake"})
    assert bad.status_code == 422 and "Dish: " in bad.text
    done = server.client.post(next_url, data={"field-0": "pie"})
    assert done.status_code == 200, done.text
    assert "Enjoy the pie" in done.text and "See you soon" in done.text
    again = server.client.post(next_url, data={"field-0": "soup"})
    assert again.status_code == 409

    (execution,) = _runs(server, wf["id"])
    data = server.wait_for(
        lambda: (d := _data(server, execution["id"]))["status"] == "success" and d
    )
    second = data["runData"]["Second page"][0]["outputs"][0][0]
    assert second["Dish"] == "pie" and second["formMode"] == "production"
    first = data["runData"]["On form submission"][0]["outputs"][0][0]
    assert first["Name"] == "Ada"


def test_the_hosted_chat_page_and_n8ns_chat_protocol(server: Server) -> None:
    wf = server.create(chat_workflow("chat-hook-1"), activate=True)
    page = server.client.get("/webhook/chat-hook-1/chat")
    assert page.status_code == 200 and "Hello there!" in page.text
    assert '"webhookUrl": "/webhook/chat-hook-1/chat"' in page.text
    body = {"action": "sendMessage", "sessionId": "s-1", "chatInput": "ping"}
    r = server.client.post("/webhook/chat-hook-1/chat", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"output": "echo: ping", "session": "s-1"}
    (execution,) = _runs(server, wf["id"])
    item = _data(server, execution["id"])["runData"]["When chat message received"][0]
    assert item["outputs"][0][0] == body
    previous = server.client.post(
        "/webhook/chat-hook-1/chat", json={"action": "loadPreviousSession", "sessionId": "s-1"}
    )
    assert previous.json() == {"data": []}


def test_chat_streaming_answers_in_n8ns_chunks(server: Server) -> None:
    server.create(
        chat_workflow("chat-hook-2", options={"responseMode": "streaming"}), activate=True
    )
    body = {"action": "sendMessage", "sessionId": "s-2", "chatInput": "hi"}
    r = server.client.post("/webhook/chat-hook-2/chat", json=body)
    assert r.status_code == 200
    import json

    chunks = [json.loads(line) for line in r.text.splitlines() if line.strip()]
    assert [c["type"] for c in chunks] == ["begin", "item", "end"]
    assert chunks[1]["content"] == "echo: hi"


def test_private_chats_are_404_and_basic_auth_chats_challenge(server: Server) -> None:
    server.create(chat_workflow("chat-private", public=False), activate=True)
    assert server.client.get("/webhook/chat-private/chat").status_code == 404
    server.create(chat_workflow("chat-locked", authentication="basicAuth"), activate=True)
    r = server.client.get("/webhook/chat-locked/chat")
    assert r.status_code in (401, 403)
    assert "Hello there!" not in r.text
