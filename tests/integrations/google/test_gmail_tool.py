"""n8n's node-as-tool variants (hetumind.ai.node_tools) on the Gmail Tool: the argument
schema from `$fromAI` calls, an agent (scripted stand-in model) that sends a mail through
the fake Gmail API with the values it chose, and `$fromAI` parsing and its errors."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from email.policy import default as default_policy
from typing import Any

import pytest

from hetumind.ai.errors import AIConfigError
from hetumind.ai.node_tools import from_ai_calls, from_ai_schema
from hetumind.engine import run_workflow
from tests.ai.standin import StandInServer, reply
from tests.ai.workflows import agent_node, ai_workflow, model_node
from tests.fakes._base import serving
from tests.fakes.fake_gmail import FakeGmail
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.google.conftest import oauth_creds

SEND = {
    "sendTo": "={{ $fromAI('To', 'the address to write to', 'string') }}",
    "subject": "={{ $fromAI('Subject', `the subject, short`, 'string') }}",
    "emailType": "text",
    "message": "={{ $fromAI('Message', \"the text, signed 'Ada'\") }} (sent for {{ $json.who }})",
    "options": {"appendAttribution": False},
}


@pytest.fixture
def gmail(google_token: FakeGoogleToken) -> Iterator[FakeGmail]:
    with serving(FakeGmail(google_token)) as fake:
        yield fake


def _tool(gmail: FakeGmail, token: FakeGoogleToken, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Send email",
        "type": "n8n-nodes-base.gmailTool",
        "typeVersion": 2.1,
        "parameters": {**SEND, **extra},
        "credentials": oauth_creds("gmailOAuth2", token, gmail.url),
    }


def test_the_schema_is_made_of_the_from_ai_calls() -> None:
    schema = from_ai_schema(SEND, "Send email")
    assert schema["required"] == ["To", "Subject", "Message"]
    assert schema["properties"]["To"] == {
        "type": "string",
        "description": "the address to write to",
    }
    assert schema["properties"]["Message"]["description"] == "the text, signed 'Ada'"
    optional = from_ai_schema(
        {"limit": "={{ $fromAI('limit', 'how many', 'number', 10) }}"}, "Find"
    )
    assert optional == {
        "type": "object",
        "properties": {"limit": {"type": "number", "description": "how many", "default": 10}},
        "required": [],
    }


def test_an_agent_sends_mail_with_the_values_it_chose(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
        if not results:
            args = {"To": "bob@example.org", "Subject": "Lunch", "Message": "Noon? Ada"}
            return reply(tool_calls=[("Send_email", args)])
        return reply(f"sent: {results[0]}")

    with StandInServer(script) as server:
        wf = ai_workflow(
            agent_node(),
            [
                (model_node(server.base_url), "ai_languageModel"),
                (_tool(gmail, google_token), "ai_tool"),
            ],
        )
        result = run_workflow(wf, input_items=[{"question": "invite Bob", "who": "Ada"}])
    assert result.status == "success", result.error
    offered = server.requests[0]["tools"][0]["function"]
    assert offered["name"] == "Send_email"
    assert offered["parameters"]["required"] == ["To", "Subject", "Message"]
    assert offered["description"].startswith("Gmail")
    (mail,) = gmail.sent
    message = email.message_from_bytes(mail.raw, policy=default_policy)
    assert message["To"] == "bob@example.org" and message["Subject"] == "Lunch"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.strip() == "Noon? Ada (sent for Ada)"  # $json is the agent's item
    answer = result.outputs("Agent")[0][0]["output"]
    sent = json.loads(answer.removeprefix("sent: "))
    assert sent[0]["id"] == mail.id and "SENT" in sent[0]["labelIds"]


def test_a_failing_tool_call_goes_back_to_the_model(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
        if not results:
            args = {"To": "not an address", "Subject": "x", "Message": "y"}
            return reply(tool_calls=[("Send_email", args)])
        return reply("gave up: " + results[0])

    with StandInServer(script) as server:
        wf = ai_workflow(
            agent_node(),
            [
                (model_node(server.base_url), "ai_languageModel"),
                (_tool(gmail, google_token), "ai_tool"),
            ],
        )
        result = run_workflow(wf, input_items=[{"question": "write", "who": "Ada"}])
    assert result.status == "success", result.error
    output = result.outputs("Agent")[0][0]["output"]
    assert output.startswith("gave up:") and "Gmail failed" in output
    assert gmail.sent == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("={{ $fromAI('bad key!') }}", "key 'bad key!' must be 1-64 letters"),
        ("={{ $fromAI('n', 'd', 'date') }}", "type 'date' is not one of"),
        ("={{ $fromAI('n', 'open' }}", "unbalanced parentheses"),
    ],
)
def test_malformed_from_ai_calls_are_named(text: str, message: str) -> None:
    with pytest.raises(AIConfigError, match=message) as caught:
        from_ai_calls(text, "node 'Find', parameter 'query'")
    assert "node 'Find', parameter 'query'" in str(caught.value)


def test_defaults_keep_their_types_and_quoted_commas_stay_in_descriptions() -> None:
    (flag, count, obj) = (
        from_ai_calls("{{ $fromAI('f', 'a, b', 'boolean', true) }}", "x")
        + from_ai_calls("{{ $fromAI('n', '', 'number', 2.5) }}", "x")
        + from_ai_calls("{{ $fromAI('o', '', 'json', {\"a\": 1}) }}", "x")
    )
    assert (flag.description, flag.default) == ("a, b", True)
    assert count.default == 2.5
    assert obj.default == {"a": 1}
