"""Errors of the AI nodes; all are `HetumindError`s, so a run reports them, never a trace."""

from __future__ import annotations

from hetumind.errors import HetumindError

__all__ = ["AIConfigError", "ModelError", "OutputParserError", "ToolError"]


class AIConfigError(HetumindError):
    """A model, tool or memory sub-node is missing or mis-configured."""


class ModelError(HetumindError):
    """The model server refused or failed a request (HTTP status, timeout, bad reply)."""


class ToolError(HetumindError):
    """A tool failed; the agent shows the message to the model instead of stopping."""


class OutputParserError(HetumindError):
    """The model's output did not satisfy the output parser, even after retries."""
