"""`hetumind user create`, the CLI client's key, and the embedded Ray's token auth env."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hetumind.cli.main import app
from hetumind.cli.serve import embedded_ray_env
from tests.server.security_app import local_app


def test_user_create_prints_a_password_and_key_that_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    r = CliRunner().invoke(
        app, ["user", "create", "ann@example.com", "--role", "owner", "--api-key"]
    )
    assert r.exit_code == 0, r.output
    password = re.search(r"password: (\S+)", r.output)
    key = re.search(r"API key: (hmk_\S+)", r.output)
    assert password and key
    again = CliRunner().invoke(app, ["user", "create", "bob@example.com", "--role", "owner"])
    assert again.exit_code == 2  # one owner
    weak = CliRunner().invoke(app, ["user", "create", "c@example.com", "--password", "short"])
    assert weak.exit_code == 2 and "12 characters" in weak.output
    with local_app(tmp_path) as api:
        me = api.get("/api/v1/auth/me", headers={"X-HETUMIND-API-KEY": key.group(1)})
        assert me.status_code == 200 and me.json()["role"] == "owner"
        login = api.post(
            "/api/v1/auth/login", json={"email": "ann@example.com", "password": password.group(1)}
        )
        assert login.status_code == 200
        # No second owner was bootstrapped on top of the one the CLI made.
        users = api.get("/api/v1/users", headers={"X-HETUMIND-API-KEY": key.group(1)}).json()
        assert [u["email"] for u in users["data"]] == ["ann@example.com"]


def test_the_cli_client_sends_the_configured_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hetumind.cli import client

    config = tmp_path / "config.json"
    config.write_text('{"apiKey": "hmk_from_config", "url": "http://example.invalid:1"}')
    monkeypatch.setenv("HETUMIND_CONFIG", str(config))
    monkeypatch.delenv("HETUMIND_API_KEY", raising=False)
    monkeypatch.delenv("HETUMIND_URL", raising=False)
    assert client.api_key() == "hmk_from_config"
    assert client._base(None) == "http://example.invalid:1"
    monkeypatch.setenv("HETUMIND_API_KEY", "hmk_from_env")
    assert client.api_key() == "hmk_from_env"


def test_embedded_ray_gets_token_auth_with_a_private_token(tmp_path: Path) -> None:
    env = embedded_ray_env(tmp_path, {})
    assert env["RAY_AUTH_MODE"] == "token"
    token = Path(env["RAY_AUTH_TOKEN_PATH"])
    assert len(token.read_text()) == 64
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert embedded_ray_env(tmp_path, {}) == env  # the same token on the next start
    assert embedded_ray_env(tmp_path, {"RAY_AUTH_MODE": "disabled"}) == {}  # explicit wins


RAY_SCRIPT = """
import logging, os, subprocess, sys
from pathlib import Path
os.environ.pop("RAY_AUTH_MODE", None)
from hetumind.cli.serve import embedded_ray_env
os.environ.update(embedded_ray_env(Path(sys.argv[1])))
import ray
ctx = ray.init(address="local", include_dashboard=False, logging_level=logging.WARNING, num_cpus=1)
gcs = ctx.address_info["gcs_address"]
join = "import ray, sys; ray.init(address=sys.argv[1], logging_level=40); print('JOINED')"
def attempt(env):
    r = subprocess.run([sys.executable, "-c", join, gcs], env=env, capture_output=True,
                       text=True, timeout=120)
    return "JOINED" in r.stdout
stranger = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
stranger.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN="0" * 64)
print("stranger", attempt(stranger))
print("holder", attempt(dict(os.environ)))
ray.shutdown()
"""


@pytest.mark.slow
def test_the_embedded_ray_refuses_a_process_without_its_token(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    r = subprocess.run(
        [sys.executable, "-c", RAY_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
        env={k: v for k, v in __import__("os").environ.items() if k != "RAY_ADDRESS"},
    )
    assert "stranger False" in r.stdout and "holder True" in r.stdout, r.stdout + r.stderr[-3000:]


def test_serve_first_start_makes_an_owner_and_a_cli_key_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hetumind.cli.serve import _prepare_accounts

    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    monkeypatch.delenv("HETUMIND_OWNER_PASSWORD", raising=False)
    owner, import_key, cli_key = _prepare_accounts(importing=True)
    assert owner is not None and len(owner.password) >= 12
    assert cli_key and import_key
    again, _, no_key = _prepare_accounts(importing=False)
    assert again is None and no_key is None  # printed once only
    with local_app(tmp_path) as api:
        assert (
            api.get("/api/v1/auth/me", headers={"X-HETUMIND-API-KEY": cli_key}).status_code == 200
        )
        r = api.post("/api/v1/auth/login", json={"email": owner.email, "password": owner.password})
        assert r.status_code == 200
        narrow = {"X-HETUMIND-API-KEY": import_key[1]}
        assert api.get("/api/v1/credentials", headers=narrow).status_code == 403
