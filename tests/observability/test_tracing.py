"""Traces reach a real OTLP/HTTP receiver from the real exporter, configured the way a user
configures it (the standard OTEL_* variables), on both backends: an execution span, its
node runs as children in the same trace, from Ray workers too; a caller's traceparent is
continued; nothing is exported (or imported) when the variables are absent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from hetumind.observability import tracing

ROOT = Path(__file__).resolve().parents[2]
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


class Receiver:
    """An OTLP/HTTP trace endpoint on loopback: decodes each export into plain spans."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.services: set[str] = set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = self.path == "/v1/traces" and "protobuf" in self.headers["Content-Type"]
                if ok:
                    receiver.take(ExportTraceServiceRequest.FromString(body))
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"

    def take(self, request: ExportTraceServiceRequest) -> None:
        for resource_spans in request.resource_spans:
            resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    entry = {
                        "name": span.name,
                        "trace": span.trace_id.hex(),
                        "id": span.span_id.hex(),
                        "parent": span.parent_span_id.hex(),
                        "error": span.status.code == 2,  # STATUS_CODE_ERROR
                        "pid": resource.get("process.pid"),
                        "service": resource.get("service.name"),
                        **{a.key: _value(a.value) for a in span.attributes},
                    }
                    with self.lock:
                        self.spans.append(entry)

    def where(self, **attrs: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [s for s in self.spans if all(s.get(k) == v for k, v in attrs.items())]


def _value(v: Any) -> Any:
    return getattr(v, v.WhichOneof("value")) if v.WhichOneof("value") else None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.http.serve_forever, daemon=True)
    thread.start()
    yield r
    r.http.shutdown()
    r.http.server_close()


# The user's program: runs on both backends, one execution continuing a caller's trace;
# prints the execution ids and exits at once, as `hetumind run` does (its Ray workers are
# killed then: they must have exported their spans already).
PROGRAM = """
import json, sys
from hetumind.engine import build_plan, make_backend
from hetumind.engine.ray_backend import ensure_ray
from hetumind.engine.runtime import Coordinator
from hetumind.workflow import parse_workflow

doc = json.loads(sys.argv[1])
ensure_ray(num_cpus=1)
ids = {}
for backend, parent in (("inline", ""), ("ray", ""), ("inline", sys.argv[2])):
    c = Coordinator(build_plan(parse_workflow(doc)), make_backend(backend), fuse=False,
                    traceparent=parent, mode="webhook" if parent else "manual")
    result = c.run()
    ids[backend + (" caller" if parent else "")] = [c.execution_id, result.status]
print(json.dumps(ids), flush=True)
"""

WORKFLOW = {
    "id": "traced-wf",
    "name": "traced",
    "nodes": [
        {"name": "Start", "type": "hetumind.manualTrigger", "typeVersion": 1},
        {
            "name": "Two",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": {"mode": "raw", "jsonOutput": '{"n": [1, 2]}', "options": {}},
        },
        {
            "name": "Split",
            "type": "n8n-nodes-base.splitOut",
            "typeVersion": 1,
            "parameters": {"fieldToSplitOut": "n", "options": {}},
        },
        {
            "name": "Fail",
            "type": "n8n-nodes-base.stopAndError",
            "typeVersion": 1,
            "parameters": {"errorMessage": "failing on purpose"},
        },
    ],
    "connections": {
        "Start": {"main": [[{"node": "Two", "type": "main", "index": 0}]]},
        "Two": {"main": [[{"node": "Split", "type": "main", "index": 0}]]},
        "Split": {"main": [[{"node": "Fail", "type": "main", "index": 0}]]},
    },
}


def _env(**extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    return {**env, "PYTHONPATH": str(ROOT), "RAY_AUTH_MODE": "disabled", **extra}


@pytest.mark.slow  # its own Ray, as the user's program would start it
def test_spans_of_executions_and_node_runs_on_both_backends(receiver: Receiver) -> None:
    # The batch processor's default schedule (5 s), as users have it.
    env = _env(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url, OTEL_SERVICE_NAME="hetumind-test")
    caller = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(WORKFLOW), caller],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    ids = json.loads(out.stdout.splitlines()[-1])
    assert {status for _, status in ids.values()} == {"error"}
    # Four node runs under each execution span; the Ray ones come from the workers. (An
    # export the receiver is still decoding may finish just after the program's exit.)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(receiver.spans) < 15:
        time.sleep(0.1)

    for backend, (execution_id, _) in ids.items():
        (span,) = receiver.where(**{"hetumind.execution.id": execution_id})
        assert span["name"] == "execution traced"
        assert span["service"] == "hetumind-test"
        assert span["hetumind.workflow.id"] == "traced-wf"
        assert span["hetumind.execution.status"] == "error" and span["error"]
        assert span["hetumind.execution.error_node"] == "Fail"
        if backend == "inline caller":  # continues the caller's trace, under its span
            assert (span["trace"], span["parent"]) == (CALLER_TRACE, CALLER_SPAN)
            assert span["hetumind.execution.mode"] == "webhook"
        else:
            assert span["trace"] != CALLER_TRACE and span["parent"] == ""
            assert span["hetumind.execution.mode"] == "manual"
        children = [s for s in receiver.where(trace=span["trace"]) if s is not span]
        assert {s["parent"] for s in children} == {span["id"]}
        by_name = {s["hetumind.node.name"]: s for s in children}
        assert sorted(by_name) == ["Fail", "Split", "Start", "Two"]
        assert by_name["Two"]["hetumind.node.type"] == "n8n-nodes-base.set"
        assert (
            by_name["Split"]["hetumind.node.items_in"],
            by_name["Split"]["hetumind.node.items_out"],
        ) == (1, 2)
        assert by_name["Fail"]["hetumind.node.items_in"] == 2 and by_name["Fail"]["error"]
        assert by_name["Fail"]["hetumind.node.error"] == "failing on purpose"
        assert not any(by_name[n]["error"] for n in ("Start", "Two", "Split"))
        workers = {s["pid"] for s in children} - {span["pid"]}
        if backend == "ray":  # every node ran as a Ray task, in a worker process
            assert workers and span["pid"] not in {s["pid"] for s in children}
        else:
            assert not workers


OFF = """
import json, sys
from hetumind.engine import run_workflow
from hetumind.observability import tracing
doc = json.loads(sys.argv[1])
result = run_workflow(doc)
# (redis, when loaded, brings OpenTelemetry's API; the tracer SDK and exporter are ours)
ours = ("opentelemetry.sdk.trace", "opentelemetry.exporter", "opentelemetry.propagators")
loaded = sorted(m for m in sys.modules if m.startswith(ours))
print(json.dumps([result.status, tracing.configured(), loaded]))
"""


@pytest.mark.parametrize("extra", [{}, {"OTEL_TRACES_EXPORTER": "none"}])
def test_off_without_the_variables(receiver: Receiver, extra: dict[str, str]) -> None:
    env = _env(**extra)
    if extra:  # an endpoint alone would turn traces on; the exporter "none" wins
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
    out = subprocess.run(
        [sys.executable, "-c", OFF, json.dumps(WORKFLOW)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.splitlines()[-1]) == ["error", False, []]
    assert receiver.spans == []


def test_configured_reads_the_standard_variables() -> None:
    assert not tracing.configured({})
    assert tracing.configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing.configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"})
    assert tracing.configured({"OTEL_TRACES_EXPORTER": "console"})
    assert not tracing.configured(
        {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}
    )
    assert not tracing.configured(
        {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}
    )
