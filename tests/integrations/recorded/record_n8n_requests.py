"""Record what n8n itself sends to the SaaS fakes for the workflows in this folder (not a
test: run by hand where n8n is installed).

    ../shared/tools/n8n-oracle install
    .venv/bin/python tests/integrations/recorded/record_n8n_requests.py [SERVICE...]

For each service, n8n runs `<service>_workflow.json` against the service's fake and the
requests the fake received (method, path, query, JSON or form body) are written to
`<service>_n8n_requests.json`; test_conformance_requests.py checks that Hetumind sends the
same for the same workflow. n8n's Telegram, GitHub (`server`) and WordPress (`url`)
credentials carry a base URL; the other nodes call fixed https hosts, which
redirect_hosts.js (preloaded into n8n) sends to the fake.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes import (  # noqa: E402
    fake_airtable,
    fake_discord,
    fake_github,
    fake_notion,
    fake_slack,
    fake_telegram,
    fake_wordpress,
)
from tests.fakes._base import FakeService, serving  # noqa: E402

HOME = Path(os.environ.get("N8N_ORACLE_HOME", Path.home() / ".cache/n8n-oracle"))
N8N = HOME / "node_modules/.bin/n8n"


def _telegram_creds(url: str) -> dict[str, Any]:
    return {"accessToken": fake_telegram.TOKEN, "baseUrl": url}


def _github() -> fake_github.FakeGitHub:
    """A repository with 205 issues (three pages of 100 for returnAll), three files and
    three repositories of its owner."""
    fake = fake_github.FakeGitHub()
    for n in range(1, 206):
        fake.add_issue(f"Seeded issue {n}", body=f"Body {n}", labels=["seed"] if n % 3 else [])
    fake.files.update({"README.md": b"# hello\n", "docs/a.md": b"A", "docs/b.md": b"B"})
    fake.repos = [
        {"id": n, "name": f"repo{n}", "owner": {"login": fake_github.OWNER}} for n in (1, 2, 3)
    ]
    return fake


def _discord() -> fake_discord.FakeDiscord:
    """A channel with 149 messages (with the workflow's own, pages of 100, 50 and 0)."""
    fake = fake_discord.FakeDiscord()
    channel = fake.add_channel("general")["id"]
    for n in range(1, 150):
        fake.add_message(channel, f"Seeded message {n}")
    return fake


def _wordpress() -> fake_wordpress.FakeWordPress:
    """A site with 24 posts (with the workflow's own, three pages of 10 for returnAll)."""
    fake = fake_wordpress.FakeWordPress()
    for n in range(1, 25):
        fake.add("posts", f"Seeded post {n}", status="publish", content=f"<p>Post {n}</p>")
    return fake


SERVICES: dict[str, tuple[Callable[[], FakeService], str, Callable[[str], dict[str, Any]], str]] = {
    # service: (fake, credential type, credential data for the fake's URL, host n8n calls)
    "telegram": (fake_telegram.FakeTelegram, "telegramApi", _telegram_creds, ""),
    "slack": (
        fake_slack.FakeSlack,
        "slackApi",
        lambda url: {"accessToken": fake_slack.BOT_TOKEN},
        "slack.com",
    ),
    "airtable": (
        fake_airtable.FakeAirtable,
        "airtableTokenApi",
        lambda url: {"accessToken": fake_airtable.TOKEN},
        "api.airtable.com",
    ),
    "notion": (
        fake_notion.FakeNotion,
        "notionApi",
        lambda url: {"apiKey": fake_notion.SECRET},
        "api.notion.com",
    ),
    "discord": (
        _discord,
        "discordBotApi",
        lambda url: {"botToken": fake_discord.BOT_TOKEN},
        "discord.com",
    ),
    # n8n's githubApi and wordpressApi credentials carry the server / site URL
    "github": (
        _github,
        "githubApi",
        lambda url: {"accessToken": fake_github.TOKEN, "server": url, "user": "octo"},
        "",
    ),
    "wordpress": (
        _wordpress,
        "wordpressApi",
        lambda url: {
            "username": fake_wordpress.USER,
            "password": fake_wordpress.APP_PASSWORD,
            "url": url,
        },
        "",
    ),
}
for _name in ("slack", "airtable", "notion"):  # more workflows for the same fakes
    SERVICES[f"{_name}_v1"] = SERVICES[f"{_name}_paging"] = SERVICES[_name]
SERVICES["telegram_upload"] = SERVICES["telegram"]
SERVICES["notion_blocks"] = SERVICES["notion"]
SERVICES["airtable_matching"] = SERVICES["airtable"]
SERVICES["notion_filters"] = SERVICES["notion"]
for _name in ("more", "binary", "errors"):
    SERVICES[f"github_{_name}"] = SERVICES["github"]
SERVICES["wordpress_more"] = SERVICES["wordpress_errors"] = SERVICES["wordpress"]
BAD_CREDENTIALS: dict[str, dict[str, Any]] = {
    # <service>_refused workflows run with a credential the fake refuses
    "telegram": {"accessToken": "0:refused"},
    "slack": {"accessToken": "xoxb-refused"},
    "airtable": {"accessToken": "patREFUSED"},
    "notion": {"apiKey": "secret_refused"},
    "github": {"accessToken": "ghp_REFUSED"},
    "discord": {"botToken": "MTA.refused"},
    "wordpress": {"password": "wrong pass word"},
}
for _name in BAD_CREDENTIALS:
    SERVICES[f"{_name}_refused"] = SERVICES[_name]


def credential_data(service: str, url: str) -> dict[str, Any]:
    """The credential a recorded workflow runs with (a refused one for *_refused)."""
    base = service.split("_")[0]
    data = SERVICES[service][2](url)
    if service.endswith("_refused"):
        data = {**data, **BAD_CREDENTIALS[base]}
    return data


CREDENTIAL_ID = "fakeCredential1"
FAKE_URL = "http://fake.invalid"
"""Stands for the fake's own URL in recorded outputs."""


def requests_seen(fake: FakeService) -> list[dict[str, Any]]:
    """The calls as the comparison reads them (Telegram's token is not part of the path)."""
    out = []
    for r in fake.log:
        call: dict[str, Any] = {
            "method": r.method,
            "path": r.path.replace(f"/bot{fake_telegram.TOKEN}", "/bot<token>"),
        }
        if r.query:
            call["query"] = r.query
        if r.json is not None:
            call["body"] = r.json
        elif r.form or r.files:
            call["form"] = r.form
        if r.files:  # multipart file parts: name -> [file name, content type, text]
            call["files"] = {
                k: [n, t, d.decode(errors="replace")] for k, (n, t, d) in r.files.items()
            }
        out.append(call)
    return out


def record(service: str) -> None:
    make, kind, _data, host = SERVICES[service]
    workflow = json.loads((HERE / f"{service}_workflow.json").read_text())
    with serving(make()) as fake, tempfile.TemporaryDirectory() as user:
        port = fake.url.rsplit(":", 1)[1]
        env = dict(
            os.environ,
            N8N_USER_FOLDER=user,
            N8N_DIAGNOSTICS_ENABLED="false",
            N8N_VERSION_NOTIFICATIONS_ENABLED="false",
            N8N_PERSONALIZATION_ENABLED="false",
            N8N_EXPRESSION_ENGINE="legacy",
            N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS="false",
            NODE_OPTIONS=f"--require {HERE / 'redirect_hosts.js'}",
            FAKE_HOSTS=f"{host}=127.0.0.1:{port}" if host else "",
        )
        creds = [
            {
                "id": CREDENTIAL_ID,
                "name": "Fake",
                "type": kind,
                "data": credential_data(service, fake.url),
            }
        ]
        (Path(user) / "creds.json").write_text(json.dumps(creds))
        (Path(user) / "wf.json").write_text(json.dumps({**workflow, "id": f"conf{service}01"}))
        for args in (
            ["import:credentials", f"--input={user}/creds.json"],
            ["import:workflow", f"--input={user}/wf.json"],
        ):
            subprocess.run([str(N8N), *args], env=env, check=True, capture_output=True)
        with tempfile.TemporaryFile("w+") as out:
            subprocess.run(
                [str(N8N), "execute", f"--id=conf{service}01", "--rawOutput"],
                env=env,
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            out.seek(0)
            # the fake's port changes each run; its URL (WordPress links) is written as FAKE_URL
            text = out.read().replace(fake.url, FAKE_URL)
        seen = requests_seen(fake)
    target = HERE / f"{service}_n8n_requests.json"
    target.write_text(json.dumps(seen, indent=1, sort_keys=True) + "\n")
    raw = json.loads(text[text.find("{") : text.rfind("}") + 1])
    outputs = node_outputs(raw)
    error = raw["data"]["resultData"].get("error")
    if error:
        outputs["__error__"] = [[{k: error.get(k) for k in ("message", "description", "httpCode")}]]
    (HERE / f"{service}_n8n_outputs.json").write_text(
        json.dumps(outputs, indent=1, sort_keys=True) + "\n"
    )
    print(f"{service}: {len(seen)} requests recorded; n8n: {raw.get('status')}")


def node_outputs(raw: dict[str, Any]) -> dict[str, list[list[dict[str, Any]]]]:
    """Each node's first run's main outputs (item json), from n8n's execution data."""
    runs = raw["data"]["resultData"]["runData"]
    return {
        name: [
            [item.get("json", {}) for item in (out or [])]
            for out in (r[0].get("data") or {}).get("main", [])
        ]
        for name, r in runs.items()
    }


if __name__ == "__main__":
    for name in sys.argv[1:] or list(SERVICES):
        record(name)
