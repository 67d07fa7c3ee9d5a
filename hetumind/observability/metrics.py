"""Hetumind's metrics, recorded through Ray's own metrics system.

Ray exports what `ray.util.metrics` records on every node's metrics export port, with the
prefix `ray_` and its own labels (SessionName, NodeAddress, WorkerId...); Prometheus
scrapes those ports as it scrapes Ray's own metrics, and cluster/grafana's dashboard reads
them. `SPECS` is the one list of names and labels: the dashboard's test pins the same set
(tests/observability/test_metrics.py compares them).

Every recording function is a no-op in a process where Ray is not initialized (the CLI's
inline backend, serverless handlers): it neither imports nor starts Ray. Where Ray runs,
the metric objects are made on first use, once per process (each Ray worker has its own).
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from typing import Any, Literal, NamedTuple

__all__ = [
    "SPECS",
    "MetricSpec",
    "admission_refused",
    "execution_finished",
    "exported_series",
    "flush",
    "llm_tokens",
    "node_run",
    "queue_depth",
    "resumed",
    "webhook_latency",
]

PREFIX = "ray_"
"""What Ray puts before every application metric's name when it exports it."""

_SECONDS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class MetricSpec(NamedTuple):  # not a dataclass: a fourth of the import time
    name: str
    kind: Literal["counter", "histogram", "gauge"]
    description: str
    labels: tuple[str, ...] = ()
    boundaries: tuple[float, ...] = ()


SPECS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "hetumind_executions_total",
        "counter",
        "Executions that finished, by final status, mode (manual, webhook, trigger...) and "
        "workflow (its id, or its name when it has none).",
        ("status", "mode", "workflow"),
    ),
    MetricSpec(
        "hetumind_node_run_seconds",
        "histogram",
        "Wall time of one run of a node, by node type.",
        ("node_type",),
        _SECONDS,
    ),
    MetricSpec(
        "hetumind_node_run_items_total",
        "counter",
        "Items that node runs received (direction=in) and emitted (direction=out).",
        ("node_type", "direction"),
    ),
    MetricSpec(
        "hetumind_queue_depth",
        "gauge",
        "Executions waiting for a free slot in an API replica (one series per replica).",
    ),
    MetricSpec(
        "hetumind_admission_refusals_total",
        "counter",
        "Executions refused with 429 because the replica's queue was full, by reason.",
        ("reason",),
    ),
    MetricSpec(
        "hetumind_resumes_total",
        "counter",
        "Executions continued from their checkpoint (due or woken Waits, orphans).",
    ),
    MetricSpec(
        "hetumind_webhook_latency_seconds",
        "histogram",
        "Time from a webhook request's arrival to its answer, by HTTP method.",
        ("method",),
        _SECONDS,
    ),
    MetricSpec(
        "hetumind_llm_tokens_total",
        "counter",
        "Tokens that LLM replies reported in their usage, by model and kind "
        "(prompt or completion).",
        ("model", "kind"),
    ),
)


def exported_series() -> dict[str, set[str]]:
    """The series Prometheus sees, with their labels (Ray's own labels left out)."""
    series: dict[str, set[str]] = {}
    for spec in SPECS:
        name, labels = PREFIX + spec.name, set(spec.labels)
        if spec.kind == "histogram":
            series[f"{name}_bucket"] = labels | {"le"}
            series[f"{name}_sum"] = set(labels)
            series[f"{name}_count"] = set(labels)
        else:
            series[name] = labels
    return series


_made: dict[str, Any] | None = None
_lock = threading.Lock()
_items: dict[tuple[str, str], int] = {}
"""Node-run item counts not yet handed to Ray: summed here, flushed every FLUSH_SECONDS
by a thread, because a Ray counter's inc costs several microseconds and node runs of
cheap nodes take only tens."""
FLUSH_SECONDS = 1.0


def _metrics() -> dict[str, Any] | None:
    """The metric objects, or None where Ray is not running in this process."""
    ray = sys.modules.get("ray")  # not imported: certainly not initialized
    if ray is None or not ray.is_initialized():
        return None
    return _made if _made is not None else _make()


def _make() -> dict[str, Any]:
    global _made
    from ray.util import metrics

    with _lock:
        if _made is None:
            made: dict[str, Any] = {}
            for spec in SPECS:
                if spec.kind == "counter":
                    made[spec.name] = metrics.Counter(spec.name, spec.description, spec.labels)
                elif spec.kind == "gauge":
                    made[spec.name] = metrics.Gauge(spec.name, spec.description, spec.labels)
                else:
                    made[spec.name] = metrics.Histogram(
                        spec.name, spec.description, list(spec.boundaries), spec.labels
                    )
            _made = made
            threading.Thread(target=_flush_forever, name="hetumind-metrics", daemon=True).start()
            atexit.register(flush)
        return _made


def _flush_forever() -> None:
    while True:
        time.sleep(FLUSH_SECONDS)
        flush()


def flush() -> None:
    """Hand the summed node-run item counts to Ray now."""
    global _items
    if not _items or _made is None:
        return
    with _lock:
        items, _items = _items, {}
    counter = _made["hetumind_node_run_items_total"]
    for (node_type, direction), n in items.items():
        counter.inc(n, {"node_type": node_type, "direction": direction})


def execution_finished(status: str, mode: str, workflow: str) -> None:
    if (m := _metrics()) is not None:
        m["hetumind_executions_total"].inc(
            1, {"status": status, "mode": mode, "workflow": workflow}
        )


def node_run(node_type: str, seconds: float, items_in: int, items_out: int) -> None:
    if (m := _metrics()) is None:
        return
    m["hetumind_node_run_seconds"].observe(seconds, {"node_type": node_type})
    with _lock:  # Ray's counters take positive increments only
        if items_in > 0:
            _items[node_type, "in"] = _items.get((node_type, "in"), 0) + items_in
        if items_out > 0:
            _items[node_type, "out"] = _items.get((node_type, "out"), 0) + items_out


def queue_depth(depth: int) -> None:
    if (m := _metrics()) is not None:
        m["hetumind_queue_depth"].set(depth)


def admission_refused(reason: str) -> None:
    if (m := _metrics()) is not None:
        m["hetumind_admission_refusals_total"].inc(1, {"reason": reason})


def resumed() -> None:
    if (m := _metrics()) is not None:
        m["hetumind_resumes_total"].inc(1)


def webhook_latency(method: str, seconds: float) -> None:
    if (m := _metrics()) is not None:
        m["hetumind_webhook_latency_seconds"].observe(seconds, {"method": method})


def llm_tokens(model: str, prompt: int, completion: int) -> None:
    if (m := _metrics()) is None:
        return
    tokens = m["hetumind_llm_tokens_total"]
    if prompt > 0:
        tokens.inc(prompt, {"model": model, "kind": "prompt"})
    if completion > 0:
        tokens.inc(completion, {"model": model, "kind": "completion"})
