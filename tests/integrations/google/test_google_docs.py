"""Google Docs 1 and 2 against a fake of the Docs v1 API: create (Drive files.create in a
folder / shared drive / My Drive), get (URL or id, simple text and the full document),
update (insert at end and at a location, replaceAll, delete a content range, page
break, table and its rows / columns, header / footer, named range, bullets,
writeControl, simple and full replies); n8n's error texts, OAuth2 refresh, a service
account, auth failure, continueOnFail, 429s and the agent tool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from hetumind.nodes.registry import default_registry
from tests.fakes._base import serving
from tests.fakes.fake_google_docs import DOCUMENT, FakeGoogleDocs
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.conftest import run_node
from tests.integrations.google.conftest import account_creds, oauth_creds

TYPE = "n8n-nodes-base.googleDocs"


@pytest.fixture(scope="module")
def docs_server(google_token: FakeGoogleToken) -> Iterator[FakeGoogleDocs]:
    with serving(FakeGoogleDocs(google_token)) as fake:
        yield fake


@pytest.fixture
def docs(docs_server: FakeGoogleDocs) -> FakeGoogleDocs:
    docs_server.reset()
    docs_server.rate_limit(0)
    return docs_server


def run(
    api: FakeGoogleDocs,
    token: FakeGoogleToken,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    kw.setdefault("version", 2)
    creds = kw.pop("creds", None) or oauth_creds("googleDocsOAuth2Api", token, api.url)
    params = {"authentication": "oAuth2", **params}
    return [o["json"] for o in run_node(TYPE, params, creds, items, **kw)]


def update(doc_id: str, *actions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "operation": "update",
        "documentURL": doc_id,
        "actionsUi": {"actionFields": list(actions)},
        **extra,
    }


# -- create -------------------------------------------------------------------------------


def test_create_in_a_folder(docs: FakeGoogleDocs, google_token: FakeGoogleToken) -> None:
    docs.folders.add("folder1")
    params = {"operation": "create", "title": "={{ 'Notes ' + $json.n }}", "folderId": "folder1"}
    (out,) = run(docs, google_token, params, [{"json": {"n": 7}}])
    assert out == {"kind": "drive#file", "id": out["id"], "name": "Notes 7", "mimeType": DOCUMENT}
    assert docs.files[out["id"]]["parents"] == ["folder1"]
    assert docs.docs[out["id"]]["title"] == "Notes 7"
    (call,) = docs.calls("/drive/v3/files")
    assert call.query["supportsAllDrives"] == "true"


def test_create_default_folder_goes_to_shared_drive_or_my_drive(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    docs.folders.add("drive9")
    base = {"operation": "create", "title": "T", "folderId": "default"}
    (a,) = run(docs, google_token, {**base, "driveId": "drive9"}, version=1)
    (b,) = run(docs, google_token, {**base, "driveId": "myDrive"})
    assert docs.files[a["id"]]["parents"] == ["drive9"]
    assert docs.files[b["id"]]["parents"] == ["root"]


def test_create_in_an_unknown_folder_gives_n8n_404(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeApiError) as info:
        run(docs, google_token, {"operation": "create", "title": "T", "folderId": "nope"})
    assert info.value.http_code == 404
    assert info.value.reason == "The resource you are requesting could not be found"
    assert info.value.description == "File not found: nope."


# -- get ----------------------------------------------------------------------------------


def test_get_by_url_simple_gives_the_text(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc("Plan", "Hello\nWorld")
    url = f"https://docs.google.com/document/d/{doc}/edit?tab=t.0"
    (out,) = run(docs, google_token, {"operation": "get", "documentURL": url})
    assert out == {"documentId": doc, "content": "Hello\nWorld\n"}
    assert docs.calls()[-1].path == f"/v1/documents/{doc}"


def test_get_full_document_by_id(docs: FakeGoogleDocs, google_token: FakeGoogleToken) -> None:
    doc = docs.add_doc("Plan", "Hi")
    (out,) = run(docs, google_token, {"operation": "get", "documentURL": doc, "simple": False})
    assert out["title"] == "Plan" and out["documentId"] == doc
    para = out["body"]["content"][1]["paragraph"]["elements"][0]
    assert para["textRun"]["content"] == "Hi\n" and para["startIndex"] == 1


def test_get_unknown_and_forbidden(docs: FakeGoogleDocs, google_token: FakeGoogleToken) -> None:
    with pytest.raises(NodeApiError) as info:
        run(docs, google_token, {"operation": "get", "documentURL": "missing"})
    assert info.value.http_code == 404 and info.value.item_index == 0
    doc = docs.add_doc()
    docs.forbidden.add(doc)
    with pytest.raises(NodeApiError) as info:
        run(docs, google_token, {"operation": "get", "documentURL": doc})
    assert info.value.reason == "Forbidden - perhaps check your credentials?"
    assert info.value.description == "The caller does not have permission"


def test_get_without_document_names_the_parameter(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeExecutionError, match="documentURL"):
        run(docs, google_token, {"operation": "get", "documentURL": ""})


# -- update -------------------------------------------------------------------------------


def test_insert_text_at_end_and_at_a_location(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc("D", "world")
    params = update(
        doc,
        {
            "object": "text",
            "action": "insert",
            "locationChoice": "endOfSegmentLocation",
            "text": "={{ '!' + $json.x }}",
        },
        {
            "object": "text",
            "action": "insert",
            "locationChoice": "location",
            "index": 1,
            "text": "Hello ",
        },
    )
    (out,) = run(docs, google_token, params, [{"json": {"x": "?"}}])
    assert docs.text(doc) == "Hello world!?"
    assert out == {"documentId": doc}  # simple: the first reply, empty for insertText
    sent = docs.calls(":batchUpdate")[-1].json["requests"]
    assert sent[0] == {"insertText": {"text": "!?", "endOfSegmentLocation": {"segmentId": ""}}}
    assert sent[1]["insertText"]["location"] == {"segmentId": "", "index": 1}


def test_replace_all_with_and_without_case(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc("D", "Name and name")
    params = update(
        doc,
        {
            "object": "text",
            "action": "replaceAll",
            "text": "name",
            "replaceText": "Ann",
            "matchCase": True,
        },
    )
    (out,) = run(docs, google_token, params)
    assert docs.text(doc) == "Name and Ann"
    assert out == {"occurrencesChanged": 1, "documentId": doc}
    params = update(
        doc, {"object": "text", "action": "replaceAll", "text": "NAME", "replaceText": "Bo"}
    )
    (full,) = run(docs, google_token, {**params, "simple": False})
    assert docs.text(doc) == "Bo and Ann"
    assert full["replies"] == [{"replaceAllText": {"occurrencesChanged": 1}}]
    assert full["documentId"] == doc and full["writeControl"]["requiredRevisionId"] == "rev3"


def test_delete_content_range(docs: FakeGoogleDocs, google_token: FakeGoogleToken) -> None:
    doc = docs.add_doc("D", "abcdef")
    action = {"object": "contentRange", "action": "delete", "startIndex": 2, "endIndex": 4}
    run(docs, google_token, update(doc, action))
    assert docs.text(doc) == "adef"
    bad = {**action, "startIndex": 1, "endIndex": 6}  # would take the final newline
    with pytest.raises(NodeApiError) as info:
        run(docs, google_token, update(doc, bad))
    assert info.value.reason == "Bad request - please check your parameters"
    assert "newline character at the end of the segment" in (info.value.description or "")
    assert docs.text(doc) == "adef"


def test_a_bad_request_leaves_the_document_as_it_was(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc("D", "abc")
    params = update(
        doc,
        {"object": "text", "action": "insert", "text": "x"},
        {
            "object": "text",
            "action": "insert",
            "locationChoice": "location",
            "index": 50,
            "text": "y",
        },
    )
    with pytest.raises(NodeApiError) as info:
        run(docs, google_token, params)
    assert "requests[1].insertText: Index 50 must be less than" in (info.value.description or "")
    assert docs.text(doc) == "abc"


def test_page_break_and_table_with_rows_and_columns(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc("D", "ab")
    run(
        docs,
        google_token,
        update(
            doc,
            {"object": "pageBreak", "action": "insert", "insertSegment": "body"},
            {
                "object": "table",
                "action": "insert",
                "rows": 2,
                "columns": 3,
                "locationChoice": "location",
                "index": 1,
            },
        ),
    )
    (table,) = docs.docs[doc]["tables"]
    assert (table["rows"], table["columns"], table["startIndex"]) == (2, 3, 2)
    (got,) = run(docs, google_token, {"operation": "get", "documentURL": doc, "simple": False})
    elements = [
        e for c in got["body"]["content"] for e in c.get("paragraph", {}).get("elements", [])
    ]
    assert any("pageBreak" in e for e in elements)
    cell = {"rowIndex": 0, "columnIndex": 0, "index": 2}
    run(
        docs,
        google_token,
        update(
            doc,
            {"object": "tableRow", "action": "insert", "insertPosition": True, **cell},
            {"object": "tableColumn", "action": "delete", **cell},
        ),
    )
    assert (table := docs.docs[doc]["tables"][0])["rows"] == 3 and table["columns"] == 2
    sent = docs.calls(":batchUpdate")[-1].json["requests"]
    assert sent[0]["insertTableRow"] == {
        "insertBelow": True,
        "tableCellLocation": {
            "rowIndex": 0,
            "columnIndex": 0,
            "tableStartLocation": {"segmentId": "", "index": 2},
        },
    }
    with pytest.raises(NodeApiError, match="Bad request"):
        run(
            docs,
            google_token,
            update(
                doc,
                {
                    "object": "tableRow",
                    "action": "delete",
                    "rowIndex": 0,
                    "columnIndex": 0,
                    "index": 99,
                },
            ),
        )


def test_header_footer_named_range_and_bullets(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc("D", "one\ntwo")
    (header,) = run(docs, google_token, update(doc, {"object": "header", "action": "create"}))
    assert header["headerId"] in docs.docs[doc]["headers"]
    (footer,) = run(docs, google_token, update(doc, {"object": "footer", "action": "create"}))
    rng = {"startIndex": 1, "endIndex": 4}
    (named,) = run(
        docs,
        google_token,
        update(
            doc,
            {"object": "namedRange", "action": "create", "name": "intro", **rng},
            {
                "object": "paragraphBullets",
                "action": "create",
                "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE",
                **rng,
            },
        ),
    )
    assert docs.docs[doc]["namedRanges"][named["namedRangeId"]]["name"] == "intro"
    assert docs.docs[doc]["bullets"][0]["preset"] == "BULLET_DISC_CIRCLE_SQUARE"
    run(
        docs,
        google_token,
        update(
            doc,
            {
                "object": "namedRange",
                "action": "delete",
                "namedRangeReference": "name",
                "value": "intro",
            },
            {"object": "paragraphBullets", "action": "delete", **rng},
            {"object": "header", "action": "delete", "headerId": header["headerId"]},
            {"object": "footer", "action": "delete", "footerId": footer["footerId"]},
        ),
    )
    state = docs.docs[doc]
    assert not state["namedRanges"] and not state["bullets"]
    assert not state["headers"] and not state["footers"]


def test_write_control_is_sent_and_a_stale_revision_refused(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc("D", "a")
    insert = {"object": "text", "action": "insert", "text": "b"}
    control = {"writeControlObject": {"control": "requiredRevisionId", "value": "rev1"}}
    run(docs, google_token, update(doc, insert, updateFields=control))
    assert docs.calls(":batchUpdate")[-1].json["writeControl"] == {"requiredRevisionId": "rev1"}
    with pytest.raises(NodeApiError) as info:
        run(docs, google_token, update(doc, insert, updateFields=control))
    assert "revision" in (info.value.description or "")
    assert docs.text(doc) == "ab"


def test_unknown_action_names_node_and_item(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc()
    with pytest.raises(NodeExecutionError) as info:
        run(
            docs,
            google_token,
            update(doc, {"object": "text", "action": "delete"}),
            node_name="Docs",
        )
    assert info.value.node == "Docs" and info.value.item_index == 0
    assert "actionsUi" in info.value.reason
    assert not docs.calls(":batchUpdate")


def test_continue_on_fail_keeps_going(docs: FakeGoogleDocs, google_token: FakeGoogleToken) -> None:
    doc = docs.add_doc("D", "x")
    items = [{"json": {"id": "missing"}}, {"json": {"id": doc}}]
    out = run(
        docs,
        google_token,
        {"operation": "get", "documentURL": "={{ $json.id }}"},
        items,
        continue_on_fail=True,
    )
    assert out[0] == {"error": "The resource you are requesting could not be found"}
    assert out[1] == {"documentId": doc, "content": "x\n"}


# -- auth and limits ----------------------------------------------------------------------


def test_refused_token_is_refreshed(docs: FakeGoogleDocs, google_token: FakeGoogleToken) -> None:
    doc = docs.add_doc()
    creds = oauth_creds("googleDocsOAuth2Api", google_token, docs.url)
    creds["googleDocsOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    params = {"operation": "get", "documentURL": doc}
    assert run(docs, google_token, params, creds=creds)[0]["documentId"] == doc
    assert google_token.calls("/token")[-1].form["grant_type"] == "refresh_token"


def test_auth_failure_gives_n8n_text(docs: FakeGoogleDocs, google_token: FakeGoogleToken) -> None:
    creds = oauth_creds("googleDocsOAuth2Api", google_token, docs.url, refresh_token="revoked")
    creds["googleDocsOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    with pytest.raises(NodeApiError) as info:
        run(docs, google_token, {"operation": "get", "documentURL": "x"}, creds=creds)
    assert "Token has been expired or revoked" in info.value.reason
    assert info.value.http_code == 401


def test_service_account_is_the_default_with_docs_scopes(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken, service_account: dict[str, Any]
) -> None:
    doc = docs.add_doc("D", "sa")
    creds = account_creds(service_account, google_token, docs.url)
    out = run_node(TYPE, {"operation": "get", "documentURL": doc}, creds, version=1)
    assert out[0]["json"]["content"] == "sa\n"
    scopes = google_token.assertions[-1]["scope"].split()
    assert "https://www.googleapis.com/auth/documents" in scopes


def test_rate_limit_retried_then_failed(
    docs: FakeGoogleDocs, google_token: FakeGoogleToken
) -> None:
    doc = docs.add_doc("D", "r")
    params = {"operation": "get", "documentURL": doc}
    docs.rate_limit(1, retry_after=0)
    assert run(docs, google_token, params)[0]["content"] == "r\n"
    docs.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests") as info:
        run(docs, google_token, params)
    assert info.value.http_code == 429
    docs.rate_limit(0)


def test_tool_variant_is_registered() -> None:
    assert default_registry().get("n8n-nodes-base.googleDocsTool") is not None
