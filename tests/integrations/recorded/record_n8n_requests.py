"""Record what n8n itself sends to the fake Telegram Bot API for the workflow in
telegram_workflow.json (not a test: run by hand where n8n is installed).

    ../shared/tools/n8n-oracle install
    .venv/bin/python tests/integrations/recorded/record_n8n_requests.py

n8n's Telegram credential has a base URL, so n8n can be pointed at the fake; the requests
the fake received (method, path without the token, JSON body) are written to
telegram_n8n_requests.json, which test_conformance_requests.py compares with what
Hetumind sends for the same workflow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes._base import serving  # noqa: E402
from tests.fakes.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

HOME = Path(os.environ.get("N8N_ORACLE_HOME", Path.home() / ".cache/n8n-oracle"))
N8N = HOME / "node_modules/.bin/n8n"


def requests_seen(fake: FakeTelegram) -> list[dict[str, object]]:
    """The calls as the comparison reads them: the token is not part of the path."""
    return [
        {"method": r.method, "path": r.path.replace(f"/bot{TOKEN}", "/bot<token>"), "body": r.json}
        for r in fake.log
    ]


def main() -> None:
    workflow = json.loads((HERE / "telegram_workflow.json").read_text())
    with serving(FakeTelegram()) as fake, tempfile.TemporaryDirectory() as user:
        env = dict(
            os.environ,
            N8N_USER_FOLDER=user,
            N8N_DIAGNOSTICS_ENABLED="false",
            N8N_VERSION_NOTIFICATIONS_ENABLED="false",
            N8N_PERSONALIZATION_ENABLED="false",
            N8N_EXPRESSION_ENGINE="legacy",
            N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS="false",
        )
        creds = [
            {
                "id": "tgFakeCred01",
                "name": "Fake bot",
                "type": "telegramApi",
                "data": {"accessToken": TOKEN, "baseUrl": fake.url},
            }
        ]
        cred_file = Path(user) / "creds.json"
        cred_file.write_text(json.dumps(creds))
        wf_file = Path(user) / "wf.json"
        wf_file.write_text(json.dumps({**workflow, "id": "tgConformance01"}))
        for args in (
            ["import:credentials", f"--input={cred_file}"],
            ["import:workflow", f"--input={wf_file}"],
        ):
            subprocess.run([str(N8N), *args], env=env, check=True, capture_output=True)
        with tempfile.TemporaryFile("w+") as out:
            subprocess.run(
                [str(N8N), "execute", "--id=tgConformance01", "--rawOutput"],
                env=env,
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            out.seek(0)
            text = out.read()
        seen = requests_seen(fake)
    (HERE / "telegram_n8n_requests.json").write_text(
        json.dumps(seen, indent=1, sort_keys=True) + "\n"
    )
    print(f"{len(seen)} requests recorded; n8n said: {text[text.find('{') :][:300]}")


if __name__ == "__main__":
    main()
