"""Batch runs: one workflow over millions of rows on a Ray cluster (see docs/batch.md).

Imports are lazy so that loading the CLI (which registers `hetumind batch`) stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BatchOptions", "BatchPlan", "BatchReport", "plan_batch", "run_batch"]

_HOME = {
    "BatchPlan": "hetumind.batch.plan",
    "plan_batch": "hetumind.batch.plan",
    "BatchOptions": "hetumind.batch.runner",
    "BatchReport": "hetumind.batch.report",
    "run_batch": "hetumind.batch.runner",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'hetumind.batch' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOME[name]), name)
