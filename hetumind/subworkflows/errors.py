"""The one error of this package; nodes turn it into a NodeExecutionError naming themselves."""

from __future__ import annotations

from hetumind.errors import HetumindError

__all__ = ["SubworkflowError"]


class SubworkflowError(HetumindError):
    """A sub-workflow could not be found, may not be called, or failed."""
