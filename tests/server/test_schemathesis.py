"""schemathesis against the live API (uvicorn on loopback, the real app and store), with
every check, positive_data_acceptance included: what the OpenAPI document allows is
accepted, what it refuses is refused. tests/server/schemathesis.toml lists the operations
whose bodies have rules beyond JSON Schema (see docs/security.md, "Known gaps")."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import httpx
import pytest

from tests.server.helpers import AUTH, OWNER_KEY, OWNER_PASSWORD, free_port

ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from serve_app.app import create_fastapi_app
    from serve_app.services import Services, install
    from serve_app.settings import ServerSettings

    port = free_port()
    settings = ServerSettings.from_env(
        {
            "HETUMIND_HOME": str(tmp_path_factory.mktemp("schemathesis")),
            "HETUMIND_OWNER_API_KEY": OWNER_KEY,
            "HETUMIND_OWNER_PASSWORD": OWNER_PASSWORD,
            "HETUMIND_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
    )
    install(lambda: Services.open(settings, None, None))
    server = uvicorn.Server(
        uvicorn.Config(create_fastapi_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the live server did not start"
        time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(timeout=30)
    install(lambda: Services.open(settings, None, None))


def test_schemathesis_finds_no_failures(live_url: str) -> None:
    # The authenticated caller reaches every route; 401s are covered by test_security.py.
    header = f"{next(iter(AUTH))}: {OWNER_KEY}"
    result = subprocess.run(
        [
            str(ST),
            "--config-file",
            str(CONFIG),
            "run",
            f"{live_url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "5",
            "--workers",
            "1",
            "--generation-deterministic",
            "-H",
            header,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_key_scopes_in_the_schema_match_the_auth_package() -> None:
    from hetumind.auth import SCOPES
    from serve_app.schemas import Scope

    assert set(get_args(Scope)) == {"*", *SCOPES}
