"""Errors of the AI nodes; all are `HetumindError`s, so a run reports them, never a trace."""

from __future__ import annotations

from hetumind.errors import HetumindError

__all__ = ["AIConfigError", "ModelError", "OutputParserError", "ToolError", "service_failure"]


class AIConfigError(HetumindError):
    """A model, tool or memory sub-node is missing or mis-configured."""


class ModelError(HetumindError):
    """The model server refused or failed a request (HTTP status, timeout, bad reply)."""


class ToolError(HetumindError):
    """A tool failed; the agent shows the message to the model instead of stopping."""


class OutputParserError(HetumindError):
    """The model's output did not satisfy the output parser, even after retries."""


def service_failure(exc: HetumindError) -> str:
    """A failed service call in a few words: the reason without the node (the node's run
    names it once) and the service's own description when it gave one."""
    reason = str(getattr(exc, "reason", None) or exc.message)
    description = getattr(exc, "description", None)
    return f"{reason} ({description})" if description else reason
