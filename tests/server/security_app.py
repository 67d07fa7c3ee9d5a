"""The API app in-process (FastAPI's TestClient, no Ray Serve): fast security tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from tests.server.helpers import AUTH, OWNER_KEY, OWNER_PASSWORD


@contextmanager
def local_app(home: Path, **env: str) -> Iterator[TestClient]:
    """A client of a fresh app on its own SQLite store, as the owner (AUTH) when asked."""
    from hetumind.engine.ray_backend import ensure_ray
    from serve_app.app import create_fastapi_app
    from serve_app.services import Services, install
    from serve_app.settings import ServerSettings

    settings = ServerSettings.from_env(
        {
            "HETUMIND_HOME": str(home),
            "HETUMIND_OWNER_PASSWORD": OWNER_PASSWORD,
            "HETUMIND_OWNER_API_KEY": OWNER_KEY,
            "HETUMIND_MAX_BODY_BYTES": str(4 * 1024 * 1024),
            **env,
        }
    )
    # Ray on the main thread, 2 CPUs, as the session's fixture starts it: a run on the
    # Ray backend would otherwise start a Ray of its own from the app's worker thread,
    # whose GCS is gone once this app closes, and a later Serve test cannot connect.
    ensure_ray(num_cpus=2)
    install(lambda: Services.open(settings, None, None))
    with TestClient(create_fastapi_app(), base_url="http://localhost") as client:
        client.get("/healthz")
        yield client
    install(lambda: Services.open(settings, None, None))  # drop the opened services


__all__ = ["AUTH", "local_app"]
