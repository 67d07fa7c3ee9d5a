"""Starting, watching and stopping executions inside one replica.

Small workflows run in the replica on the inline backend (no Ray task per node: the fast
path for webhooks); big ones, or those whose settings say `backend: ray`, run their nodes
as Ray tasks. Either way the coordinator runs in a worker thread, with three listeners:
the store's recorder (rows and Arrow data), the event publisher (live events) and a
catcher that hands the webhook response to the waiting request as soon as it exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from hetumind.capabilities import Capabilities
from hetumind.engine import Backend, Checkpoint, InlineBackend, Listener, Plan, build_plan
from hetumind.engine.events import ExecutionFinished, NodeFinished
from hetumind.engine.result import ExecutionResult
from hetumind.engine.runtime import new_execution_id
from hetumind.engine.start import ExecutionHandle, RunOptions, start_execution
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.nodes.builtin.webhook import RESPONSE_KEY
from hetumind.store.scrubbing import credential_secrets
from hetumind.workflow import parse_workflow
from serve_app.admission import Admission
from serve_app.credential_cache import CredentialCache
from serve_app.error_workflows import ErrorWorkflows
from serve_app.recording import RecorderHandle, Recording
from serve_app.settings import ServerSettings
from serve_app.triggers import restrict_triggers

__all__ = ["Executor", "RunRequest", "Running"]

log = logging.getLogger(__name__)


@dataclass
class RunRequest:
    """One execution to start: which workflow version, how, with what input."""

    doc: dict[str, Any]
    workflow_id: str | None
    version: int | None
    mode: str = "manual"
    input_items: list[dict[str, Any]] = field(default_factory=list)
    triggers: set[str] | None = None
    """Trigger nodes that start this run (None: all of them)."""
    retry_of: str | None = None
    create_row: bool = True
    """Write the execution row before starting (so a 202 id can be looked up at once);
    webhooks skip it and have the whole execution written after they answer."""
    execution_id: str | None = None
    """The id to use (claimed with an Idempotency-Key beforehand); None: a new one."""
    checkpoint: Checkpoint | None = None
    """Node runs already done: restored instead of run (a resumed execution, a retry)."""
    announce_restored: bool = False
    """The restored runs belong to an earlier execution: record them in this one too."""
    traceparent: str = ""
    """The W3C trace context of the HTTP request that started it: its span continues it."""

    @property
    def resumed(self) -> bool:
        """It continues itself (after a Wait, or a crash): its row and runs exist."""
        return self.checkpoint is not None and not self.announce_restored


@dataclass
class Running:
    """An execution in flight: `done` resolves to its result, `response` to the first
    Respond to Webhook response (or None when the run ends without one)."""

    execution_id: str
    done: asyncio.Future[ExecutionResult]
    response: asyncio.Future[dict[str, Any] | None]
    handle: ExecutionHandle | None = None
    """The execution (start_execution); set once it is prepared. `stop()` cancels it."""
    recorder: RecorderHandle | None = None
    secrets: Sequence[str] = ()
    """The plain values of the credentials it uses: masked in what the API answers about
    it, as in what is recorded."""


class _Catcher(Listener):
    """Resolves the request's futures from the coordinator thread."""

    def __init__(self, running: Running, loop: asyncio.AbstractEventLoop) -> None:
        self._running = running
        self._loop = loop

    def _set(self, future: asyncio.Future[Any], value: Any) -> None:
        def resolve() -> None:
            if not future.done():
                future.set_result(value)

        self._loop.call_soon_threadsafe(resolve)

    def on_event(self, event: Any) -> None:
        if isinstance(event, NodeFinished) and RESPONSE_KEY in event.meta.extra:
            self._set(self._running.response, event.meta.extra[RESPONSE_KEY])
        elif isinstance(event, ExecutionFinished):
            self._set(self._running.response, None)


class Executor:
    """Runs executions for one replica and remembers the ones still running."""

    def __init__(
        self,
        recording: Recording,
        publisher: Listener | None,
        settings: ServerSettings,
        *,
        max_threads: int = 64,
    ) -> None:
        self._recording = recording
        self.credential_cache = CredentialCache(recording.store)
        self._capabilities_cache: tuple[frozenset[tuple[str, str]], Capabilities] | None = None
        # workflow id -> its project: fixed when the workflow is created, so kept here
        self._projects: dict[str, str] = {}
        self._publisher = publisher
        self._settings = settings
        self.error_workflows = ErrorWorkflows(recording.store, self.start, settings.public_url)
        self._pool = ThreadPoolExecutor(max_threads, thread_name_prefix="hetumind-run")
        self._plans: OrderedDict[tuple[Any, ...], Plan] = OrderedDict()
        self._plans_lock = threading.Lock()
        self._running: dict[str, Running] = {}
        self.owner = uuid.uuid4().hex[:16]
        """This process, as the owner of the executions it runs (store/leases.py)."""
        self._heartbeat: asyncio.Task[None] | None = None
        self._ray_backend: Backend | None = None
        self.admission = Admission(
            settings.max_concurrency, settings.max_queue, settings.max_concurrency_per_workflow
        )

    def plan(self, request: RunRequest) -> Plan:
        """The plan of this version with these triggers, built once (versions never change)."""
        triggers = tuple(sorted(request.triggers)) if request.triggers is not None else None
        key = (request.workflow_id, request.version, triggers)
        cacheable = request.workflow_id is not None and request.version is not None
        with self._plans_lock:
            if cacheable and key in self._plans:
                self._plans.move_to_end(key)
                return self._plans[key]
        plan = build_plan(parse_workflow(restrict_triggers(request.doc, request.triggers)))
        if cacheable:
            with self._plans_lock:
                self._plans[key] = plan
                while len(self._plans) > 512:
                    self._plans.popitem(last=False)
        return plan

    def _backend(self, plan: Plan, items: int) -> Backend:
        wanted = str(plan.workflow.settings.get("backend", "")).lower()
        if wanted not in ("ray", "inline"):
            # Ray can interrupt a node in the middle (timeouts); this thread cannot. A node
            # that only sleeps (Wait) is better off in a thread than holding a Ray CPU: on
            # two cores, two waits at once would be all Ray could run.
            heavy = plan.workflow.execution_timeout is not None or any(
                (not p.definition.fusible and not p.definition.sleeps) or p.node.timeout is not None
                for p in plan.nodes.values()
            )
            small = (
                len(plan.nodes) <= self._settings.inline_max_nodes
                and items <= self._settings.inline_max_items
            )
            wanted = "inline" if small and not heavy else "ray"
        if wanted == "inline":
            return InlineBackend()
        if self._ray_backend is None:
            from hetumind.engine.ray_backend import RayBackend

            self._ray_backend = RayBackend()
        return self._ray_backend

    async def start(self, request: RunRequest) -> Running:
        """Validate and plan (raising WorkflowInvalid), take a slot or a queue place
        (raising Overloaded, 429, with nothing written), record the new execution, and
        start it in a worker thread now or when a slot frees up; returns at once."""
        loop = asyncio.get_running_loop()
        if self._heartbeat is None:
            self._heartbeat = loop.create_task(self._beat())
        plan = self.plan(request)  # cached after the first run of each version
        workflow_id = request.workflow_id
        ticket = self.admission.reserve(workflow_id, workflow_limit(plan))
        try:
            running, handle, deferred = await self._prepare(request, plan, loop)
        except BaseException:
            self.admission.cancel(ticket, workflow_id)
            raise
        execution_id = running.execution_id
        self._running[execution_id] = running

        def launch() -> None:
            future: asyncio.Future[ExecutionResult]
            if deferred and plan_is_tiny(plan):
                # A handful of cheap nodes take less time than a hop to a worker thread
                # and back, and no listener here waits on this loop: run them right here.
                future = loop.create_future()
                try:
                    future.set_result(handle.result())
                except Exception as exc:
                    future.set_exception(exc)
            else:
                future = loop.run_in_executor(self._pool, handle.result)
            future.add_done_callback(finished)

        def finished(f: asyncio.Future[ExecutionResult]) -> None:
            self._running.pop(execution_id, None)
            self.admission.release(workflow_id)
            if running.done.done():
                return
            if f.exception() is not None:
                running.done.set_exception(f.exception())  # type: ignore[arg-type]
                settle()
                return
            result = f.result()
            if result.static_data is None or workflow_id is None:
                settle(result)
                return
            # Saved before anyone hears of the end, so that the next run sees it.
            saving = loop.create_task(
                self._recording.store.workflows.set_static_data(workflow_id, result.static_data)
            )
            saving.add_done_callback(lambda _: settle(result))

        def settle(result: ExecutionResult | None = None) -> None:
            if result is not None and not running.done.done():
                running.done.set_result(result)
                self.error_workflows.after_run(request, result)
            if not running.response.done():
                running.response.set_result(None)

        self.admission.admit(ticket, launch)
        return running

    async def run_alone(self, request: RunRequest) -> list[dict[str, Any]]:
        """Run the one trigger node `request.triggers` names on its own and unrecorded
        (a poll, a webhook registration: hetumind.nodes.polling, .service_webhooks), with
        `request.input_items`, the workflow's static data and the same credentials and
        policy as an execution; save the static data it left and return its output items.
        A failing run raises NodeExecutionError with the node's message."""
        (name,) = request.triggers or {""}
        doc = {**request.doc, "connections": {}}
        doc["nodes"] = [n for n in request.doc.get("nodes", []) if n.get("name") == name]
        plan = build_plan(parse_workflow(doc))
        workflow_id = request.workflow_id
        stored = None
        if workflow_id is not None:
            with contextlib.suppress(HetumindError):
                stored = (await self._recording.store.workflows.get(workflow_id)).static_data
        project_id = await self._project_of(workflow_id)
        options = RunOptions(
            input_items=request.input_items,
            mode=request.mode,
            credentials=await self._credentials(plan, project_id),
            capabilities=replace(self._capabilities(), project_id=project_id),
            static_data=stored,
            traceparent=request.traceparent,
        )
        handle = start_execution(plan, InlineBackend(), options)
        result = await asyncio.get_running_loop().run_in_executor(self._pool, handle.result)
        left = result.static_data
        if left is not None and left != (stored or {}) and workflow_id is not None:
            await self._recording.store.workflows.set_static_data(workflow_id, left)
        if result.status != "success":
            error = result.error or {}
            raise NodeExecutionError(str(error.get("message", "the node failed")), node=name)
        if not result.run_data.get(name):
            return []
        ports = await asyncio.to_thread(result.outputs, name)
        return ports[0] if ports else []

    async def _prepare(
        self, request: RunRequest, plan: Plan, loop: asyncio.AbstractEventLoop
    ) -> tuple[Running, ExecutionHandle, bool]:
        """Record the execution and prepare its run (not started yet)."""
        execution_id = request.execution_id or new_execution_id()
        running = Running(execution_id, loop.create_future(), loop.create_future())
        engine = self._backend(plan, len(request.input_items))
        project_id = await self._project_of(request.workflow_id)
        credentials = await self._credentials(plan, project_id)
        running.secrets = credential_secrets(credentials)
        recorder = await self._recording.begin(
            execution_id,
            doc=request.doc,
            workflow_id=request.workflow_id,
            workflow_name=plan.workflow.name,
            version=request.version,
            mode=request.mode,
            retry_of=request.retry_of,
            create_row=request.create_row,
            defer=isinstance(engine, InlineBackend) and not request.resumed,
            owner=self.owner,
            input_items=request.input_items,
            resumed=request.resumed,
            secrets=running.secrets,
        )
        running.recorder = recorder
        workflow_id = request.workflow_id
        if self._publisher is not None and hasattr(self._publisher, "workflow_of"):
            self._publisher.workflow_of(execution_id, workflow_id)
        # The catcher goes first so a webhook answers before the data is written.
        listeners: list[Listener] = [_Catcher(running, loop)]
        if self._publisher is not None:
            listeners.append(self._publisher)
        listeners.append(recorder)
        options = RunOptions(
            input_items=request.input_items,
            mode=request.mode,
            listeners=listeners,
            execution_id=execution_id,
            checkpoint=request.checkpoint,
            announce_restored=request.announce_restored,
            park_waits=True,
            credentials=credentials,
            # what the workflow may reach: the server's policy (hetumind.capabilities)
            # (and only its own project's workflows and credentials, sub-workflows too)
            capabilities=replace(self._capabilities(), project_id=project_id),
            static_data=await self._static_data(request, plan),
            resume_url=f"{self._settings.public_url.rstrip('/')}/webhook-waiting/{execution_id}",
            traceparent=request.traceparent,
        )
        running.handle = start_execution(plan, engine, options)
        return running, running.handle, recorder.deferred

    def _capabilities(self) -> Capabilities:
        """The server's policy for what workflows may reach, parsed once per environment:
        parsing resolves file roots on disk, a cost every run paid before."""
        env = {**os.environ, **self._settings.store_env}
        key = frozenset(env.items())
        cached = self._capabilities_cache
        if cached is None or cached[0] != key:
            cached = self._capabilities_cache = (key, Capabilities.server_mode(env))
        return cached[1]

    async def _static_data(self, request: RunRequest, plan: Plan) -> dict[str, Any] | None:
        """The workflow's static data as its last execution left it (None: the document's
        own, or the workflow does not use it)."""
        if request.workflow_id is None or not plan.uses_static_data:
            return None
        try:
            record = await self._recording.store.workflows.get(request.workflow_id)
        except HetumindError:
            return None
        return record.static_data

    async def _project_of(self, workflow_id: str | None) -> str:
        """The project of the run's workflow. A run whose workflow is not stored (or is
        gone) gets "", which no project has: it reaches no stored workflow or credential."""
        if workflow_id is None:
            return ""
        if (known := self._projects.get(workflow_id)) is not None:
            return known
        try:
            project = (await self._recording.store.workflows.get(workflow_id)).project_id
        except HetumindError:
            return ""
        if project is None:
            return ""
        if len(self._projects) >= 100_000:
            self._projects.clear()  # a bound, not an eviction policy: lookups are cheap
        self._projects[workflow_id] = project
        return project

    async def _credentials(self, plan: Plan, project_id: str) -> dict[str, dict[str, Any]]:
        """The data of every credential the workflow's nodes name, looked up now: nodes
        running in Ray workers have no store to ask (hetumind.credentials). A stored
        workflow reaches only its own project's credentials (docs/security.md). Served
        from this replica's cache while each credential's version is unchanged
        (serve_app/credential_cache.py); a workflow without credentials asks nothing."""
        refs = [
            (kind, ref)
            for wf_node in plan.workflow.nodes
            for kind, ref in wf_node.credentials.items()
            if isinstance(ref, dict) and (ref.get("id") or ref.get("name"))
        ]
        if not refs:
            return {}
        return await self.credential_cache.resolve(refs, project_id)

    async def _beat(self) -> None:
        """Keep the heartbeat of this process's executions fresh, so that no other
        process takes them over (they are taken over once it stops: leases.py)."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self._recording.store.leases.heartbeat(self.owner, list(self._running))
            except Exception:
                log.exception("heartbeat of running executions failed")

    def stop(self, execution_id: str) -> bool:
        """Ask a run in this replica to stop; False when it does not run here."""
        running = self._running.get(execution_id)
        if running is None:
            return False
        if running.handle is not None:
            running.handle.cancel()
        return True

    def running_here(self, execution_id: str) -> bool:
        return execution_id in self._running

    def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        for running in self._running.values():
            if running.handle is not None:
                running.handle.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)


TINY_NODES = 8
HEARTBEAT_SECONDS = float(os.environ.get("HETUMIND_HEARTBEAT_SECONDS", "3"))
"""How often a process says it still runs its executions; three missed beats make them
orphans that another process resumes."""


def workflow_limit(plan: Plan) -> int | None:
    """The workflow's own concurrency limit (settings.maxConcurrency), if it sets one."""
    value = plan.workflow.settings.get("maxConcurrency")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def plan_is_tiny(plan: Plan) -> bool:
    """Few nodes, all of them cheap (fusible): safe to run on the event loop."""
    return len(plan.nodes) <= TINY_NODES and all(p.definition.fusible for p in plan.nodes.values())
