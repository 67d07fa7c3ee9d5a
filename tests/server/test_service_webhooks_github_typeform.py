"""GitHub Trigger and Typeform Trigger on the real server, against the fakes delivering as
the services do: activation registers a hook with a secret, a signed delivery starts an
execution with n8n's items, an unsigned or wrongly signed one is 403 and starts nothing,
GitHub's ping is answered without a run, deactivation removes the hook."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes._base import serving
from tests.fakes.fake_github import OWNER, REPO
from tests.fakes.fake_github import TOKEN as GH_TOKEN
from tests.fakes.fake_github_hooks import FakeGitHubHooks
from tests.fakes.fake_typeform import FORM_ID, FakeTypeform, form_response
from tests.fakes.fake_typeform import TOKEN as TF_TOKEN
from tests.server.helpers import Server

pytestmark = pytest.mark.slow


@pytest.fixture
def github() -> Iterator[FakeGitHubHooks]:
    with serving(FakeGitHubHooks()) as fake:
        yield fake


@pytest.fixture
def typeform() -> Iterator[FakeTypeform]:
    with serving(FakeTypeform()) as fake:
        yield fake


def _credential(server: Server, kind: str, data: dict[str, Any]) -> str:
    answer = server.client.post(
        "/api/v1/credentials",
        json={"name": f"{kind} {uuid.uuid4().hex[:6]}", "type": kind, "data": data},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _workflow(server: Server, trigger: dict[str, Any]) -> tuple[dict[str, Any], str]:
    hook_id = str(uuid.uuid4())
    wf = server.create(
        {
            "name": f"{trigger['name']} {hook_id[:6]}",
            "nodes": [
                {**trigger, "webhookId": hook_id},
                {"name": "Pass", "type": "n8n-nodes-base.noOp", "typeVersion": 1},
            ],
            "connections": {
                trigger["name"]: {"main": [[{"node": "Pass", "type": "main", "index": 0}]]}
            },
        }
    )
    return wf, f"/webhook/{hook_id}/webhook"


def _executions(server: Server, wf: dict[str, Any]) -> list[dict[str, Any]]:
    rows = server.client.get("/api/v1/executions", params={"workflowId": wf["id"]}).json()
    return list(rows["data"])


def _one_run_output(server: Server, wf: dict[str, Any]) -> list[dict[str, Any]]:
    def finished() -> list[dict[str, Any]]:
        rows = _executions(server, wf)
        return rows if rows and all(e["finished"] for e in rows) else []

    (run,) = server.wait_for(finished)  # refused calls and pings started nothing
    data = server.client.get(
        f"/api/v1/executions/{run['id']}", params={"includeData": "true"}
    ).json()
    return list(data["runData"]["Pass"][0]["outputs"][0])


def test_github_trigger_registers_verifies_pings_and_runs(
    server: Server, github: FakeGitHubHooks
) -> None:
    c = server.client
    cred = _credential(server, "githubApi", {"accessToken": GH_TOKEN, "server": github.url})
    wf, path = _workflow(
        server,
        {
            "name": "Github Trigger",
            "type": "n8n-nodes-base.githubTrigger",
            "typeVersion": 1,
            "parameters": {
                "owner": {"__rl": True, "value": OWNER, "mode": "name"},
                "repository": {"__rl": True, "value": REPO, "mode": "name"},
                "events": ["issues"],
            },
            "credentials": {"githubApi": {"id": cred}},
        },
    )
    assert c.post(f"/api/v1/workflows/{wf['id']}/activate").status_code == 200
    hook = github.the_hook()
    assert hook["config"]["url"].endswith(path) and hook["events"] == ["issues"]
    assert github.secrets[hook["id"]]

    to = server.url + path  # the test server's public URL is not where it listens
    assert github.ping(to) == (200, "OK")  # answered, no run
    event = {"action": "opened", "issue": {"number": 1, "title": "Bug"}, "hook_id": hook["id"]}
    status, text = github.deliver("issues", event, signed=False, to=to)
    assert status == 403 and "Provided secret is not valid" in text
    assert github.deliver("issues", event, signature="sha256=" + "0" * 64, to=to)[0] == 403
    assert _executions(server, wf) == []
    status, text = github.deliver("issues", event, to=to)
    assert status == 200, text

    (item,) = _one_run_output(server, wf)
    assert set(item) == {"body", "headers", "query"}
    assert item["body"] == event and item["query"] == {}
    assert item["headers"]["x-github-event"] == "issues"
    assert item["headers"]["x-hub-signature-256"].startswith("sha256=")

    assert c.post(f"/api/v1/workflows/{wf['id']}/deactivate").status_code == 200
    assert github.hooks == {}
    assert [r.method for r in github.calls("/hooks") + github.calls(f"/{hook['id']}")] == [
        "POST",
        "DELETE",
    ]


def test_typeform_trigger_registers_verifies_and_runs(
    server: Server, typeform: FakeTypeform
) -> None:
    c = server.client
    cred = _credential(server, "typeformApi", {"accessToken": TF_TOKEN, "baseUrl": typeform.url})
    wf, path = _workflow(
        server,
        {
            "name": "Typeform Trigger",
            "type": "n8n-nodes-base.typeformTrigger",
            "typeVersion": 1.1,
            "parameters": {"formId": FORM_ID},
            "credentials": {"typeformApi": {"id": cred}},
        },
    )
    assert c.post(f"/api/v1/workflows/{wf['id']}/activate").status_code == 200
    (form, tag), hook = typeform.the_webhook()
    assert form == FORM_ID and hook["url"].endswith(path) and hook["enabled"] is True
    assert typeform.secrets[(form, tag)]

    to = server.url + path
    assert typeform.deliver(signed=False, to=to)[0] == 403
    assert typeform.deliver(signature="sha256=bm90IHRoZSBzaWduYXR1cmU=", to=to)[0] == 403
    assert _executions(server, wf) == []
    status, text = typeform.deliver(to=to)
    assert status == 200, text

    (item,) = _one_run_output(server, wf)  # simplifyAnswers and onlyAnswers: n8n's defaults
    assert item == {
        "What is your name?": "Ada",
        "Hi [field:name], favourite colour?": "Blue",
        "Tools you use": ["n8n", "Hetumind"],
        "How likely are you to recommend us?": 9,
    }

    assert c.post(f"/api/v1/workflows/{wf['id']}/deactivate").status_code == 200
    assert typeform.webhooks == {}
    body = form_response()
    assert c.post(path, json=body).status_code == 404  # the route is gone too
