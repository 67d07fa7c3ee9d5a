"""A watchdog that makes a local Ray fate-share with the process that started it.

Ray's own kernel fate-sharing (PR_SET_PDEATHSIG) covers only the processes the driver
spawns directly (GCS, raylet, monitors). When the driver is SIGKILLed alone, the raylet's
children that are not workers (the dashboard and runtime-env agents) were measured still
running 40 s later, writing to the session's logs. This watchdog runs in a session of its
own (so it also outlives a SIGKILL of the server's process group), keeps a fresh list of
the server's descendants, and when the server dies terminates every one still alive.

Linux only (it reads /proc and waits on a pidfd); elsewhere Ray's own reaper is all there
is. Run as `python -m hetumind.cli.ray_reaper PID`; `start_reaper()` does that.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time

__all__ = ["descendants", "reap", "start_reaper", "watch"]

REFRESH_SECONDS = 0.5  # how often the list of descendants is refreshed
TERM_GRACE_SECONDS = 2.0  # SIGTERM first, SIGKILL what is still alive after this

# (pid, start time in clock ticks): a reused pid is never mistaken for one of ours
Key = tuple[int, int]


def start_reaper(pid: int | None = None) -> subprocess.Popen[bytes] | None:
    """Start the watchdog for `pid` (default: this process); None where unsupported."""
    if not (sys.platform.startswith("linux") and hasattr(os, "pidfd_open")):
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "hetumind.cli.ray_reaper", str(pid or os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # survives a SIGKILL of the server's process group
        close_fds=True,
    )


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, start time) from /proc/PID/stat, None when gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = raw[raw.rfind(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def _table() -> dict[int, tuple[str, int, int]]:
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (st := _stat(int(name))) is not None:
            table[int(name)] = st
    return table


def descendants(root: int) -> set[Key]:
    """Every living descendant of `root`, as (pid, start time)."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: set[Key] = set()
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.add((pid, table[pid][2]))
        todo.extend(children.get(pid, []))
    return found


def _alive(key: Key) -> bool:
    st = _stat(key[0])
    return st is not None and st[2] == key[1] and st[0] not in ("Z", "X")


def _signal(keys: set[Key], sig: signal.Signals) -> None:
    for key in keys:
        if _alive(key):
            with contextlib.suppress(OSError):
                os.kill(key[0], sig)


def reap(keys: set[Key]) -> None:
    """SIGTERM the processes still alive (and their own children), then SIGKILL those
    that outlive the grace period."""
    alive = {k for k in keys if _alive(k)}
    for key in list(alive):
        alive |= descendants(key[0])
    _signal(alive, signal.SIGTERM)
    deadline = time.monotonic() + TERM_GRACE_SECONDS
    while time.monotonic() < deadline and any(_alive(k) for k in alive):
        time.sleep(0.1)
    _signal(alive, signal.SIGKILL)


def watch(pid: int) -> None:
    """Wait for `pid` to exit, tracking its descendants, then reap them."""
    me = os.getpid()
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return
    tracked: set[Key] = set()
    try:
        while True:
            tracked |= {k for k in descendants(pid) if k[0] != me}
            # the pidfd becomes readable the moment the server exits: no polling delay
            if select.select([fd], [], [], REFRESH_SECONDS)[0]:
                break
    finally:
        os.close(fd)
    reap(tracked)


if __name__ == "__main__":
    watch(int(sys.argv[1]))
