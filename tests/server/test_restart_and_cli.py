"""Everything survives a restart of the app; the CLI client speaks to the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hetumind.cli.main import app
from tests.server.helpers import OWNER_KEY, Server, manual_workflow, webhook_workflow

pytestmark = pytest.mark.slow


def test_restart_keeps_workflows_executions_and_active_webhooks(server: Server) -> None:
    c = server.client
    hook = server.create(webhook_workflow("survivor", "lastNode"), activate=True)
    plain = server.create(manual_workflow("survivor plain"))
    assert c.post("/webhook/survivor", json={"name": "Fay"}).status_code == 200
    run = c.post(f"/api/v1/workflows/{plain['id']}/run?wait=true", json={"n": 4}).json()
    workflows = {w["id"] for w in c.get("/api/v1/workflows", params={"limit": 250}).json()["data"]}
    server.wait_for(
        lambda: c.get("/api/v1/executions", params={"workflowId": hook["id"]}).json()["data"]
    )
    executions = {
        e["id"] for e in c.get("/api/v1/executions", params={"limit": 250}).json()["data"]
    }

    server.restart()

    after = {w["id"] for w in c.get("/api/v1/workflows", params={"limit": 250}).json()["data"]}
    assert after == workflows
    kept = {e["id"] for e in c.get("/api/v1/executions", params={"limit": 250}).json()["data"]}
    assert executions <= kept
    data = c.get(f"/api/v1/executions/{run['executionId']}", params={"includeData": "true"})
    assert data.json()["runData"]["Double"][0]["outputs"] == [[{"n": 4, "double": 8}]]
    assert c.get(f"/api/v1/workflows/{hook['id']}").json()["active"] is True
    r = c.post("/webhook/survivor", json={"name": "Gus"})
    assert r.status_code == 200 and r.json()["greeting"] == "Hello Gus"


def test_cli_client_commands(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HETUMIND_API_KEY", OWNER_KEY)
    runner = CliRunner()
    doc = {**webhook_workflow("cli-hook", "lastNode"), "id": "cliwf0000000001"}
    (tmp_path / "one.json").write_text(json.dumps(doc))
    url = ["--url", server.url]

    r = runner.invoke(app, ["workflow", "import", str(tmp_path), *url, "--activate"])
    assert r.exit_code == 0, r.output
    assert "cliwf0000000001" in r.output and "(active)" in r.output
    r = runner.invoke(app, ["workflow", "import", str(tmp_path / "one.json"), *url])
    assert r.exit_code == 0, r.output  # a second import replaces, it does not clash

    r = runner.invoke(app, ["workflow", "list", "--json", *url])
    assert r.exit_code == 0
    assert "cliwf0000000001" in {w["id"] for w in json.loads(r.output)}

    out = tmp_path / "exported.json"
    r = runner.invoke(app, ["workflow", "export", "cliwf0000000001", "-o", str(out), *url])
    assert r.exit_code == 0 and json.loads(out.read_text())["name"] == doc["name"]

    assert server.client.post("/webhook/cli-hook", json={"name": "Hal"}).status_code == 200
    r = runner.invoke(app, ["workflow", "activate", "cliwf0000000001", "--off", *url])
    assert r.exit_code == 0 and "inactive" in r.output

    def listed() -> list:
        r = runner.invoke(
            app, ["execution", "list", "--workflow", "cliwf0000000001", "--json", *url]
        )
        assert r.exit_code == 0, r.output
        return json.loads(r.output)

    rows = server.wait_for(listed)
    r = runner.invoke(app, ["execution", "show", rows[0]["id"], *url])
    assert r.exit_code == 0 and json.loads(r.output)["runData"]["Set"]

    r = runner.invoke(app, ["workflow", "export", "missing", *url])
    assert r.exit_code == 2 and "404" in r.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.json").write_text("{")
    r = runner.invoke(app, ["workflow", "import", str(bad), *url])
    assert r.exit_code == 2 and "broken.json" in r.output
    r = runner.invoke(app, ["workflow", "list", "--url", "http://127.0.0.1:9"])
    assert r.exit_code == 1 and "cannot reach" in r.output
