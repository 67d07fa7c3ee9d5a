"""Execute Command (n8n's executeCommand, version 1): run a shell command on this machine.

As n8n does with Node's `child_process.exec`: `/bin/sh -c <command>` in the process's
working directory and environment; the item is `{exitCode, stderr, stdout}` with both
streams trimmed; a non-zero exit (or a signal) fails the item with Node's text
`Command failed: <command>\\n<stderr>`. The `executeOnce` *parameter* (default true)
runs the command for the first item only.

Differences, for safety: the command's stdin is /dev/null (n8n leaves a pipe open, so a
command that reads stdin hangs there); the command runs in a session of its own and its
whole process group is killed when the run is cancelled, interrupted or out of time (the
`timeout` parameter, a Hetumind extension, or the workflow's `settings.executionTimeout`);
a guard process kills the group too if the worker itself dies (a Ray force-cancel).
Output over 1 MiB per stream fails as Node's `maxBuffer` does.

In server mode the node is refused unless `HETUMIND_ENABLE_EXECUTE_COMMAND=true`
(hetumind.capabilities): a shell reaches past every file, network and credential check.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hetumind.capabilities import EXECUTE_COMMAND_ENV, CapabilityDenied, capabilities_of
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.item_wise import flat_map_items

MAX_BUFFER = 1024 * 1024
"""Node's default `maxBuffer` for exec, per stream."""


class ExecuteCommandParams(NodeParams):
    executeOnce: bool | str = True
    command: str = ""


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


class CommandFailed(Exception):
    """The command could not run to the end (timeout, too much output, no shell)."""


@node(
    "executeCommand",
    versions=[1],
    display_name="Execute Command",
    params=ExecuteCommandParams,
    fusible=False,
)
class ExecuteCommand(Node):
    """Executes a command on the host."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if not capabilities_of(ctx).execute_command:
            raise CapabilityDenied(
                f"node {ctx.node_name!r}: the Execute Command node is disabled in server "
                f"mode; set {EXECUTE_COMMAND_ENV}=true to enable it"
            )
        batch = inputs[0] if inputs else ItemBatch.empty()
        once = _boolean(ctx.param("executeOnce", 0, True))
        indexes = [0] if once else list(range(len(batch)))
        limit = _time_limit(ctx)
        began = time.monotonic()

        def step(i: int) -> list[dict[str, Any]]:
            command = js_string(ctx.param("command", i, "") or "")
            left = None if limit is None else limit - (time.monotonic() - began)
            if left is not None and left <= 0:
                raise CommandFailed(f"Command timed out after {limit:g}s: {command}")
            try:
                done = run_command(command, timeout=left)
            except subprocess.TimeoutExpired:
                raise CommandFailed(f"Command timed out after {limit:g}s: {command}") from None
            if done.returncode != 0:
                raise CommandFailed(f"Command failed: {command}\n{done.stderr}")
            return [{"exitCode": 0, "stderr": done.stderr.strip(), "stdout": done.stdout.strip()}]

        # indexes is [0] (executeOnce) or every item: step i is item i either way
        return [flat_map_items(ctx, len(indexes), step, failures=(CommandFailed,), describe=str)]


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "")
    return bool(value)


def _time_limit(ctx: NodeContext) -> float | None:
    """The Hetumind `timeout` parameter (seconds), else the workflow's executionTimeout."""
    found: list[float] = []
    own = ctx.param("timeout", 0, None)
    if isinstance(own, int | float) and not isinstance(own, bool) and own > 0:
        found.append(float(own))
    whole = ctx.execution.settings.get("executionTimeout")
    if isinstance(whole, int | float) and not isinstance(whole, bool) and whole > 0:
        found.append(float(whole))
    return min(found) if found else None


def run_command(command: str, *, timeout: float | None = None) -> Finished:
    """`/bin/sh -c command` with its own process group, killed whenever we stop early."""
    try:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            cwd=os.getcwd(),
        )
    except OSError as exc:
        raise CommandFailed(f"Command failed: {command}\n{exc}") from None
    guard = _guard(proc.pid)
    finished = False
    try:
        out, err = _collect(proc, command, timeout)
        code = proc.wait()
        finished = True
        return Finished(code, out.decode(errors="replace"), err.decode(errors="replace"))
    finally:
        if not finished:  # timeout, too much output, KeyboardInterrupt (a Ray cancel)
            _kill_group(proc.pid)
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        if guard is not None:
            guard.kill()  # the command is done: background jobs it left may live on
            guard.wait()
            if guard.stdin is not None:
                guard.stdin.close()


def _collect(
    proc: subprocess.Popen[bytes], command: str, timeout: float | None
) -> tuple[bytes, bytes]:
    """Both streams until they close, within `timeout` and MAX_BUFFER each."""
    assert proc.stdout is not None and proc.stderr is not None
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    sizes = {"stdout": 0, "stderr": 0}
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
        selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
        while selector.get_map():
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise subprocess.TimeoutExpired(command, timeout or 0)
            for key, _ in selector.select(wait):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                name = str(key.data)
                sizes[name] += len(data)
                if sizes[name] > MAX_BUFFER:
                    raise CommandFailed(f"{name} maxBuffer length exceeded")
                chunks[name].append(data)
    return b"".join(chunks["stdout"]), b"".join(chunks["stderr"])


def _guard(pgid: int) -> subprocess.Popen[bytes] | None:
    """A process that kills group `pgid` when its stdin closes: when this worker dies
    without a chance to clean up (SIGKILL), the kernel closes the pipe for it."""
    try:
        return subprocess.Popen(
            ["/bin/sh", "-c", 'read _ignored; kill -KILL "-$1" 2>/dev/null', "guard", str(pgid)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return None


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
