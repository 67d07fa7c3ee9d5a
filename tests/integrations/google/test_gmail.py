"""Gmail 2.1, 2 and 1 against a fake of the Gmail v1 API: message send (attribution,
recipients, sender name, attachments), reply, get and getAll (simple and raw, filters,
limit and page tokens), label changes, delete and trash; drafts, threads and labels;
n8n's error texts (invalid id, not found, label exists, bad address), OAuth2 refresh and
a revoked token, a service account, missing scopes (403) and 429s."""

from __future__ import annotations

import base64
import email
from collections.abc import Iterator
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from typing import Any
from urllib.parse import parse_qs

import pytest

from hetumind.binary import put_binary, read_binary
from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from tests.fakes._base import serving
from tests.fakes.fake_gmail import OWNER, FakeGmail
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.conftest import run_node
from tests.integrations.google.conftest import account_creds, oauth_creds

TYPE = "n8n-nodes-base.gmail"


@pytest.fixture(scope="module")
def gmail_api(google_token: FakeGoogleToken) -> Iterator[FakeGmail]:
    with serving(FakeGmail(google_token)) as fake:
        yield fake


@pytest.fixture
def gmail(gmail_api: FakeGmail) -> FakeGmail:
    gmail_api.reset()
    gmail_api.required_scope = None
    gmail_api.rate_limit(0)
    return gmail_api


def mail(
    subject: str = "Hello",
    sender: str = "Alice <alice@example.org>",
    to: str = f"{OWNER}, Bob <bob@example.org>",
    text: str = "Hi there & welcome",
    attachment: bytes | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
    msg["Message-ID"] = f"<{subject.replace(' ', '')}@example.org>"
    msg.set_content(text)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="text", subtype="csv", filename="data.csv")
    return msg


def sent(gmail: FakeGmail, index: int = -1) -> Message:
    return email.message_from_bytes(gmail.sent[index].raw, policy=default_policy)


def body_of(message: Message, subtype: str) -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode().replace("\r\n", "\n")
    raise AssertionError(f"no text/{subtype} part")


def run(
    gmail: FakeGmail,
    token: FakeGoogleToken,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    kw.setdefault("version", 2.1)
    creds = kw.pop("creds", None) or oauth_creds("gmailOAuth2", token, gmail.url)
    return run_node(TYPE, params, creds, items, **kw)


def jsons(out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o["json"] for o in out]


# -- send ----------------------------------------------------------------------------------


def test_send_defaults_of_2_1_html_with_attribution(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    params = {"sendTo": "ada@example.org", "subject": "Report", "message": " <b>Done</b> "}
    (out,) = jsons(run(gmail, google_token, params))  # resource/operation left at defaults
    assert out["labelIds"] == ["SENT"] and out["id"] == gmail.sent[-1].id
    message = sent(gmail)
    assert message["To"] == "ada@example.org" and message["Subject"] == "Report"
    page = body_of(message, "html")
    assert page.startswith("<b>Done</b><br><br>---<br><em>This email was sent automatically with")
    assert "utm_campaign=n8n-nodes-base.gmail" in page
    assert gmail.calls("/messages/send")[-1].json.keys() == {"raw"}


def test_send_v2_text_options_and_attachment(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    params = {
        "resource": "message",
        "operation": "send",
        "sendTo": "ada@example.org, Bob <bob@example.org>",
        "subject": "Files",
        "emailType": "text",
        "message": "See attached",
        "options": {
            "ccList": "cc@example.org",
            "bccList": "hidden@example.org",
            "replyTo": "desk@example.org",
            "senderName": "Robot",
            "attachmentsUi": {"attachmentsBinary": [{"property": "data"}]},
        },
    }
    entry = put_binary(b"a,b\n1,2\n", mime_type="text/csv", file_name="t.csv")
    run(gmail, google_token, params, [{"json": {}, "binary": {"data": entry}}], version=2)
    message = sent(gmail)
    assert message["To"] == "ada@example.org, Bob <bob@example.org>"
    assert (message["Cc"], message["Bcc"]) == ("cc@example.org", "hidden@example.org")
    assert message["Reply-To"] == "desk@example.org"
    assert message["From"] == f"Robot <{OWNER}>"  # the profile's address, as n8n asks it
    assert body_of(message, "plain").strip() == "See attached"  # no attribution in 2
    (attached,) = [p for p in message.walk() if p.get_filename()]
    assert attached.get_filename() == "t.csv" and attached.get_payload(decode=True) == b"a,b\n1,2\n"
    assert gmail.calls("/messages/send")[-1].query["uploadType"] == "media"


def test_send_attribution_off_and_text_in_2_1(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    params = {
        "sendTo": "ada@example.org",
        "subject": "x",
        "emailType": "text",
        "message": "plain",
        "options": {"appendAttribution": False},
    }
    run(gmail, google_token, params)
    assert body_of(sent(gmail), "plain").strip() == "plain"
    params["options"] = {}
    run(gmail, google_token, params)
    assert (
        body_of(sent(gmail), "plain")
        .rstrip()
        .endswith("---\nThis email was sent automatically with n8n\nhttps://n8n.io")
    )


def test_send_refuses_bad_address_and_missing_binary(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeExecutionError, match="The email address 'nobody' in the 'To' field"):
        run(gmail, google_token, {"sendTo": "ok@example.org, nobody", "subject": "s"})
    params = {
        "sendTo": "a@example.org",
        "options": {"attachmentsUi": {"attachmentsBinary": [{"property": "file"}]}},
    }
    with pytest.raises(NodeExecutionError, match="binary file 'file', but none was found") as info:
        run(gmail, google_token, params)
    assert info.value.item_index == 0
    assert gmail.sent == []


def test_continue_on_fail_item_names_the_item(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    out = run(
        gmail,
        google_token,
        {"sendTo": "={{ $json.to }}", "subject": "s", "message": "m"},
        [{"json": {"to": "bad"}}, {"json": {"to": "good@example.org"}}],
        continue_on_fail=True,
    )
    assert out[0]["json"]["error"].endswith("field isn't valid (item 0)")
    assert out[1]["json"]["labelIds"] == ["SENT"]


# -- reply ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("sender_only", "expected"), [(False, 2), (True, 1)])
def test_reply_in_thread_to_sender_and_recipients(
    gmail: FakeGmail, google_token: FakeGoogleToken, sender_only: bool, expected: int
) -> None:
    original = gmail.add_message(mail("Question"))
    params = {
        "operation": "reply",
        "messageId": original,
        "emailType": "text",
        "message": "Answer",
        "options": {"replyToSenderOnly": sender_only, "appendAttribution": False},
    }
    (out,) = jsons(run(gmail, google_token, params))
    assert out["threadId"] == original
    message = sent(gmail)
    to = [a.strip() for a in str(message["To"]).split(",")]
    assert to[0] == "Alice <alice@example.org>" and len(to) == expected
    assert OWNER not in str(message["To"])
    assert message["In-Reply-To"] == "<Question@example.org>"
    assert message["References"] == "<Question@example.org>"
    assert message["Subject"] == "Question"
    assert gmail.calls("/messages/send")[-1].json["threadId"] == original


# -- get / getAll --------------------------------------------------------------------------


def test_get_simple(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    label = gmail.add_label("Clients")
    msg_id = gmail.add_message(mail("Tom & Jerry"), ["INBOX", label])
    (out,) = jsons(run(gmail, google_token, {"operation": "get", "messageId": msg_id}))
    assert out["id"] == msg_id and out["Subject"] == "Tom & Jerry"
    assert out["From"] == "Alice <alice@example.org>"
    assert out["labels"] == [{"id": "INBOX", "name": "INBOX"}, {"id": label, "name": "Clients"}]
    assert "labelIds" not in out and "headers" not in out["payload"]
    assert out["snippet"] == "Hi there & welcome"  # Gmail's &amp; unescaped, as n8n does
    query = parse_qs(gmail.calls(f"/messages/{msg_id}")[-1].raw_query)
    assert query["format"] == ["metadata"]
    assert query["metadataHeaders"] == ["From", "To", "Cc", "Bcc", "Subject"]


def test_get_raw_with_attachments(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    msg_id = gmail.add_message(mail(attachment=b"x,y\n"))
    params = {
        "operation": "get",
        "messageId": msg_id,
        "simple": False,
        "options": {"downloadAttachments": True, "dataPropertyAttachmentsPrefixName": "file_"},
    }
    (out,) = run(gmail, google_token, params)
    item = out["json"]
    assert item["id"] == msg_id and item["labelIds"] == ["INBOX", "UNREAD"]
    assert item["text"].strip() == "Hi there & welcome" and item["html"] is False
    assert item["subject"] == "Hello" and item["date"] == "2024-01-01T10:00:00.000Z"
    assert item["from"]["value"] == [{"address": "alice@example.org", "name": "Alice"}]
    assert item["headers"]["subject"] == "Subject: Hello"
    assert item["messageId"] == "<Hello@example.org>"
    assert read_binary(out["binary"]["file_0"]) == b"x,y\n"
    assert out["binary"]["file_0"]["fileName"] == "data.csv"


def test_get_all_filters_limit_and_return_all(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    gmail.add_message(mail("old one"), internal_s=1_600_000_000)
    ids = [gmail.add_message(mail(f"new {i}"), internal_s=1_700_000_000 + i) for i in range(3)]
    gmail.add_message(mail("read", sender="carol@example.org"), ["INBOX"], internal_s=1_700_000_100)
    params = {
        "operation": "getAll",
        "limit": 2,
        "filters": {
            "sender": "alice",
            "readStatus": "unread",
            "receivedAfter": "2023-01-01T00:00:00Z",
        },
    }
    out = jsons(run(gmail, google_token, params))
    assert [o["id"] for o in out] == [ids[2], ids[1]]  # newest first, limited
    listed = next(r for r in reversed(gmail.log) if r.path.endswith("/users/me/messages"))
    assert listed.query["q"] == "from:alice is:unread after:1672531200"
    assert listed.query["maxResults"] == "2"
    params["returnAll"] = True
    params["filters"] = {"readStatus": "both"}
    out = jsons(run(gmail, google_token, params))
    assert len(out) == 5
    listed = next(r for r in reversed(gmail.log) if r.path.endswith("/users/me/messages"))
    assert listed.query["maxResults"] == "100" and "q" not in listed.query


def test_invalid_received_after(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    params = {"operation": "getAll", "filters": {"receivedAfter": "yesterday-ish"}}
    with pytest.raises(NodeExecutionError, match="Invalid date/time in 'Received After' field"):
        run(gmail, google_token, params)


def test_thread_get_all_follows_page_tokens(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    for i in range(105):
        gmail.add_message(mail(f"m{i}"), internal_s=1_700_000_000 + i)
    out = jsons(
        run(gmail, google_token, {"resource": "thread", "operation": "getAll", "returnAll": True})
    )
    assert len(out) == 105 and len({o["id"] for o in out}) == 105
    pages = [r for r in gmail.log if r.path.endswith("/users/me/threads")]
    assert len(pages) == 2 and "pageToken" in pages[1].query
    limited = run(gmail, google_token, {"resource": "thread", "operation": "getAll", "limit": 7})
    assert len(limited) == 7


# -- labels, read state, delete ------------------------------------------------------------


def test_label_and_read_state_changes(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    label = gmail.add_label("Done")
    msg_id = gmail.add_message(mail())
    base = {"messageId": msg_id}
    run(gmail, google_token, {**base, "operation": "addLabels", "labelIds": [label]})
    assert label in gmail.messages[msg_id].labels
    out = jsons(run(gmail, google_token, {**base, "operation": "markAsRead"}))
    assert "UNREAD" not in out[0]["labelIds"]
    run(gmail, google_token, {**base, "operation": "markAsUnread"})
    run(gmail, google_token, {**base, "operation": "removeLabels", "labelIds": [label]})
    assert gmail.messages[msg_id].labels == ["INBOX", "UNREAD"]
    run(gmail, google_token, {**base, "operation": "trash"})
    assert "TRASH" in gmail.messages[msg_id].labels
    (out_del,) = jsons(run(gmail, google_token, {**base, "operation": "delete"}))
    assert out_del == {"success": True} and msg_id not in gmail.messages


def test_not_found_and_invalid_id_texts(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    with pytest.raises(NodeApiError, match="Message not found") as info:
        run(gmail, google_token, {"operation": "get", "messageId": "18c0ffffffffffff"})
    assert info.value.http_code == 404
    with pytest.raises(NodeApiError, match="Invalid message ID") as info:
        run(gmail, google_token, {"operation": "get", "messageId": "not-an-id"})
    assert info.value.description == (
        "Message IDs should look something like this: 182b676d244938bd"
    )
    with pytest.raises(NodeExecutionError, match=r'"sendAndWait" .* not supported'):
        run(gmail, google_token, {"operation": "sendAndWait"})


# -- drafts --------------------------------------------------------------------------------


def test_drafts(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    thread = gmail.add_message(mail("Topic"))
    params = {
        "resource": "draft",
        "operation": "create",
        "subject": "Draft one",
        "message": "later",  # drafts default to text, also in 2.1
        "options": {"sendTo": "ada@example.org", "threadId": thread},
    }
    (created,) = jsons(run(gmail, google_token, params))
    draft_id = created["id"]
    assert created["message"]["threadId"] == thread
    stored = gmail.messages[created["message"]["id"]]
    assert stored.labels == ["DRAFT"] and stored.header("to") == "ada@example.org"
    assert stored.parsed.get_content_type() == "text/plain"
    assert "This email was sent automatically" not in stored.text()
    got = jsons(
        run(gmail, google_token, {"resource": "draft", "operation": "get", "messageId": draft_id})
    )
    assert got[0]["id"] == draft_id and got[0]["messageId"] == created["message"]["id"]
    assert got[0]["subject"] == "Draft one"
    listed = jsons(
        run(gmail, google_token, {"resource": "draft", "operation": "getAll", "returnAll": True})
    )
    assert [d["id"] for d in listed] == [draft_id]
    gone = jsons(
        run(
            gmail, google_token, {"resource": "draft", "operation": "delete", "messageId": draft_id}
        )
    )
    assert gone == [{"success": True}] and gmail.drafts == {}
    with pytest.raises(NodeApiError, match="Draft not found"):
        run(gmail, google_token, {"resource": "draft", "operation": "get", "messageId": draft_id})


# -- threads -------------------------------------------------------------------------------


def test_threads(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    first = gmail.add_message(mail("Thread"), internal_s=1_700_000_000)
    gmail.add_message(mail("Re: Thread"), internal_s=1_700_000_010, thread_id=first)
    base = {"resource": "thread", "threadId": first}
    (thread,) = jsons(run(gmail, google_token, {**base, "operation": "get"}))
    assert thread["id"] == first
    assert [m["Subject"] for m in thread["messages"]] == ["Thread", "Re: Thread"]
    only = jsons(
        run(
            gmail,
            google_token,
            {**base, "operation": "get", "simple": False, "options": {"returnOnlyMessages": True}},
        )
    )
    assert len(only) == 2 and only[0]["payload"]["mimeType"] == "text/plain"
    assert parse_qs(gmail.calls(f"/threads/{first}")[-1].raw_query)["format"] == ["full"]
    run(gmail, google_token, {**base, "operation": "addLabels", "labelIds": ["STARRED"]})
    assert all("STARRED" in m.labels for m in gmail.messages.values())
    reply = {
        "resource": "thread",
        "operation": "reply",
        "messageId": first,
        "message": "ok",
    }
    (out,) = jsons(run(gmail, google_token, reply))
    assert out["threadId"] == first
    run(gmail, google_token, {**base, "operation": "removeLabels", "labelIds": "STARRED"})
    assert not any("STARRED" in m.labels for m in gmail.messages.values())
    run(gmail, google_token, {**base, "operation": "trash"})
    assert all("TRASH" in m.labels for m in gmail.messages.values() if m.thread_id == first)
    run(gmail, google_token, {**base, "operation": "untrash"})
    assert not any("TRASH" in m.labels for m in gmail.messages.values())
    assert jsons(run(gmail, google_token, {**base, "operation": "delete"})) == [{"success": True}]
    assert not [m for m in gmail.messages.values() if m.thread_id == first]


# -- labels --------------------------------------------------------------------------------


def test_labels(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    base = {"resource": "label"}
    (made,) = jsons(
        run(
            gmail,
            google_token,
            {
                **base,
                "operation": "create",
                "name": "Invoices",
                "options": {"labelListVisibility": "labelHide"},
            },
        )
    )
    assert made["name"] == "Invoices" and made["labelListVisibility"] == "labelHide"
    assert gmail.calls("/labels")[-1].json["messageListVisibility"] == "show"
    with pytest.raises(NodeApiError, match="Label name exists already"):
        run(gmail, google_token, {**base, "operation": "create", "name": "invoices"})
    listed = jsons(run(gmail, google_token, {**base, "operation": "getAll", "limit": 3}))
    assert len(listed) == 3
    # an export leaves the default operation out: getAll in 2.x
    assert len(jsons(run(gmail, google_token, {**base, "returnAll": True}))) == 9
    everything = jsons(run(gmail, google_token, {**base, "operation": "getAll", "returnAll": True}))
    assert made["id"] in [label["id"] for label in everything]
    (got,) = jsons(run(gmail, google_token, {**base, "operation": "get", "labelId": made["id"]}))
    assert got["messagesTotal"] == 0
    run(gmail, google_token, {**base, "operation": "delete", "labelId": made["id"]})
    with pytest.raises(NodeApiError, match="Label ID not found"):
        run(gmail, google_token, {**base, "operation": "get", "labelId": made["id"]})


# -- auth and limits -----------------------------------------------------------------------


def test_refused_token_is_refreshed_and_revoked_fails(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    gmail.add_message(mail())
    creds = oauth_creds("gmailOAuth2", google_token, gmail.url)
    creds["gmailOAuth2"]["data"]["oauthTokenData"]["access_token"] = "stale"
    out = run(gmail, google_token, {"operation": "getAll"}, creds=creds)
    assert len(out) == 1
    assert google_token.calls("/token")[-1].form["grant_type"] == "refresh_token"
    revoked = oauth_creds("gmailOAuth2", google_token, gmail.url, refresh_token="revoked")
    revoked["gmailOAuth2"]["data"]["oauthTokenData"]["access_token"] = "stale"
    with pytest.raises(NodeApiError) as info:
        run(gmail, google_token, {"operation": "getAll"}, creds=revoked)
    assert info.value.http_code == 401
    assert "Token has been expired or revoked" in info.value.reason


def test_service_account_with_gmail_scopes(
    gmail: FakeGmail, google_token: FakeGoogleToken, service_account: dict[str, Any]
) -> None:
    gmail.required_scope = "https://www.googleapis.com/auth/gmail.modify"
    creds = account_creds(
        service_account, google_token, gmail.url, inpersonate=True, delegatedEmail=OWNER
    )
    params = {"authentication": "serviceAccount", "sendTo": "a@example.org", "subject": "s"}
    run(gmail, google_token, params, creds=creds)
    claims = google_token.assertions[-1]
    assert claims["sub"] == OWNER and "https://mail.google.com/" in claims["scope"].split()
    assert len(gmail.sent) == 1


def test_missing_scope_is_forbidden(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    gmail.required_scope = "https://www.googleapis.com/auth/gmail.modify"
    with pytest.raises(NodeApiError, match="Forbidden - perhaps check your credentials") as info:
        run(gmail, google_token, {"operation": "getAll"})
    assert info.value.http_code == 403
    assert info.value.description == "Request had insufficient authentication scopes."


def test_rate_limit_retried_then_failed(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    gmail.rate_limit(1, retry_after=0)
    run(gmail, google_token, {"sendTo": "a@example.org", "subject": "s"})
    assert len(gmail.sent) == 1
    gmail.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests") as info:
        run(gmail, google_token, {"sendTo": "a@example.org", "subject": "s"})
    assert info.value.http_code == 429
    assert len(gmail.sent) == 1


# -- version 1 -----------------------------------------------------------------------------


def test_v1_send_labels_get_and_drafts(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    params = {
        "resource": "message",
        "operation": "send",
        "toList": ["ada@example.org", "bob@example.org"],
        "subject": "v1",
        "message": "plain text",
        "includeHtml": True,
        "htmlMessage": "<p>html</p>",
        "additionalFields": {"ccList": ["cc@example.org"]},
    }
    (out,) = jsons(run(gmail, google_token, params, version=1))
    message = sent(gmail)
    assert message["To"] == "ada@example.org, bob@example.org" and message["Cc"] == "cc@example.org"
    assert body_of(message, "plain").strip() == "plain text"
    assert body_of(message, "html").strip() == "<p>html</p>"  # no attribution in 1
    msg_id = out["id"]
    run(
        gmail,
        google_token,
        {
            "resource": "messageLabel",
            "operation": "add",
            "messageId": msg_id,
            "labelIds": ["STARRED"],
        },
        version=1,
    )
    assert "STARRED" in gmail.messages[msg_id].labels
    (got,) = jsons(
        run(
            gmail,
            google_token,
            {"resource": "message", "operation": "get", "messageId": msg_id},
            version=1,
        )
    )
    assert got["subject"] == "v1" and got["id"] == msg_id  # resolved: parsed
    ids = jsons(
        run(
            gmail,
            google_token,
            {"resource": "message", "operation": "getAll", "additionalFields": {"format": "ids"}},
            version=1,
        )
    )
    assert ids == [{"id": msg_id, "threadId": msg_id}]
    draft = {
        "resource": "draft",
        "operation": "create",
        "subject": "d",
        "message": "m",
        "additionalFields": {"toList": ["z@example.org"]},
    }
    (made,) = jsons(run(gmail, google_token, draft, version=1))
    assert gmail.messages[made["message"]["id"]].header("to") == "z@example.org"
    (loaded,) = jsons(
        run(
            gmail,
            google_token,
            {"resource": "draft", "operation": "get", "messageId": made["id"]},
            version=1,
        )
    )
    assert loaded["id"] == made["id"] and loaded["subject"] == "d"


def test_raw_is_base64url(gmail: FakeGmail, google_token: FakeGoogleToken) -> None:
    subject = " ".join(["ü ☃ long"] * 20)
    run(gmail, google_token, {"sendTo": "a@example.org", "subject": subject})
    raw = gmail.calls("/messages/send")[-1].json["raw"]
    assert "+" not in raw and "/" not in raw
    decoded = email.message_from_bytes(base64.urlsafe_b64decode(raw), policy=default_policy)
    assert decoded["Subject"] == subject


# -- in a workflow -------------------------------------------------------------------------


def test_an_exported_workflow_labels_what_it_lists(
    gmail: FakeGmail, google_token: FakeGoogleToken
) -> None:
    """Manual Trigger -> Gmail getAll -> Gmail addLabels ({{ $json.id }}), as n8n exports
    it (defaults left out, the credential inline), on the inline backend."""
    from hetumind.engine import run_workflow

    label = gmail.add_label("Seen")
    first = gmail.add_message(mail("one"), internal_s=1_700_000_000)
    second = gmail.add_message(mail("two"), internal_s=1_700_000_100)
    creds = oauth_creds("gmailOAuth2", google_token, gmail.url)

    def gmail_node(name: str, x: int, parameters: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": name,
            "name": name,
            "type": TYPE,
            "typeVersion": 2.1,
            "position": [x, 0],
            "parameters": parameters,
            "credentials": creds,
            "webhookId": "11111111-1111-1111-1111-111111111111",
        }

    workflow = {
        "name": "label the inbox",
        "nodes": [
            {
                "id": "t",
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            },
            gmail_node("List", 200, {"operation": "getAll", "filters": {}}),
            gmail_node(
                "Label",
                400,
                {"operation": "addLabels", "messageId": "={{ $json.id }}", "labelIds": [label]},
            ),
        ],
        "connections": {
            "Start": {"main": [[{"node": "List", "type": "main", "index": 0}]]},
            "List": {"main": [[{"node": "Label", "type": "main", "index": 0}]]},
        },
    }
    result = run_workflow(workflow, backend="inline").to_json()
    assert result["status"] == "success", result
    labelled = result["runData"]["Label"][0]["outputs"][0]
    assert [o["id"] for o in labelled] == [second, first]
    assert all(label in gmail.messages[m].labels for m in (first, second))
