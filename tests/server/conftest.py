"""The real Serve app on the session's Ray: HTTP on a free loopback port, its own store."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server.helpers import Server, free_port


@pytest.fixture(scope="session")
def server(ray_session: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two API replicas (so cross-replica paths are exercised), one bus, one scheduler."""
    from ray import serve

    port = free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=60) as client:
        srv = Server(url, tmp_path_factory.mktemp("hetumind-home"), 2, client)
        srv.deploy()
        yield srv
    serve.shutdown()
