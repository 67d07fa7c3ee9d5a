"""Send Email against a real SMTP server (aiosmtpd on loopback, see conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.binary import put_binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.email_send import EmailSend
from tests.nodes.protocols.conftest import Received, SmtpServer
from tests.nodes.protocols.helpers import RESTRICTED, free_port, run_node

TYPE = "n8n-nodes-base.emailSend"


def send(
    server: SmtpServer,
    parameters: dict[str, Any],
    items: list[dict[str, Any]] | ItemBatch | None = None,
    *,
    version: float = 2.1,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    credential = kwargs.pop("credential", server.credential())
    (out,) = run_node(
        EmailSend(),
        parameters,
        items,
        node_type=TYPE,
        version=version,
        credentials={"smtp": credential},
        name="Send Email",
        **kwargs,
    )
    return out.to_json()


def test_v2_text_with_cc_bcc_reply_to(smtp_server: SmtpServer, inbox: list[Received]) -> None:
    out = send(
        smtp_server,
        {
            "fromEmail": "Nathan Doe <nate@example.test>",
            "toEmail": "={{ $json.to }}",
            "subject": "Hello {{ $json.name }}",
            "emailFormat": "text",
            "text": "=Hi {{ $json.name }}",
            "options": {
                "ccEmail": "cc@example.test",
                "bccEmail": "hidden@example.test",
                "replyTo": "reply@example.test",
                "appendAttribution": False,
            },
        },
        [{"to": "ann@example.test", "name": "Ann"}],
        version=2,
    )
    assert out[0]["accepted"] == ["ann@example.test", "cc@example.test", "hidden@example.test"]
    assert out[0]["rejected"] == []
    assert out[0]["response"].startswith("250 Message accepted")
    assert out[0]["envelope"] == {
        "from": "nate@example.test",
        "to": ["ann@example.test", "cc@example.test", "hidden@example.test"],
    }
    (got,) = inbox
    assert got.sender == "nate@example.test"
    assert got.message["From"] == "Nathan Doe <nate@example.test>"
    assert got.message["To"] == "ann@example.test"
    assert got.message["Cc"] == "cc@example.test"
    assert got.message["Bcc"] is None  # the envelope carries it, never the headers
    assert got.message["Reply-To"] == "reply@example.test"
    assert got.message["Subject"] == "Hello {{ $json.name }}"  # no = prefix: literal
    assert got.message["Message-ID"] == out[0]["messageId"]
    assert got.message.get_content_type() == "text/plain"
    assert got.message.get_payload(decode=True).decode().strip() == "Hi Ann"


def test_v21_html_gets_attribution_and_attachment(
    smtp_server: SmtpServer, inbox: list[Received]
) -> None:
    entry = put_binary(b"%PDF-1.4 tiny", mime_type="application/pdf", file_name="r.pdf")
    batch = ItemBatch.from_json([{"n": 1}], binary=[{"report": entry}])
    send(
        smtp_server,
        {
            "fromEmail": "a@example.test",
            "toEmail": "b@example.test",
            "subject": "Report",
            "emailFormat": "html",
            "html": "<p>See attached</p>",
            "options": {"attachments": "report"},
        },
        batch,
    )
    (got,) = inbox
    assert got.message.get_content_type() == "multipart/mixed"
    parts = list(got.message.walk())
    html = next(p for p in parts if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert "<p>See attached</p>" in body
    assert "This email was sent automatically with" in body
    pdf = next(p for p in parts if p.get_content_type() == "application/pdf")
    assert pdf.get_filename() == "r.pdf"
    assert pdf["Content-ID"] == "<report>"
    assert pdf.get_payload(decode=True) == b"%PDF-1.4 tiny"


def test_v2_both_formats_is_alternative(smtp_server: SmtpServer, inbox: list[Received]) -> None:
    send(
        smtp_server,
        {
            "fromEmail": "a@example.test",
            "toEmail": "b@example.test, c@example.test",
            "subject": "Both",
            "emailFormat": "both",
            "text": "plain",
            "html": "<b>rich</b>",
            "options": {"appendAttribution": False},
        },
    )
    (got,) = inbox
    assert got.recipients == ["b@example.test", "c@example.test"]
    assert got.message.get_content_type() == "multipart/alternative"
    kinds = [p.get_content_type() for p in got.message.get_payload()]
    assert kinds == ["text/plain", "text/html"]


def test_v2_missing_attachment_property_is_an_item_error(smtp_server: SmtpServer) -> None:
    entry = put_binary(b"x", file_name="x.txt")
    batch = ItemBatch.from_json([{}], binary=[{"data": entry}])
    params = {
        "fromEmail": "a@example.test",
        "toEmail": "b@example.test",
        "options": {"attachments": "nope"},
    }
    with pytest.raises(NodeExecutionError, match="no binary field 'nope'") as caught:
        send(smtp_server, params, batch)
    assert caught.value.node == "Send Email"
    assert caught.value.item_index == 0


def test_v1_parameters_and_missing_attachment_skipped(
    smtp_server: SmtpServer, inbox: list[Received]
) -> None:
    entry = put_binary(b"x", file_name="x.txt")
    batch = ItemBatch.from_json([{}], binary=[{"data": entry}])
    send(
        smtp_server,
        {
            "fromEmail": "a@example.test",
            "toEmail": "b@example.test",
            "ccEmail": "c@example.test",
            "subject": "v1",
            "text": "body one",
            "attachments": "data,absent",
        },
        batch,
        version=1,
    )
    (got,) = inbox
    assert got.message["Cc"] == "c@example.test"
    parts = list(got.message.walk())
    assert [p.get_filename() for p in parts if p.get_filename()] == ["x.txt"]
    text = next(p for p in parts if p.get_content_type() == "text/plain")
    assert text.get_payload(decode=True).decode().strip() == "body one"


def test_rejected_recipient_is_reported(smtp_server: SmtpServer, inbox: list[Received]) -> None:
    out = send(
        smtp_server,
        {"fromEmail": "a@example.test", "toEmail": "ok@example.test, no@rejected.test"},
    )
    assert out[0]["accepted"] == ["ok@example.test"]
    assert out[0]["rejected"] == ["no@rejected.test"]
    assert inbox[0].recipients == ["ok@example.test"]


def test_bad_password_names_the_node(smtp_server: SmtpServer, inbox: list[Received]) -> None:
    with pytest.raises(NodeExecutionError, match="Invalid login: 535") as caught:
        send(
            smtp_server,
            {"fromEmail": "a@example.test", "toEmail": "b@example.test"},
            credential=smtp_server.credential(password="wrong"),
        )
    assert caught.value.node == "Send Email"
    assert inbox == []


def test_bad_password_under_continue_on_fail_is_an_error_item(smtp_server: SmtpServer) -> None:
    out = send(
        smtp_server,
        {"fromEmail": "a@example.test", "toEmail": "b@example.test"},
        [{}, {}],
        credential=smtp_server.credential(password="wrong"),
        continue_on_fail=True,
    )
    assert [sorted(o) for o in out] == [["error"], ["error"]]
    assert out[0]["error"].startswith("Invalid login: 535")


def test_connection_refused(smtp_server: SmtpServer) -> None:
    port = free_port()
    with pytest.raises(NodeExecutionError, match=f"ECONNREFUSED 127.0.0.1:{port}"):
        send(
            smtp_server,
            {"fromEmail": "a@example.test", "toEmail": "b@example.test"},
            credential=smtp_server.credential(port=port),
        )


def test_network_policy_refuses_loopback(smtp_server: SmtpServer, inbox: list[Received]) -> None:
    with pytest.raises(NodeExecutionError, match="not allowed") as caught:
        send(
            smtp_server,
            {"fromEmail": "a@example.test", "toEmail": "b@example.test"},
            capabilities=RESTRICTED,
        )
    assert caught.value.node == "Send Email"
    assert inbox == []
