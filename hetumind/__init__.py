"""Hetumind: n8n-compatible workflow automation on Ray, with items as Arrow tables."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hetumind.errors import (
    ExpressionError,
    Forbidden,
    HetumindError,
    NodeExecutionError,
    NotFound,
    WorkflowInvalid,
)

if TYPE_CHECKING:
    from hetumind.items import ItemBatch
    from hetumind.workflow import Workflow, load_workflow, parse_workflow

__version__ = "0.1.0"

__all__ = [
    "ExpressionError",
    "Forbidden",
    "HetumindError",
    "ItemBatch",
    "NodeExecutionError",
    "NotFound",
    "Workflow",
    "WorkflowInvalid",
    "__version__",
    "load_workflow",
    "parse_workflow",
]

# Re-exported on first access (PEP 562), so importing one submodule (hetumind.errors,
# hetumind.cli._startup) does not load pyarrow and pydantic with the package.
_LAZY = {
    "ItemBatch": "hetumind.items",
    "Workflow": "hetumind.workflow",
    "load_workflow": "hetumind.workflow",
    "parse_workflow": "hetumind.workflow",
}


def __getattr__(name: str) -> Any:
    if name in ("items", "workflow"):  # loaded with the package before; still reachable
        return importlib.import_module(f"hetumind.{name}")
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'hetumind' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
