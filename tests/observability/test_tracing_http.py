"""An HTTP caller's trace goes on in the server: a webhook request (and a retry of its
execution) with a `traceparent` header, over real HTTP on loopback, gives an execution span
under the caller's span.

The API runs in a subprocess configured as a user would (OTEL_* variables), with the app's
FastAPI routes served by uvicorn (the same routes Serve's ingress serves) and its real
store, executor and recording; the spans go to the loopback OTLP receiver."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.observability.test_tracing import (
    CALLER_SPAN,
    CALLER_TRACE,
    ROOT,
    Receiver,
    _env,
    receiver,
)
from tests.server.helpers import OWNER_KEY, webhook_workflow

__all__ = ["receiver"]  # the fixture, shared with test_tracing

RETRY_TRACE = "5cf92f3577b34da6a3ce929d0e0e4737"

SERVER = """
import json, sys, threading, time
import httpx, uvicorn
from serve_app import ServerSettings
from serve_app.app import fastapi_app
from serve_app.services import Services, install
from tests.server.helpers import AUTH, free_port

home, key, doc, caller, retrier = sys.argv[1:6]
settings = ServerSettings.from_env({"HETUMIND_HOME": home, "HETUMIND_OWNER_API_KEY": key})
install(lambda: Services.open(settings, None, None))
port = free_port()
config = uvicorn.Config(fastapi_app, host="127.0.0.1", port=port, log_level="warning")
server = uvicorn.Server(config)
thread = threading.Thread(target=server.run, daemon=True)
thread.start()
while not server.started:
    time.sleep(0.05)
with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=30) as client:
    wf = client.post("/api/v1/workflows", json=json.loads(doc))
    assert wf.status_code == 201, wf.text
    answer = client.post(
        "/webhook-test/traced", json={"name": "Ada"}, headers={"traceparent": caller}
    )
    untraced = client.post("/webhook-test/traced", json={"name": "Bo"})
    first = client.get("/api/v1/executions").json()["data"][-1]["id"]  # newest first
    retry = client.post(
        f"/api/v1/executions/{first}/retry?wait=true", headers={"traceparent": retrier}
    )
    assert retry.status_code == 200, retry.text
print(json.dumps({"workflow": wf.json()["id"], "answers": [answer.json(), untraced.json()]}))
server.should_exit = True
thread.join()
"""


def test_webhook_request_continues_the_callers_trace(receiver: Receiver, tmp_path: Path) -> None:
    env = _env(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url, OTEL_BSP_SCHEDULE_DELAY="100")
    caller = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
    retrier = f"00-{RETRY_TRACE}-{CALLER_SPAN}-01"
    doc = json.dumps(webhook_workflow("traced", "lastNode"))
    out = subprocess.run(
        [sys.executable, "-c", SERVER, str(tmp_path), OWNER_KEY, doc, caller, retrier],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.splitlines()[-1])
    assert [a["greeting"] for a in report["answers"]] == ["Hello Ada", "Hello Bo"]
    deadline = time.monotonic() + 10  # exported at exit; the receiver may still decode
    while len(receiver.where(name="execution hook traced")) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    (retried,) = receiver.where(name="execution hook traced", trace=RETRY_TRACE)
    assert retried["hetumind.execution.mode"] == "retry"
    assert _ancestry(receiver, retried)[-1] == CALLER_SPAN
    traced, untraced = sorted(
        (s for s in receiver.where(name="execution hook traced") if s is not retried),
        key=lambda s: s["trace"] != CALLER_TRACE,
    )
    # Under the caller's span: directly, or through the server span FastAPI's own
    # telemetry opens for the request (it uses the global tracer provider once one is set).
    assert traced["trace"] == CALLER_TRACE
    assert _ancestry(receiver, traced)[-1] == CALLER_SPAN
    assert traced["hetumind.workflow.id"] == report["workflow"]
    assert traced["hetumind.execution.mode"] == "manual"  # test webhooks run as manual
    assert traced["hetumind.execution.status"] == "success" and not traced["error"]
    nodes = [s for s in receiver.where(trace=CALLER_TRACE) if s is not traced]
    assert sorted(s["hetumind.node.name"] for s in nodes) == ["Set", "Webhook"]
    assert {s["parent"] for s in nodes} == {traced["id"]}
    # Without the header the execution is in a trace of its own (the request's, if any).
    assert untraced["trace"] != CALLER_TRACE and _ancestry(receiver, untraced)[-1] == ""


def _ancestry(receiver: Receiver, span: dict[str, Any]) -> list[str]:
    """Parent span ids from `span` up to the first one not received ("": a root)."""
    by_id = {s["id"]: s for s in receiver.spans}
    chain = [span["parent"]]
    while chain[-1] in by_id:
        chain.append(by_id[chain[-1]]["parent"])
    return chain
