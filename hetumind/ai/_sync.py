"""Moved to hetumind.asyncbridge (`run_fresh`, `gather_limited`). Kept as an alias only
while code in flight still imports it; import hetumind.asyncbridge."""

from hetumind.asyncbridge import gather_limited
from hetumind.asyncbridge import run_fresh as run_sync

__all__ = ["gather_limited", "run_sync"]
