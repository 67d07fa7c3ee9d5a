"""Shared fixtures: one small local Ray instance for the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

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
