"""GitHub Trigger and Typeform Trigger without the server: registering and removing the
webhook against the fakes (what the service receives, what static data keeps), the
signature checks (right, wrong, missing, no secret) and n8n's items."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.nodes.builtin.github_trigger import (
    EXISTS_MESSAGE,
    GithubTrigger,
    github_signature,
    is_github_ping,
)
from hetumind.nodes.builtin.typeform_trigger import (
    MISSING_MESSAGE,
    TypeformTrigger,
    shape_items,
    typeform_signature,
)
from hetumind.nodes.service_webhooks import ServiceWebhookTrigger
from tests.fakes._base import serving
from tests.fakes.fake_github import OWNER, REPO
from tests.fakes.fake_github import TOKEN as GH_TOKEN
from tests.fakes.fake_github_hooks import FakeGitHubHooks
from tests.fakes.fake_github_hooks import sign as gh_sign
from tests.fakes.fake_typeform import ANSWERS, FORM_ID, FakeTypeform, form_response
from tests.fakes.fake_typeform import TOKEN as TF_TOKEN
from tests.fakes.fake_typeform import sign as tf_sign
from tests.nodes.context import node_context

URL = "https://hetumind.example/webhook/abc/webhook"


def rl(value: str) -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": "name"}


@pytest.fixture
def github() -> Iterator[FakeGitHubHooks]:
    with serving(FakeGitHubHooks()) as fake:
        yield fake


@pytest.fixture
def typeform() -> Iterator[FakeTypeform]:
    with serving(FakeTypeform()) as fake:
        yield fake


def gh_ctx(
    fake: FakeGitHubHooks, state: dict[str, Any], token: str = GH_TOKEN, **params: Any
) -> Any:
    parameters = {"owner": rl(OWNER), "repository": rl(REPO), "events": ["issues"], **params}
    creds = {
        "githubApi": {
            "id": "g",
            "name": "gh",
            "data": {"accessToken": token, "server": fake.url},
        }
    }
    return node_context(
        parameters,
        node_name="GitHub Trigger",
        node_type="n8n-nodes-base.githubTrigger",
        credentials=creds,
        state=state,
    )


def tf_ctx(
    fake: FakeTypeform,
    state: dict[str, Any],
    version: float = 1.1,
    token: str = TF_TOKEN,
    **params: Any,
) -> Any:
    creds = {
        "typeformApi": {
            "id": "t",
            "name": "tf",
            "data": {"accessToken": token, "baseUrl": fake.url},
        }
    }
    return node_context(
        {"formId": FORM_ID, **params},
        version=version,
        node_name="Typeform Trigger",
        node_type="n8n-nodes-base.typeformTrigger",
        credentials=creds,
        state=state,
    )


# -- GitHub ---------------------------------------------------------------------------------


def test_github_registers_a_signed_hook_and_removes_it(github: FakeGitHubHooks) -> None:
    state: dict[str, Any] = {}
    ctx = gh_ctx(github, state, events=["issues", "push"])
    GithubTrigger().register(ctx, URL)
    hook = github.the_hook()
    assert hook["config"] == {"url": URL, "content_type": "json", "insecure_ssl": "0"}
    assert hook["events"] == ["issues", "push"] and hook["active"] is True
    data = ctx.static_data("node")
    assert data["webhookId"] == hook["id"] and data["webhookEvents"] == ["issues", "push"]
    assert github.secrets[hook["id"]] == data["webhookSecret"] and len(data["webhookSecret"]) >= 32
    (post,) = github.calls("/hooks")
    assert post.method == "POST" and post.json["name"] == "web"
    assert post.headers["authorization"] == f"token {GH_TOKEN}"

    GithubTrigger().unregister(ctx, URL)
    assert github.hooks == {}
    assert "webhookId" not in data and "webhookSecret" not in data
    GithubTrigger().unregister(ctx, URL)  # nothing left: no call, no error
    assert [r.method for r in github.log] == ["POST", "DELETE"]


def test_github_takes_over_a_hook_with_the_same_url(github: FakeGitHubHooks) -> None:
    first: dict[str, Any] = {}
    GithubTrigger().register(gh_ctx(github, first), URL)
    again: dict[str, Any] = {}
    ctx = gh_ctx(github, again, events=["push"])
    GithubTrigger().register(ctx, URL)  # GitHub answers 422: update that hook
    hook = github.the_hook()
    data = ctx.static_data("node")
    assert hook["events"] == ["push"] and data["webhookId"] == hook["id"]
    assert github.secrets[hook["id"]] == data["webhookSecret"]


def test_github_422_without_a_hook_of_this_url_says_so(github: FakeGitHubHooks) -> None:
    GithubTrigger().register(gh_ctx(github, {}), URL)
    github.hooks[next(iter(github.hooks))]["config"]["url"] = "https://elsewhere/hook"
    original = github.hook_routes

    def always_422(req: Any, rest: list[str]) -> Any:
        if req.method == "POST":
            from tests.fakes.fake_github import _err

            return _err(422, "Validation Failed")
        return original(req, rest)

    github.hook_routes = always_422  # type: ignore[method-assign]
    with pytest.raises(NodeExecutionError, match="identical URL probably exists"):
        GithubTrigger().register(gh_ctx(github, {}), URL)
    assert "Please delete it manually on Github!" in EXISTS_MESSAGE


def test_github_bad_token_and_no_events_refuse_registration(github: FakeGitHubHooks) -> None:
    with pytest.raises(NodeExecutionError, match="events"):
        GithubTrigger().register(gh_ctx(github, {}, events=[]), URL)
    with pytest.raises(NodeExecutionError, match="Authorization failed"):
        GithubTrigger().register(gh_ctx(github, {}, token="wrong"), URL)
    assert github.hooks == {}


def test_github_signature_check() -> None:
    body = json.dumps({"action": "opened", "issue": {"number": 1}}).encode()
    state = {"webhookSecret": "s3cret"}
    good = gh_sign("s3cret", body)
    assert github_signature("s3cret", body) == good
    assert GithubTrigger.verify({}, 1, {"x-hub-signature-256": good}, state, body)
    assert not GithubTrigger.verify({}, 1, {"x-hub-signature-256": good}, state, body + b" ")
    assert not GithubTrigger.verify(
        {}, 1, {"x-hub-signature-256": gh_sign("other", body)}, state, body
    )
    assert not GithubTrigger.verify({}, 1, {"x-hub-signature-256": good[7:]}, state, body)
    assert not GithubTrigger.verify({}, 1, {}, state, body)
    assert not GithubTrigger.verify({}, 1, {"x-hub-signature-256": good}, {}, body)  # no secret


def test_github_ping_and_items() -> None:
    ping = {"zen": "Keep it logically awesome.", "hook_id": 7, "hook": {}}
    assert is_github_ping(ping) and GithubTrigger.answer_without_run({}, 1, {}, ping) == "OK"
    event = {"action": "opened", "hook_id": 7}
    assert not is_github_ping(event) and GithubTrigger.answer_without_run({}, 1, {}, event) is None
    assert not is_github_ping({"ref": "refs/heads/main"})  # push: no hook_id
    request = {"headers": {"x-github-event": "issues"}, "query": {"a": "1"}, "body": event}
    ctx = node_context({}, node_type="n8n-nodes-base.githubTrigger")
    assert GithubTrigger().items(ctx, {**request, "params": {}, "webhookUrl": "u"}) == [request]


def test_triggers_need_the_body_for_their_check() -> None:
    for cls in (GithubTrigger, TypeformTrigger):
        assert issubclass(cls, ServiceWebhookTrigger)
        assert not cls.accepts({}, 1, {}, {"webhookSecret": "x"})
    assert ServiceWebhookTrigger.verify({}, 1, {}, {}, b"") is True  # the default: accepts


# -- Typeform -------------------------------------------------------------------------------


def test_typeform_registers_with_a_secret_and_removes(typeform: FakeTypeform) -> None:
    state: dict[str, Any] = {}
    ctx = tf_ctx(typeform, state)
    TypeformTrigger().register(ctx, URL)
    (key, hook) = typeform.the_webhook()
    data = ctx.static_data("node")
    assert key == (FORM_ID, data["webhookId"]) and data["webhookId"].startswith("hetumind-")
    assert hook["url"] == URL and hook["enabled"] is True and hook["verify_ssl"] is True
    assert typeform.secrets[key] == data["webhookSecret"]
    (put,) = typeform.log
    assert put.method == "PUT" and put.headers["authorization"] == f"Bearer {TF_TOKEN}"
    TypeformTrigger().unregister(ctx, URL)
    assert typeform.webhooks == {} and data == {}


def test_typeform_refusals(typeform: FakeTypeform) -> None:
    with pytest.raises(NodeExecutionError, match="formId"):
        TypeformTrigger().register(tf_ctx(typeform, {}, formId=""), URL)
    with pytest.raises(NodeExecutionError):
        TypeformTrigger().register(tf_ctx(typeform, {}, formId="nope"), URL)
    with pytest.raises(NodeExecutionError, match="Authorization failed"):
        TypeformTrigger().register(tf_ctx(typeform, {}, token="wrong"), URL)
    assert typeform.webhooks == {}
    gone = tf_ctx(typeform, {})
    gone.static_data("node").update(webhookId="hetumind-gone", webhookSecret="x")
    TypeformTrigger().unregister(gone, URL)  # 404: deleted all the same
    assert gone.static_data("node") == {}


def test_typeform_signature_check() -> None:
    body = json.dumps(form_response()).encode()
    state = {"webhookSecret": "s3cret"}
    good = tf_sign("s3cret", body)
    assert typeform_signature("s3cret", body) == good and good.startswith("sha256=")
    assert TypeformTrigger.verify({}, 1.1, {"typeform-signature": good}, state, body)
    assert not TypeformTrigger.verify({}, 1.1, {"typeform-signature": good}, state, body[:-1])
    assert not TypeformTrigger.verify(
        {}, 1.1, {"typeform-signature": tf_sign("other", body)}, state, body
    )
    assert not TypeformTrigger.verify({}, 1.1, {}, state, body)
    assert not TypeformTrigger.verify({}, 1.1, {"typeform-signature": good}, {}, body)


SIMPLE = {
    "What is your name?": "Ada",
    "Hi [field:name], favourite colour?": "Blue",
    "Tools you use": ["n8n", "Hetumind"],
    "How likely are you to recommend us?": 9,
}


def shape(body: Any, simplify: bool, only: bool, version: float = 1.1) -> list[dict[str, Any]]:
    return shape_items(body, simplify=simplify, only_answers=only, version=version, node_name="T")


def test_typeform_items_as_n8n() -> None:
    body = form_response()
    before = copy.deepcopy(body)
    assert shape(body, True, True) == [SIMPLE]
    (whole,) = shape(body, True, False)
    assert whole["form_response"]["answers"] == SIMPLE
    assert whole["form_response"]["definition"] == body["form_response"]["definition"]
    assert whole["event_id"] == body["event_id"]
    assert body == before  # the request item is left alone
    (by_id,) = shape(body, False, True, 1.1)
    assert list(by_id) == ["f_name", "f_colour", "f_tools", "f_score"]
    assert by_id["f_colour"] == ANSWERS[1]
    assert shape(body, False, True, 1) == [{str(i): a for i, a in enumerate(ANSWERS)}]
    assert shape(body, False, False) == [body]


def test_typeform_items_need_definition_and_answers() -> None:
    for body in (
        {},
        {"form_response": {"answers": []}},
        {"form_response": {"definition": {}}},
        "x",
    ):
        with pytest.raises(NodeExecutionError, match=MISSING_MESSAGE):
            shape(body, True, True)


def test_typeform_node_items_follow_its_parameters() -> None:
    ctx = node_context(
        {"simplifyAnswers": False, "onlyAnswers": True},
        version=1.1,
        node_type="n8n-nodes-base.typeformTrigger",
    )
    (item,) = TypeformTrigger().items(ctx, {"body": form_response(), "headers": {}})
    assert set(item) == {"f_name", "f_colour", "f_tools", "f_score"}
    defaults = node_context({}, version=1, node_type="n8n-nodes-base.typeformTrigger")
    assert TypeformTrigger().items(defaults, {"body": form_response()}) == [SIMPLE]
