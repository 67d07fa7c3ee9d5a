"""Moved to hetumind.asyncbridge (one bridge for store, database nodes and AI clients).
Kept as an alias only while code in flight still imports it; import hetumind.asyncbridge."""

from hetumind.asyncbridge import process_loop, run_sync

__all__ = ["process_loop", "run_sync"]
