"""Where a batch run's tasks execute: on Ray, or inline in this process for small inputs.

Starting or joining a Ray costs seconds, more than a small file takes to run, so a run
with no cluster named and at most `INLINE_ROWS` rows (or `--parallelism 1`) runs its
block tasks here, one after the other. Every task is the same function either way, so the
output is the same. Otherwise a cluster is joined when one is named (`--address`,
`RAY_ADDRESS`) or already running on this machine (`ray start`), else a new local Ray is
started.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["INLINE_ROWS", "Executor", "choose_executor"]

INLINE_ROWS = int(os.environ.get("HETUMIND_BATCH_INLINE_ROWS", "1000000"))
"""Inputs with at most this many rows (known up front: Parquet) run inline by default."""


@dataclass(eq=False)  # hashable by identity, like an object ref
class _Done:
    value: Any = None
    error: BaseException | None = None


@dataclass
class Executor:
    """Submit / wait / get over Ray object refs, or over tasks already run inline."""

    kind: str
    """"inline" or "ray"."""
    how: str
    """What it did, for stderr and the summary ("inline (no Ray)", "joined Ray at ...")."""
    _remotes: dict[Callable[..., Any], Any] = field(default_factory=dict)

    def cpus(self) -> int:
        if self.kind == "inline":
            return 1
        import ray

        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def put(self, value: Any) -> Any:
        if self.kind == "inline":
            return value
        import ray

        return ray.put(value)

    def submit(self, fn: Callable[..., Any], *args: Any, **remote_options: Any) -> Any:
        if self.kind == "inline":
            try:
                return _Done(fn(*args))
            except Exception as exc:  # reported like a failed Ray task
                return _Done(error=exc)
        remote = self._remotes.get(fn)
        if remote is None:
            import ray

            remote = self._remotes[fn] = ray.remote(**remote_options)(fn)
        return remote.remote(*args)

    def wait_one(self, handles: list[Any]) -> Any:
        if self.kind == "inline":
            return handles[0]
        import ray

        ready, _ = ray.wait(handles, num_returns=1)
        return ready[0]

    def get(self, handle: Any) -> Any:
        """The task's result; raises TaskFailed when the task raised or its worker died."""
        if self.kind == "inline":
            if handle.error is not None:
                raise TaskFailed(str(handle.error)) from handle.error
            return handle.value
        import ray

        try:
            return ray.get(handle)
        except ray.exceptions.RayError as exc:
            cause = getattr(exc, "cause", None) or exc
            raise TaskFailed(str(cause)) from exc

    def get_all(self, handles: list[Any]) -> list[Any]:
        return [self.get(h) for h in handles]

    def cancel(self, handle: Any) -> None:
        if self.kind == "ray":
            import ray

            ray.cancel(handle)


class TaskFailed(Exception):
    """A task raised (reading or writing failed) or its worker was lost for good."""


def _running_local_cluster() -> bool:
    """Whether `ray start` left a cluster running on this machine (its address file)."""
    tmp = Path(os.environ.get("RAY_TMPDIR", "/tmp")) / "ray" / "ray_current_cluster"
    return tmp.is_file()


def choose_executor(
    address: str | None, rows: int | None, mode: str, cpus: int | None = None
) -> Executor:
    """Inline for small inputs or one CPU unless a cluster is named; else Ray.

    `mode`: "auto", "inline" or "ray" (`--executor`); `cpus`: the CPUs of a new local Ray
    (`--parallelism`; all of the machine's when None). Says on stderr what it chose.
    """
    if mode == "inline":
        return _say(Executor("inline", "inline in this process (no Ray), as asked"))
    # Ray is imported only when it is used: importing it alone costs most of a small run.
    ray_mod = sys.modules.get("ray")
    if ray_mod is not None and ray_mod.is_initialized():
        return _say(Executor("ray", "on the Ray this process is already connected to"))
    target = address or os.environ.get("RAY_ADDRESS")
    if target is None and mode == "auto" and rows is not None and rows <= INLINE_ROWS:
        return _say(Executor("inline", f"inline in this process (no Ray): {rows:,} rows is small"))
    if target is None and mode == "auto" and cpus == 1:
        # One CPU runs the blocks one at a time on Ray too, after seconds of start-up.
        return _say(Executor("inline", "inline in this process (no Ray): --parallelism 1"))
    if target is None and _running_local_cluster():
        target = "auto"
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    if target == "auto":
        try:
            ray.init(address="auto", logging_level=logging.ERROR)
            return _say(Executor("ray", "on the Ray cluster already running on this machine"))
        except (ConnectionError, RuntimeError):
            target = None  # a stale address file: start our own
    if target is None:
        # "local" matters: without it ray.init joins any Ray it finds running.
        ray.init(
            address="local", num_cpus=cpus, include_dashboard=False, logging_level=logging.ERROR
        )
        return _say(Executor("ray", "on a new local Ray started for this run"))
    ray.init(address=target, logging_level=logging.ERROR)
    return _say(Executor("ray", f"on the running Ray cluster at {target}"))


def _say(executor: Executor) -> Executor:
    print(f"hetumind batch: running {executor.how}", file=sys.stderr)
    return executor
