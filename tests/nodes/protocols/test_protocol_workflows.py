"""Protocol nodes inside workflows on the engine (inline backend): an image made by Edit
Image is mailed as an attachment over real SMTP; server mode's network policy stops a
workflow that names a loopback server."""

from __future__ import annotations

from hetumind.capabilities import Capabilities, NetworkPolicy
from hetumind.engine import run_workflow
from tests.engine.workflows import chain, node, start, workflow
from tests.nodes.protocols.conftest import Received, SmtpServer


def _flow(smtp: SmtpServer) -> dict[str, object]:
    return workflow(
        [
            start(),
            node(
                "Make",
                "editImage",
                1,
                parameters={
                    "operation": "create",
                    "width": 4,
                    "height": 4,
                    "backgroundColor": "#00ff00ff",
                    "options": {"fileName": "dot.png"},
                },
            ),
            node(
                "Mail",
                "emailSend",
                2.1,
                parameters={
                    "fromEmail": "bot@example.test",
                    "toEmail": "ops@example.test",
                    "subject": "={{ 'image ' + $binary.data.fileName }}",
                    "emailFormat": "text",
                    "text": "see attachment",
                    "options": {"attachments": "data", "appendAttribution": False},
                },
                credentials={"smtp": {"id": "s", "name": "s", "data": smtp.credential()}},
            ),
        ],
        chain("Start", "Make", "Mail"),
    )


def test_image_mailed_as_attachment(smtp_server: SmtpServer, inbox: list[Received]) -> None:
    result = run_workflow(_flow(smtp_server))
    assert result.status == "success", result.error
    (got,) = inbox
    assert got.message["Subject"] == "image dot.png"
    (png,) = [p for p in got.message.walk() if p.get_content_type() == "image/png"]
    assert png.get_filename() == "dot.png"
    assert png.get_payload(decode=True).startswith(b"\x89PNG")


def test_server_policy_refuses_loopback_smtp(
    smtp_server: SmtpServer, inbox: list[Received]
) -> None:
    policy = Capabilities(mode="server", network=NetworkPolicy(restricted=True))
    result = run_workflow(_flow(smtp_server), capabilities=policy)
    assert result.status == "error"
    assert result.error is not None and result.error.get("node") == "Mail"
    assert "not allowed" in str(result.error.get("message"))
    assert inbox == []
