"""Email Trigger (IMAP) against Debian's dovecot on a free loopback port (see dovecot.py)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from hetumind.binary import read_binary
from hetumind.capabilities import Capabilities
from hetumind.engine.context import STATIC_DATA_KEY, ExecutionInfo, NodeRunContext
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.email_read_imap import EmailReadImap
from hetumind.nodes.polling import POLL_MODE
from hetumind.workflow import Node as WorkflowNode
from tests.nodes.protocols.dovecot import ImapServer
from tests.nodes.protocols.helpers import RESTRICTED, free_port


def mail(subject: str, *, attach: bytes | None = None, html: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ann <ann@example.test>"
    msg["To"] = "bob@example.test"
    msg["Cc"] = "cy@example.test"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 02 Jan 2024 03:04:05 +0000"
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@example.test>"
    msg["X-Custom"] = "yes"
    msg.set_content(f"plain body of {subject}")
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if attach is not None:
        msg.add_attachment(attach, maintype="application", subtype="pdf", filename="doc.pdf")
    return msg.as_bytes().replace(b"\n", b"\r\n")


def poll(
    server: ImapServer,
    parameters: dict[str, Any],
    *,
    static: dict[str, Any] | None = None,
    mode: str = POLL_MODE,
    version: float = 2.1,
    credential: dict[str, Any] | None = None,
    capabilities: Capabilities | None = None,
) -> list[dict[str, Any]]:
    node = WorkflowNode(
        name="IMAP",
        type="n8n-nodes-base.emailReadImap",
        typeVersion=version,
        parameters=parameters,
        credentials={"imap": {"id": "i", "name": "i", "data": credential or server.credential()}},
    )
    info = ExecutionInfo(
        execution_id="t",
        workflow_id=None,
        workflow_name="t",
        mode=mode,
        static_data=static if static is not None else {},
        capabilities=capabilities or Capabilities.local(),
    )
    extra: dict[str, Any] = {}
    ctx = NodeRunContext(
        node,
        [],
        run_index=0,
        info=info,
        state={},
        references={},
        continue_on_fail=False,
        vectorize=True,
        extra=extra,
    )
    (out,) = EmailReadImap().run(ctx, [ItemBatch.empty()])
    if static is not None:  # what the engine keeps between executions
        static.update(extra.get(STATIC_DATA_KEY, {}))
    return out.to_items()


def test_simple_format_marks_read_and_remembers_the_last_uid(imap_server: ImapServer) -> None:
    imap_server.reset(mail("first"), mail("second", html="<b>hi</b>"))
    static: dict[str, Any] = {}
    items = poll(imap_server, {"format": "simple"}, static=static)
    first, second = (i["json"] for i in items)
    assert first["subject"] == "first"
    assert first["from"] == "Ann <ann@example.test>"
    assert first["to"] == "bob@example.test" and first["cc"] == "cy@example.test"
    assert first["textPlain"].strip() == "plain body of first"
    assert first["metadata"]["x-custom"] == "yes"
    assert first["attributes"] == {"uid": 1}
    assert second["textHtml"].strip() == "<b>hi</b>"
    assert static["node:IMAP"] == {"lastMessageUid": 2}
    assert imap_server.seen() == [1, 2]
    assert poll(imap_server, {"format": "simple"}, static=static) == []


def test_nothing_action_and_uid_watermark(imap_server: ImapServer) -> None:
    imap_server.reset(mail("a"), mail("b"))
    static: dict[str, Any] = {}
    params = {"postProcessAction": "nothing", "format": "simple"}
    assert len(poll(imap_server, params, static=static)) == 2
    assert imap_server.seen() == []
    # still unseen, but already returned: the watermark keeps them out
    assert poll(imap_server, params, static=static) == []


def test_resolved_format_with_attachment(imap_server: ImapServer) -> None:
    imap_server.reset(mail("with file", attach=b"%PDF-1"))
    (item,) = poll(imap_server, {"format": "resolved"})
    json_out = item["json"]
    assert json_out["subject"] == "with file"
    assert json_out["from"]["value"] == [{"address": "ann@example.test", "name": "Ann"}]
    assert json_out["messageId"] == "<with-file@example.test>"
    assert json_out["text"].strip() == "plain body of with file"
    assert json_out["date"].startswith("2024-01-02")
    assert json_out["headers"]["x-custom"] == "X-Custom: yes"
    entry = item["binary"]["attachment_0"]
    assert entry["fileName"] == "doc.pdf" and read_binary(entry) == b"%PDF-1"


def test_simple_download_attachments_and_raw_format(imap_server: ImapServer) -> None:
    imap_server.reset(mail("att", attach=b"xyz"))
    (item,) = poll(
        imap_server,
        {
            "format": "simple",
            "downloadAttachments": True,
            "postProcessAction": "nothing",
            "dataPropertyAttachmentsPrefixName": "file_",
        },
    )
    assert read_binary(item["binary"]["file_0"]) == b"xyz"
    (raw,) = poll(imap_server, {"format": "raw"})
    assert "plain body of att" in raw["json"]["raw"]
    assert "Subject:" not in raw["json"]["raw"]


def test_custom_search_criteria_and_manual_run(imap_server: ImapServer) -> None:
    imap_server.reset(mail("keep me"), mail("other"))
    params = {
        "format": "simple",
        "options": {"customEmailConfig": '["UNSEEN", ["SUBJECT", "keep"]]'},
    }
    items = poll(imap_server, params, mode="manual")
    assert [i["json"]["subject"] for i in items] == ["keep me"]
    assert imap_server.seen() == []  # a manual run marks nothing
    with pytest.raises(NodeExecutionError, match="not valid JSON"):
        poll(imap_server, {"options": {"customEmailConfig": "[nope"}})


def test_bad_password_refused_and_policy(imap_server: ImapServer) -> None:
    with pytest.raises(NodeExecutionError, match="AUTHENTICATIONFAILED") as caught:
        poll(imap_server, {}, credential=imap_server.credential(password="wrong"))
    assert caught.value.node == "IMAP"
    with pytest.raises(NodeExecutionError, match="ECONNREFUSED"):
        poll(imap_server, {}, credential=imap_server.credential(port=free_port()))
    with pytest.raises(NodeExecutionError, match="not allowed"):
        poll(imap_server, {}, capabilities=RESTRICTED)
