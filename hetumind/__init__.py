"""Hetumind: n8n-compatible workflow automation on Ray, with items as Arrow tables."""

from hetumind.errors import (
    ExpressionError,
    Forbidden,
    HetumindError,
    NodeExecutionError,
    NotFound,
    WorkflowInvalid,
)
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
