"""Shared fixtures: one small local Ray instance for the whole session, and the Serve app
on it (tests/server, and tests elsewhere that need a real server: tests/observability)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.server.helpers import Server

os.environ.setdefault("RAY_AUTH_MODE", "disabled")


@pytest.fixture(scope="session")
def ray_session() -> Iterator[None]:
    """Start Ray once (2 CPUs, never on Redis's port: ray.init picks a free one)."""
    import ray

    from hetumind.engine.ray_backend import ensure_ray

    ensure_ray(num_cpus=2)
    yield
    ray.shutdown()


@pytest.fixture(params=["inline", "ray"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test on both backends; they must agree."""
    if request.param == "ray":
        request.getfixturevalue("ray_session")
    return str(request.param)


@pytest.fixture(scope="session")
def server(ray_session: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real Serve app on the session's Ray: HTTP on a free loopback port, its own store.
    Two API replicas (so cross-replica paths are exercised), one bus, one scheduler."""
    import httpx
    from ray import serve

    from tests.server.helpers import Server, free_port

    port = free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=60) as client:
        srv = Server(url, tmp_path_factory.mktemp("hetumind-home"), 2, client)
        srv.deploy()
        yield srv
    serve.shutdown()
