"""The metrics the code records are the ones the Grafana dashboard reads, and recording
costs nothing (no Ray, no OpenTelemetry) where Ray does not run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hetumind.observability import metrics
from tests.cluster.test_manifests import METRICS

ROOT = Path(__file__).resolve().parents[2]


def test_declared_metrics_are_the_ones_the_dashboard_reads() -> None:
    assert metrics.exported_series() == METRICS


def test_kinds_follow_prometheus_conventions() -> None:
    for spec in metrics.SPECS:
        assert spec.name.startswith("hetumind_"), spec
        assert spec.name.endswith("_total") == (spec.kind == "counter"), spec
        assert bool(spec.boundaries) == (spec.kind == "histogram"), spec
        assert list(spec.boundaries) == sorted(set(spec.boundaries)), spec
        if spec.kind == "histogram":
            assert spec.name.endswith("_seconds"), spec
        assert spec.description, spec


# A process that never starts Ray: every hook is called, an inline run records its node runs.
NO_RAY = """
import json, sys
from hetumind.engine import run_workflow
from hetumind.observability import metrics, tracing
from hetumind.workflow import load_workflow

result = run_workflow(load_workflow("examples/hello-world.json"))
metrics.execution_finished("success", "manual", "wf")
metrics.node_run("hetumind.noOp", 0.01, 3, 3)
metrics.queue_depth(2)
metrics.admission_refused("queue_full")
metrics.resumed()
metrics.webhook_latency("POST", 0.02)
metrics.llm_tokens("m", 10, 5)
# (Other libraries may load OpenTelemetry's API: redis does. Hetumind's tracing would load
# the SDK's tracer, the W3C propagator and the exporter.)
OURS = ("ray", "opentelemetry.sdk.trace", "opentelemetry.exporter", "opentelemetry.propagators")
loaded = sorted(m for m in sys.modules if m.startswith(OURS))
print(json.dumps({"status": result.status, "loaded": loaded, "traced": tracing.configured()}))
"""


def test_hooks_are_no_ops_where_ray_is_not_running() -> None:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", NO_RAY], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"status": "success", "loaded": [], "traced": False}
