"""Where an execution's time went: per-node totals and a Chrome trace, from its run data.

The engine records, for every node run, when it started (wall clock) and how long it took
(`RunMeta.started_at`, `execution_time_ms`). That is all a profile needs, so the same
computation serves `hetumind run --profile` (live results) and the server's
`/executions/{id}/profile` (stored node runs).

The trace is Chrome's trace-event format (chrome://tracing, Perfetto, speedscope open it):
one complete ("X") event per node run. Runs that overlap in time (parallel branches, Ray
workers) are laid out on separate lanes (`tid`); runs one after another share a lane, so
a sequential workflow is one lane and each parallel branch gets its own.

Pure Python, no engine imports: the CLI and the server build `RunSample`s themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "NodeProfile",
    "Profile",
    "RunSample",
    "build_profile",
    "main_connections",
    "parse_time",
    "samples_from_result",
]


@dataclass(frozen=True)
class RunSample:
    """One run of one node, as the engine recorded it."""

    node: str
    type: str
    run_index: int
    status: str
    started_at: datetime | None
    duration_ms: float
    counts: tuple[int, ...] = ()
    """Items per output port."""

    @property
    def items_out(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class NodeProfile:
    """One row of the profile table: a node's runs together."""

    node: str
    type: str
    runs: int
    items_in: int
    items_out: int
    total_ms: float
    mean_ms: float
    share: float
    """total_ms over the execution's wall time; parallel branches can add up past 1."""
    errors: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "type": self.type,
            "runs": self.runs,
            "itemsIn": self.items_in,
            "itemsOut": self.items_out,
            "totalMs": round(self.total_ms, 3),
            "meanMs": round(self.mean_ms, 3),
            "share": round(self.share, 4),
            "errors": self.errors,
        }


@dataclass(frozen=True)
class Profile:
    rows: list[NodeProfile]
    """Slowest first."""
    wall_ms: float
    """From the first node run's start to the last one's end."""
    events: list[dict[str, Any]]
    """Chrome trace events: one "X" per node run, plus "M" events naming process/lanes."""

    def trace(self) -> dict[str, Any]:
        """The trace file's content (JSON object format)."""
        return {"traceEvents": self.events, "displayTimeUnit": "ms"}

    def to_json(self) -> dict[str, Any]:
        return {
            "wallMs": round(self.wall_ms, 3),
            "nodes": [row.to_json() for row in self.rows],
            "traceEvents": self.events,
        }


def parse_time(value: Any) -> datetime | None:
    """A recorded start time (ISO text with Z, or a datetime) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def samples_from_result(result: Any, types: Mapping[str, str]) -> list[RunSample]:
    """The node runs of an engine ExecutionResult; `types` maps node names to types."""
    return [
        RunSample(
            node=node,
            type=types.get(node, ""),
            run_index=run.meta.run_index,
            status=run.meta.status,
            started_at=parse_time(run.meta.started_at),
            duration_ms=run.meta.execution_time_ms,
            counts=tuple(run.meta.counts),
        )
        for node, runs in result.run_data.items()
        for run in runs
    ]


def main_connections(workflow: Any) -> dict[str, Any]:
    """A Workflow's main connections in n8n's shape, each edge once."""
    found: dict[str, Any] = {}
    for source, port, conn in workflow.main_edges():
        ports = found.setdefault(source, {"main": []})["main"]
        while len(ports) <= port:
            ports.append([])
        ports[port].append({"node": conn.node})
    return found


def build_profile(
    samples: Sequence[RunSample],
    connections: Mapping[str, Any] | None = None,
    *,
    pid: int = 1,
    process_name: str | None = None,
) -> Profile:
    """The profile of one execution's node runs. `connections` (the workflow's, n8n
    shape) lets it count items in: what each node's parents sent it on every run."""
    first = min((s.started_at for s in samples if s.started_at), default=None)
    spans = [(s, _offset_ms(s, first)) for s in samples]
    end = max((start + s.duration_ms for s, start in spans), default=0.0)
    wall_ms = end if first is not None else sum(s.duration_ms for s in samples)
    received = _items_in(samples, connections or {})
    by_node: dict[str, list[RunSample]] = {}
    for s in samples:
        by_node.setdefault(s.node, []).append(s)
    rows = []
    for node, runs in by_node.items():
        total = sum(r.duration_ms for r in runs)
        rows.append(
            NodeProfile(
                node=node,
                type=runs[0].type,
                runs=len(runs),
                items_in=received.get(node, 0),
                items_out=sum(r.items_out for r in runs),
                total_ms=total,
                mean_ms=total / len(runs),
                share=total / wall_ms if wall_ms > 0 else 0.0,
                errors=sum(r.status == "error" for r in runs),
            )
        )
    rows.sort(key=lambda r: r.total_ms, reverse=True)
    return Profile(rows, wall_ms, _trace_events(spans, pid, process_name))


def _offset_ms(sample: RunSample, first: datetime | None) -> float:
    if sample.started_at is None or first is None:
        return 0.0
    return (sample.started_at - first).total_seconds() * 1000


def _items_in(samples: Iterable[RunSample], connections: Mapping[str, Any]) -> dict[str, int]:
    """Items each node received: every run of a parent sends its port's items along
    every connection of that port (main connections only: sub-nodes pass no items)."""
    received: dict[str, int] = {}
    for s in samples:
        ports = connections.get(s.node, {}).get("main", []) if connections else []
        for port, targets in enumerate(ports or []):
            if port >= len(s.counts) or not s.counts[port]:
                continue
            for target in targets or []:
                if isinstance(target, Mapping) and "node" in target:
                    name = str(target["node"])
                    received[name] = received.get(name, 0) + s.counts[port]
    return received


def _trace_events(
    spans: Sequence[tuple[RunSample, float]], pid: int, process_name: str | None
) -> list[dict[str, Any]]:
    lanes: list[float] = []  # per lane, when its last run ended (ms)
    events: list[dict[str, Any]] = []
    for sample, start in sorted(spans, key=lambda pair: pair[1]):
        # a hair of slack: a child starts a few microseconds before its parent "ended"
        lane = next((i for i, busy in enumerate(lanes) if busy <= start + 0.05), None)
        if lane is None:
            lane = len(lanes)
            lanes.append(0.0)
        lanes[lane] = start + sample.duration_ms
        events.append(
            {
                "name": sample.node,
                "cat": sample.type,
                "ph": "X",
                "ts": round(start * 1000, 1),
                "dur": round(sample.duration_ms * 1000, 1),
                "pid": pid,
                "tid": lane + 1,
                "args": {
                    "type": sample.type,
                    "runIndex": sample.run_index,
                    "status": sample.status,
                    "itemsOut": sample.items_out,
                    "counts": list(sample.counts),
                },
            }
        )
    names: list[dict[str, Any]] = [
        {
            "name": "thread_name",
            "ph": "M",
            "pid": pid,
            "tid": i + 1,
            "args": {"name": f"lane {i + 1}"},
        }
        for i in range(len(lanes))
    ]
    if process_name:
        names.insert(
            0,
            {
                "name": "process_name",
                "ph": "M",
                "pid": pid,
                "tid": 0,
                "args": {"name": process_name},
            },
        )
    return names + events
