"""One way to run an execution: `start_execution(plan, backend, RunOptions(...))`.

Every caller (the CLI, `run_workflow`, the server, batch runs, sub-workflows, retries)
describes its run with a frozen RunOptions and gets an ExecutionHandle back: `result()`,
the live `events()`, and `cancel()`.

Cancellation is an engine operation. `cancel()` sets a flag the coordinator checks
between node runs and while it waits on the backend (in short slices); it then finishes
the execution as `canceled` with "execution was stopped". What still runs is handed to
the backend's `cancel`, which on Ray abandons young tasks rather than `ray.cancel` them
(ray-project/ray#56123 aborts the driver otherwise; see RayBackend.cancel): their results
are dropped with their references. A node sleeping in this process (an inline Wait)
sleeps through `cancellable_sleep`, so it wakes at once.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hetumind.capabilities import Capabilities
from hetumind.engine.backend import Backend
from hetumind.engine.cancel import cancel_scope, cancellable_sleep
from hetumind.engine.checkpoint import Checkpoint
from hetumind.engine.events import ExecutionFinished, Listener
from hetumind.engine.plan import Plan
from hetumind.engine.result import ExecutionResult
from hetumind.engine.runtime import Coordinator, new_execution_id
from hetumind.execution_services import Services
from hetumind.items import ItemBatch

__all__ = [
    "STOPPED",
    "ExecutionHandle",
    "RunOptions",
    "cancellable_sleep",
    "start_execution",
]

STOPPED: Mapping[str, str] = {"message": "execution was stopped"}
"""The error of an execution ended by `ExecutionHandle.cancel()`."""


@dataclass(frozen=True)
class RunOptions:
    """How to run one execution; see Coordinator for what each field does."""

    input_items: list[dict[str, Any]] | None = None
    input_batch: ItemBatch | None = None
    mode: str = "manual"
    fuse: bool = True
    save_outputs: bool = True
    listeners: Sequence[Listener] = ()
    execution_id: str | None = None
    """None: a new id (new_execution_id)."""
    checkpoint: Checkpoint | None = None
    announce_restored: bool = False
    park_waits: bool = False
    credentials: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    resume_url: str = ""
    static_data: Mapping[str, Any] | None = None
    capabilities: Capabilities | None = None
    """None: Capabilities.local()."""
    traceparent: str = ""
    services: Services = field(default_factory=Services)
    """The blob store and credential services node runs use (hetumind.execution_services):
    whoever starts the execution hands them over, instead of process globals."""


class _Events(Listener):
    """A listener that queues every event for `ExecutionHandle.events()`."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.listening = False

    def on_event(self, event: Any) -> None:
        if self.listening:
            self.queue.put(event)


class ExecutionHandle:
    """One execution: started by `start_execution`, run by `result()` in the calling
    thread unless `start_execution(..., background=True)` started it in a thread."""

    def __init__(
        self, coordinator: Coordinator, cancelled: threading.Event, keep_events: bool = False
    ) -> None:
        self._coordinator = coordinator
        self._cancelled = cancelled
        self._lock = threading.Lock()
        self._started = False
        self._done = threading.Event()
        self._result: ExecutionResult | None = None
        self._error: BaseException | None = None
        self._events = _Events()
        self._events.listening = keep_events
        coordinator.listeners = (*coordinator.listeners, self._events)

    @property
    def execution_id(self) -> str:
        return self._coordinator.execution_id

    @property
    def cancelled(self) -> bool:
        """Whether `cancel()` was called (the result may still be a success if it came
        after the last node run)."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Ask the execution to stop; safe from any thread, any number of times."""
        self._cancelled.set()

    def _run(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        try:
            with cancel_scope(self._cancelled):
                self._result = self._coordinator.run()
        except BaseException as exc:
            self._error = exc
            raise
        finally:
            self._done.set()

    def result(self, timeout: float | None = None) -> ExecutionResult:
        """The execution's result, running it here first when nobody started it yet.
        Node failures and cancellation are in the result; TimeoutError if a background
        run is not done within `timeout`."""
        self._run()
        if not self._done.wait(timeout):
            raise TimeoutError(f"execution {self.execution_id} still runs")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def events(self, timeout: float | None = None) -> Iterator[Any]:
        """The execution's events as they happen, ending with ExecutionFinished (or when
        none came for `timeout` seconds). Events before the first call are kept only when
        `start_execution(..., keep_events=True)`."""
        self._events.listening = True
        while True:
            try:
                event = self._events.queue.get(timeout=timeout)
            except queue.Empty:
                return
            yield event
            if isinstance(event, ExecutionFinished):
                return

    def _start_thread(self) -> None:
        context = contextvars.copy_context()
        thread = threading.Thread(
            target=lambda: context.run(self._run_quietly),
            name=f"hetumind-execution-{self.execution_id}",
            daemon=True,
        )
        thread.start()

    def _run_quietly(self) -> None:
        try:
            self._run()
        except BaseException:  # kept in _error, raised by result()
            return


def start_execution(
    plan: Plan,
    backend: Backend,
    options: RunOptions | None = None,
    *,
    background: bool = False,
    keep_events: bool = False,
) -> ExecutionHandle:
    """Prepare an execution of `plan` on `backend`. By default it runs when `result()` is
    first called, in that thread (the CLI, sub-workflows, a server pool thread);
    `background=True` starts it in a thread of its own now (with this context).
    `keep_events=True` queues every event for `events()` from the start."""
    options = options or RunOptions()
    cancelled = threading.Event()
    coordinator = Coordinator(
        plan,
        backend,
        input_items=options.input_items,
        input_batch=options.input_batch,
        mode=options.mode,
        fuse=options.fuse,
        save_outputs=options.save_outputs,
        listeners=tuple(options.listeners),
        execution_id=options.execution_id or new_execution_id(),
        checkpoint=options.checkpoint,
        announce_restored=options.announce_restored,
        park_waits=options.park_waits,
        credentials=options.credentials,
        resume_url=options.resume_url,
        static_data=options.static_data,
        capabilities=options.capabilities or Capabilities.local(),
        traceparent=options.traceparent,
        services=options.services,
        cancelled=cancelled,
        cancel_error=dict(STOPPED),
    )
    handle = ExecutionHandle(coordinator, cancelled, keep_events)
    if background:
        handle._start_thread()
    return handle
