"""Sandbox fixtures: the interpreter modules (installed by `make install`) and a payload."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.sandbox.assets import ensure_assets


@pytest.fixture(scope="session", autouse=True)
def wasm_assets() -> None:
    """The two interpreters; a no-op once `python -m hetumind.sandbox.assets` has run."""
    ensure_assets()


def payload(items: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """The Code node's payload for `run_code`, with sensible defaults."""
    return {
        "mode": "runOnceForAllItems",
        "items": [{"json": j} for j in (items if items is not None else [{"a": 1}])],
        "nodes": {},
        "runIndex": 0,
        "continueOnFail": False,
        "workflow": {"id": None, "name": "test", "active": False},
        "execution": {"id": "e1", "mode": "test", "resumeUrl": ""},
        "vars": {},
        **extra,
    }
