"""Gmail Trigger 1, 1.1 and 1.2 against the fake Gmail API: the first poll starts from
the moment it runs, later polls ask Gmail for what came after the newest message seen
(`after:`), possibleDuplicates drop messages seen at that second, a manual run shows the
newest message without moving the state, drafts are left out from 1.2, raw output with
attachments, and a failing poll after the first is logged rather than raised."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from hetumind.binary import read_binary
from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.gmail_trigger import GmailTrigger
from hetumind.workflow import Node as WorkflowNode
from tests.fakes._base import serving
from tests.fakes.fake_gmail import FakeGmail
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.google.conftest import oauth_creds

NAME = "Gmail Trigger"


@pytest.fixture(scope="module")
def gmail_api(google_token: FakeGoogleToken) -> Iterator[FakeGmail]:
    with serving(FakeGmail(google_token)) as fake:
        yield fake


@pytest.fixture
def gmail(gmail_api: FakeGmail) -> FakeGmail:
    gmail_api.reset()
    gmail_api.rate_limit(0)
    return gmail_api


def mail(subject: str, attachment: bytes | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.org>"
    msg["To"] = "me@example.com"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
    msg.set_content(f"body of {subject}")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="a.pdf")
    return msg


class Poller:
    """Polls as the scheduler does: one context per poll, static data carried over."""

    def __init__(self, gmail: FakeGmail, token: FakeGoogleToken, version: float = 1.2) -> None:
        self.creds = oauth_creds("gmailOAuth2", token, gmail.url)
        self.version = version
        self.static: dict[str, Any] = {}

    def poll(
        self, params: dict[str, Any] | None = None, *, mode: str = "trigger"
    ) -> list[dict[str, Any]]:
        node = WorkflowNode(
            name=NAME,
            type="n8n-nodes-base.gmailTrigger",
            typeVersion=self.version,
            parameters=dict(params or {}),
            credentials=self.creds,
        )
        info = ExecutionInfo(
            execution_id="poll",
            workflow_id="wf",
            workflow_name="t",
            mode=mode,
            static_data={k: dict(v) for k, v in self.static.items()},
        )
        ctx = NodeRunContext(
            node,
            [],
            run_index=0,
            info=info,
            state={},
            references={},
            continue_on_fail=False,
            vectorize=True,
        )
        out = GmailTrigger().run(ctx, [])[0].to_items()
        self.static[f"node:{NAME}"] = ctx.static_data("node")
        return out

    @property
    def state(self) -> dict[str, Any]:
        data = self.static.get(f"node:{NAME}") or {}
        return dict(data.get(NAME) or {}) if self.version > 1 else dict(data)


def listed_q(gmail: FakeGmail) -> str:
    calls = [r for r in gmail.log if r.path.endswith("/users/me/messages")]
    return calls[-1].query.get("q", "")


def test_first_poll_then_new_messages(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    gmail.add_message(mail("history"), internal_s=time.time() - 3600)
    poller = Poller(gmail, google_token)
    before = int(time.time())
    assert poller.poll() == []  # the mailbox's history starts nothing
    checked = poller.state["lastTimeChecked"]
    assert before <= checked <= time.time() + 1
    assert listed_q(gmail) == f"after:{checked}"

    fresh = gmail.add_message(mail("fresh"), internal_s=checked + 5)
    out = poller.poll()
    assert [o["json"]["id"] for o in out] == [fresh]
    assert out[0]["json"]["Subject"] == "fresh"
    assert out[0]["json"]["labels"] == [
        {"id": "INBOX", "name": "INBOX"},
        {"id": "UNREAD", "name": "UNREAD"},
    ]
    assert poller.state["lastTimeChecked"] == checked + 5
    assert poller.state["possibleDuplicates"] == [fresh]
    assert poller.poll() == []  # nothing after the newest one


def test_possible_duplicates_are_dropped(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    at = int(time.time()) - 100
    seen = gmail.add_message(mail("seen"), internal_s=at)
    other = gmail.add_message(mail("same second"), internal_s=at)
    poller = Poller(gmail, google_token, version=1)
    poller.static = {f"node:{NAME}": {"lastTimeChecked": at - 1, "possibleDuplicates": [seen]}}
    out = poller.poll({"filters": {"readStatus": "both"}})
    assert [o["json"]["id"] for o in out] == [other]
    assert sorted(poller.state["possibleDuplicates"]) == sorted([seen, other])
    assert poller.state["lastTimeChecked"] == at
    assert listed_q(gmail) == f"after:{at - 1}"


def test_manual_run_shows_newest_and_keeps_state(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    gmail.add_message(mail("older"), internal_s=1_700_000_000)
    newest = gmail.add_message(mail("newest"), internal_s=1_700_000_500)
    poller = Poller(gmail, google_token)
    poller.static = {f"node:{NAME}": {NAME: {"lastTimeChecked": 1_800_000_000}}}
    out = poller.poll(mode="manual")
    assert [o["json"]["id"] for o in out] == [newest]
    listed = [r for r in gmail.log if r.path.endswith("/users/me/messages")][-1]
    assert listed.query["maxResults"] == "1" and "after:" not in listed.query.get("q", "")
    assert poller.state == {"lastTimeChecked": 1_800_000_000}


@pytest.mark.parametrize(("version", "shown"), [(1.1, True), (1.2, False)])
def test_drafts_left_out_from_1_2(
    gmail: FakeGmail, google_token: FakeGoogleToken, version: float, shown: bool
) -> None:
    draft = gmail.add_message(mail("draft"), ["DRAFT"], internal_s=time.time() - 10)
    poller = Poller(gmail, google_token, version=version)
    out = poller.poll({"filters": {"readStatus": "both"}}, mode="manual")
    assert [o["json"]["id"] for o in out] == ([draft] if shown else [])


def test_raw_output_with_attachments(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    msg_id = gmail.add_message(mail("with file", b"%PDF-1"), internal_s=time.time() - 5)
    poller = Poller(gmail, google_token)
    poller.static = {f"node:{NAME}": {NAME: {"lastTimeChecked": int(time.time()) - 60}}}
    params = {
        "simple": False,
        "filters": {"q": "has:attachment", "readStatus": "both"},
        "options": {"downloadAttachments": True},
    }
    (item,) = poller.poll(params)
    assert item["json"]["id"] == msg_id and item["json"]["subject"] == "with file"
    assert read_binary(item["binary"]["attachment_0"]) == b"%PDF-1"
    assert item["binary"]["attachment_0"]["mimeType"] == "application/pdf"
    # the raw item's time is the mail's Date header (mailparser's `date`)
    assert poller.state["lastTimeChecked"] == 1_704_103_200


def test_failures(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    poller = Poller(gmail, google_token)
    gmail.rate_limit(10, retry_after=0)
    with pytest.raises(NodeExecutionError, match="too many requests"):
        poller.poll()  # the first poll fails loudly
    poller.static = {f"node:{NAME}": {NAME: {"lastTimeChecked": 1_700_000_000}}}
    assert poller.poll() == []  # later ones are logged and start nothing
    assert poller.state["lastTimeChecked"] == 1_700_000_000
    gmail.rate_limit(0)


def test_scheduler_items_pass_through(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    node = WorkflowNode(name=NAME, type="n8n-nodes-base.gmailTrigger", typeVersion=1.2)
    ctx = NodeRunContext(
        node,
        [],
        run_index=0,
        info=ExecutionInfo(execution_id="x", workflow_id=None, workflow_name="t", mode="trigger"),
        state={},
        references={},
        continue_on_fail=False,
        vectorize=True,
    )
    found = ItemBatch.from_json([{"id": "abc"}])
    assert GmailTrigger().run(ctx, [found])[0].to_items()[0]["json"] == {"id": "abc"}
    assert gmail.log == []
