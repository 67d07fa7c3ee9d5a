"""The store's event-loop thread is hetumind.asyncbridge.LoopThread (one bridge for the
store, the database nodes and the AI clients); this name stays for hetumind.store.db."""

from hetumind.asyncbridge import LoopThread

__all__ = ["LoopThread"]
