"""Distributed traces with OpenTelemetry: a span per execution, a child span per node run.

Off unless the standard OpenTelemetry variables ask for traces: `OTEL_TRACES_EXPORTER`
(otlp, console; none turns them off) or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). Off, nothing of OpenTelemetry is imported and each
hook is a function call that returns at once. On, each process (the coordinator's, every
Ray worker's) sets up the SDK once, exporting in batches (`OTEL_BSP_*`), unless the
program configured a tracer provider itself, which is then used as it is.

The execution's trace context travels with the work as a W3C `traceparent` string in
`ExecutionInfo`, so node runs in Ray workers join the execution's trace; an execution
started by an HTTP request that carried a `traceparent` continues the caller's trace.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

__all__ = ["configured", "end_node", "execution", "flush_soon", "incoming", "start_node"]

log = logging.getLogger(__name__)


def configured(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment asks for traces (the SDK's own variables)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = env.get("OTEL_TRACES_EXPORTER")
    if exporters is not None:
        return any(e.strip().lower() not in ("", "none") for e in exporters.split(","))
    return bool(
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


_tracer: Tracer | None = None
_decided = False
_lock = threading.Lock()
_flush_wanted: threading.Event | None = None


def _get_tracer() -> Tracer | None:
    global _tracer, _decided
    if _decided:
        return _tracer
    with _lock:
        if not _decided:
            _tracer = _setup() if configured() else None
            _decided = True
    return _tracer


def _setup() -> Tracer | None:
    from opentelemetry import trace

    from hetumind import __version__

    provider = trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):  # nobody set one up: we do
        try:
            provider = _sdk_provider(os.environ)
        except Exception:
            log.exception("traces are configured but the tracer could not be set up")
            return None
        trace.set_tracer_provider(provider)
    return trace.get_tracer("hetumind", __version__, tracer_provider=provider)


def _sdk_provider(env: Mapping[str, str]) -> Any:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # The variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) win over these defaults;
    # the pid tells a Ray worker's spans from the coordinator's.
    attributes: dict[str, str | int] = {"process.pid": os.getpid()}
    named = "OTEL_SERVICE_NAME" in env or "service.name=" in env.get("OTEL_RESOURCE_ATTRIBUTES", "")
    if not named:
        attributes["service.name"] = "hetumind"
    provider = TracerProvider(resource=Resource.create(attributes))
    for name in env.get("OTEL_TRACES_EXPORTER", "otlp").split(","):
        exporter = _exporter(name.strip().lower(), env)
        if exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _exporter(name: str, env: Mapping[str, str]) -> Any:
    if name in ("", "none"):
        return None
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        log.warning("OTEL_TRACES_EXPORTER=%s is not supported (otlp, console, none)", name)
        return None
    protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    if protocol == "grpc":
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        except ImportError:
            log.warning(
                "OTLP over gRPC needs `pip install opentelemetry-exporter-otlp-proto-grpc`; "
                "exporting over HTTP instead"
            )
        else:
            return OTLPSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as Http

    return Http()  # endpoint, headers, timeout, compression: from OTEL_EXPORTER_OTLP_*


def _context(traceparent: str) -> Any:
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    return TraceContextTextMapPropagator().extract({"traceparent": traceparent})


def _traceparent_of(span: Span) -> str:
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier, trace.set_span_in_context(span))
    return carrier.get("traceparent", "")


def _fail(span: Span, message: str) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_status(Status(StatusCode.ERROR, message))


class ExecutionTrace:
    """The span of one execution; `traceparent` is what node runs are parented on
    ("" when traces are off)."""

    def __init__(self, span: Span | None = None) -> None:
        self._span = span
        self.traceparent = "" if span is None else _traceparent_of(span)

    def __enter__(self) -> ExecutionTrace:
        return self

    def finish(self, status: str, error: Mapping[str, Any] | None, backend: str) -> None:
        span = self._span
        if span is None:
            return
        span.set_attribute("hetumind.execution.status", status)
        span.set_attribute("hetumind.backend", backend)
        if error:
            span.set_attribute("hetumind.execution.error", str(error.get("message", "")))
            if error.get("node"):
                span.set_attribute("hetumind.execution.error_node", str(error["node"]))
        if status == "error":
            _fail(span, str((error or {}).get("message", "execution failed")))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._span is None:
            return
        if exc is not None:
            self._span.record_exception(exc)
            _fail(self._span, f"{type(exc).__name__}: {exc}")
        self._span.end()


_OFF = ExecutionTrace()


def execution(
    execution_id: str,
    workflow_id: str | None,
    workflow_name: str,
    mode: str,
    parent: str = "",
) -> ExecutionTrace:
    """A span for the execution (use as a context manager), child of the W3C
    `traceparent` `parent` when given, else of the current span if any."""
    tracer = _get_tracer()
    if tracer is None:
        return _OFF
    attributes = {
        "hetumind.execution.id": execution_id,
        "hetumind.workflow.id": workflow_id or "",
        "hetumind.workflow.name": workflow_name,
        "hetumind.execution.mode": mode,
    }
    span = tracer.start_span(
        f"execution {workflow_name}",
        context=_context(parent) if parent else None,
        attributes=attributes,
    )
    return ExecutionTrace(span)


def incoming(headers: Mapping[str, str]) -> str:
    """The trace context an execution started by an HTTP request continues: the current
    span's (the server span FastAPI's own telemetry opens for the request, itself under the
    caller's), else the request's `traceparent` header; "" when traces are off. Passed on
    explicitly, as the execution may run in another thread than the request."""
    if _get_tracer() is None:
        return ""
    from opentelemetry import trace

    current = trace.get_current_span()
    if current.get_span_context().is_valid:
        return _traceparent_of(current)
    return headers.get("traceparent", "")


def start_node(traceparent: str, name: str, node_type: str, run_index: int) -> Span | None:
    """The span of a node run inside a traced execution (None outside one, or off)."""
    if not traceparent:
        return None
    tracer = _get_tracer()
    if tracer is None:
        return None
    attributes: dict[str, str | int] = {
        "hetumind.node.name": name,
        "hetumind.node.type": node_type,
        "hetumind.node.run_index": run_index,
    }
    return tracer.start_span(f"node {name}", context=_context(traceparent), attributes=attributes)


def end_node(
    span: Span | None,
    status: str,
    items_in: int,
    counts: list[int],
    error: Mapping[str, Any] | None,
) -> None:
    if span is None:
        return
    span.set_attribute("hetumind.node.status", status)
    span.set_attribute("hetumind.node.items_in", items_in)
    span.set_attribute("hetumind.node.items_out", sum(counts))
    if error:
        message = str(error.get("message", "node failed"))
        span.set_attribute("hetumind.node.error", message)
        _fail(span, message)
    span.end()


def flush_soon() -> None:
    """Export this process's finished spans now, in the background: a Ray worker's
    batch would otherwise wait for its timer (5 s), and the worker may be gone by then
    (killed when its driver exits). A no-op when traces are off."""
    global _flush_wanted
    if _tracer is None:
        return
    if _flush_wanted is None:
        with _lock:
            if _flush_wanted is None:
                wanted = threading.Event()
                thread = threading.Thread(
                    target=_flusher, args=(wanted,), name="hetumind-traces", daemon=True
                )
                thread.start()
                _flush_wanted = wanted
    _flush_wanted.set()


def _flusher(wanted: threading.Event) -> None:
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    while True:  # one export at a time; runs ending meanwhile go in the next one
        wanted.wait()
        wanted.clear()
        force_flush = getattr(provider, "force_flush", None)
        if force_flush is not None:
            force_flush()
