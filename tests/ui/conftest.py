"""Browser tests of the web app: the real FastAPI app (API + built web app, one origin)
served in-process by uvicorn on a free loopback port, on its own SQLite store, and Debian's
Chromium (/usr/bin/chromium, scripts/ensure-chromium.sh) driven by Playwright for Python,
which never downloads a browser of its own.

Small workflows run on the inline backend inside the app (as in a Serve replica); without
the Serve event bus, /executions/{id}/stream follows the store, which is what the web app
watches."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.server.helpers import AUTH, OWNER_EMAIL, OWNER_KEY, OWNER_PASSWORD, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = os.environ.get("HETUMIND_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / (
    os.environ.get("HETUMIND_UI_SCREENSHOTS") or Path(tempfile.gettempdir()) / "hetumind-ui"
)
"""Where shot() writes; docs/ui.md's pictures come from
`HETUMIND_UI_SCREENSHOTS=docs/ui pytest tests/ui` (a plain run leaves docs/ untouched)."""
VIEWPORT = {"width": 1280, "height": 800}

__all__ = ["AUTH", "OWNER_EMAIL", "OWNER_PASSWORD", "UiServer", "login", "shot"]


@dataclass
class UiServer:
    url: str
    home: Path
    client: httpx.Client
    """An owner API client (API key) for setting up what a test needs."""
    factory: Any = None
    opened: Any = None
    users: dict[str, str] = field(default_factory=dict)

    def create(self, doc: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post("/api/v1/workflows", json=doc)
        assert r.status_code == 201, r.text
        wf: dict[str, Any] = r.json()
        return wf

    def user(self, email: str, password: str, role: str | None = None) -> str:
        """A member account (once), with `role` in the default project when given."""
        if email not in self.users:
            r = self.client.post("/api/v1/users", json={"email": email, "password": password})
            assert r.status_code == 201, r.text
            self.users[email] = r.json()["id"]
        if role is not None:
            r = self.client.put(
                f"/api/v1/projects/default/members/{self.users[email]}", json={"role": role}
            )
            assert r.status_code == 200, r.text
        return self.users[email]


class _Uvicorn(threading.Thread):
    def __init__(self, app: Any, port: int) -> None:
        super().__init__(name="hetumind-ui-server", daemon=True)
        import uvicorn

        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        asyncio.run(self.server.serve())

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(timeout=15)


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    from serve_app import services as services_mod
    from serve_app.app import create_fastapi_app
    from serve_app.services import Services, install
    from serve_app.settings import ServerSettings

    home = tmp_path_factory.mktemp("hetumind-ui-home")
    settings = ServerSettings.from_env(
        {
            "HETUMIND_HOME": str(home),
            "HETUMIND_OWNER_PASSWORD": OWNER_PASSWORD,
            "HETUMIND_OWNER_API_KEY": OWNER_KEY,
            "HETUMIND_MAX_BODY_BYTES": str(8 * 1024 * 1024),
            "HETUMIND_ALLOWED_HOSTS": "127.0.0.1",
        }
    )

    async def factory() -> Services:
        return await Services.open(settings, None, None)

    install(factory)
    port = free_port()
    thread = _Uvicorn(create_fastapi_app(), port)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not thread.server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the UI server did not start"
        time.sleep(0.05)
    with httpx.Client(base_url=url, timeout=30, headers=AUTH) as client:
        assert client.get("/api/v1/auth/me").status_code == 200
        srv = UiServer(url, home, client, factory, services_mod.opened())
        yield srv
    thread.stop()


@pytest.fixture(autouse=True)
def _own_services(request: pytest.FixtureRequest) -> None:
    """Other in-process app tests (tests/server/security_app.py) install their services
    in the same module globals: put this server's back before each browser test."""
    if "ui_server" not in request.fixturenames:
        return
    from serve_app import services as services_mod

    srv: UiServer = request.getfixturevalue("ui_server")
    if srv.opened is None:
        srv.opened = services_mod.opened()
    if services_mod._factory is not srv.factory:
        services_mod._factory = srv.factory
        services_mod._opened = srv.opened


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium.sh")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a loaded 2-core machine answers slowly at times
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    )
    yield b
    b.close()


@pytest.fixture
def page(browser: Browser, ui_server: UiServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the app; console errors fail the test."""
    context = browser.new_context(base_url=ui_server.url, viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def login(page: Page, email: str = OWNER_EMAIL, password: str = OWNER_PASSWORD) -> None:
    page.goto("/")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("current-user").wait_for()


def shot(page: Page, name: str) -> None:
    """A screenshot of the main screens (docs/ui/<name>.png when asked: SHOTS)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # let the canvas settle
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed browser test leaves a screenshot of the page in the temp folder."""
    report = yield
    if report.when == "call" and report.failed and "page" in getattr(item, "funcargs", {}):
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"hetumind-ui-{item.name}.png"
        try:
            item.funcargs["page"].screenshot(path=str(path))  # type: ignore[attr-defined]
            report.sections.append(("screenshot", str(path)))
        except Exception:  # the page may be gone
            pass
    return report
