"""How many real n8n exports load, validate and run on Hetumind, and how each failure reads.

Not part of the test suite (CI has no internet to fetch a corpus). Give it folders of
n8n exports (for example mirrors of public collections) and it reports, for the distinct
workflows found in them:

- parsed: the document loads (`parse_workflow`);
- registered: every node's type AND typeVersion is one Hetumind registers;
- validated: of those, how many have no validation problem as exported;
- ran: of those, how many ran on the inline backend (to success, or to a node error such
  as a refused network call) without a crash: an unexpected exception in the engine or a
  node (a bug) counts as a crash, a run past `--timeout` as timed out;
- unlock curve: which missing node types (or typeVersions) to add next, in the order that
  makes the most workflows fully registered, and the share registered after each.

Failures are grouped by kind: messages with names, numbers and quoted parts blanked.

    .venv/bin/python scripts/n8n_corpus_check.py /work/corpus --json report.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import multiprocessing
import os
import re
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from hetumind.errors import HetumindError, WorkflowInvalid
from hetumind.nodes.registry import default_registry
from hetumind.validation import validate_workflow
from hetumind.workflow import Workflow, parse_workflow


def _workflows_in(doc: Any) -> Iterator[dict[str, Any]]:
    """Exports come bare, wrapped ({"workflow": ...}, {"data": ...}) or as arrays."""
    if isinstance(doc, list):
        for entry in doc:
            yield from _workflows_in(entry)
    elif isinstance(doc, dict):
        if isinstance(doc.get("nodes"), list):
            yield doc
            return
        for key in ("workflow", "data"):
            if isinstance(doc.get(key), dict | list):
                yield from _workflows_in(doc[key])


def _fingerprint(doc: dict[str, Any]) -> str:
    body = json.dumps([doc.get("nodes"), doc.get("connections")], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def collect(folders: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Distinct workflow documents (by nodes + connections) under `folders`."""
    seen: set[str] = set()
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                continue
            for wf in _workflows_in(doc):
                key = _fingerprint(wf)
                if key not in seen:
                    seen.add(key)
                    found.append((str(path), wf))
    return found


_BLANKS = [
    (re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`"), "'…'"),
    (re.compile(r"\d+(\.\d+)?"), "N"),
]


def kind_of(message: str) -> str:
    text = message.splitlines()[0] if message else ""
    for pattern, blank in _BLANKS:
        text = pattern.sub(blank, text)
    return text[:160]


class _BugCounter(logging.Handler):
    """node_run logs unexpected exceptions in nodes (bugs) before turning them into errors."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.bugs: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "unexpected error" in record.getMessage():
            exc = record.exc_info[1] if record.exc_info else None
            self.bugs.append(f"{type(exc).__name__}: {exc}" if exc else record.getMessage())


def _run_one(doc: dict[str, Any], conn: Connection) -> None:
    """In a forked child: run the workflow inline and send back (outcome, message)."""
    from hetumind.engine import build_plan, make_backend
    from hetumind.engine.runtime import Coordinator

    bugs = _BugCounter()
    logging.getLogger().addHandler(bugs)
    logging.getLogger().setLevel(logging.ERROR)
    try:
        plan = build_plan(parse_workflow(doc))
        result = Coordinator(plan, make_backend("inline")).run()
    except HetumindError as exc:
        conn.send(("crash", f"{type(exc).__name__} raised: {exc.message}"))
        return
    except BaseException as exc:  # the point is to count these
        tb = traceback.format_exception(exc)[-1].strip()
        conn.send(("crash", f"traceback: {tb}"))
        return
    if bugs.bugs:
        conn.send(("crash", f"node bug: {bugs.bugs[0]}"))
    elif result.status == "success":
        conn.send(("success", ""))
    else:
        conn.send(("node error", (result.error or {}).get("message", result.status)))


def run_isolated(doc: dict[str, Any], timeout: float) -> tuple[str, str]:
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run_one, args=(doc, child), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            try:
                outcome: tuple[str, str] = parent.recv()
            except EOFError:
                outcome = ("crash", f"worker died (exit code {proc.exitcode})")
        else:
            outcome = ("timeout", f"still running after {timeout:g}s")
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    return outcome


@dataclass
class Report:
    files: int = 0
    parsed: int = 0
    registered: int = 0
    validated: int = 0
    ran: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    parse_failures: Counter[str] = field(default_factory=Counter)
    unregistered_types: Counter[str] = field(default_factory=Counter)
    validate_failures: Counter[str] = field(default_factory=Counter)
    run_failures: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    blocked: list[frozenset[str]] = field(default_factory=list)
    """For each parsed workflow with unregistered types: which ones."""

    def unlock_curve(self, steps: int = 50) -> list[dict[str, Any]]:
        """Greedy: next the type that completes the most blocked workflows (ties: the one
        that blocks the most), with the share of parsed workflows registered after it."""
        blocked = list(self.blocked)
        registered = self.registered
        curve = []
        for _ in range(steps):
            if not blocked:
                break
            completes: Counter[str] = Counter(next(iter(b)) for b in blocked if len(b) == 1)
            blocks: Counter[str] = Counter(t for b in blocked for t in b)
            best = max(blocks, key=lambda t: (completes[t], blocks[t]))
            blocked = [b - {best} for b in blocked]
            registered += sum(1 for b in blocked if not b)
            blocked = [b for b in blocked if b]
            curve.append({"add": best, "registered_pct": round(100 * registered / self.parsed, 1)})
        return curve

    def as_dict(self) -> dict[str, Any]:
        top = 40
        return {
            "workflows": self.files,
            "parsed": self.parsed,
            "registered": self.registered,
            "registered_pct_of_parsed": round(100 * self.registered / self.parsed, 1)
            if self.parsed
            else None,
            "validated": self.validated,
            "validated_pct_of_registered": round(100 * self.validated / self.registered, 1)
            if self.registered
            else None,
            "ran_without_crash": self.ran,
            "run_outcomes": dict(self.outcomes),
            "parse_failures": dict(self.parse_failures.most_common(top)),
            "unregistered_types": dict(self.unregistered_types.most_common(top)),
            "validate_failures": dict(self.validate_failures.most_common(top)),
            "run_failures": dict(self.run_failures.most_common(top)),
            "crashes": self.crashes[:top],
            "unlock_curve": self.unlock_curve(),
        }


def _unregistered(wf: Workflow) -> list[str]:
    registry = default_registry()
    missing = []
    for n in wf.nodes:
        cls = registry.get(n.type)
        if cls is None:
            missing.append(n.type)
        elif not cls.definition.supports_version(n.type_version):
            missing.append(f"{n.type}@{n.type_version:g}")
    return missing


def check(folders: list[Path], timeout: float, run: bool) -> Report:
    report = Report()
    registry = default_registry()
    for path, doc in collect(folders):
        report.files += 1
        try:
            wf = parse_workflow(doc, path)
        except WorkflowInvalid as exc:
            for p in exc.problems:
                report.parse_failures[kind_of(f"{p.field}: {p.message}")] += 1
            continue
        except Exception as exc:  # a crash while loading is what this script looks for
            report.crashes.append(f"{path}: parse raised {type(exc).__name__}: {exc}")
            continue
        report.parsed += 1
        missing = _unregistered(wf)
        if missing:
            for t in set(missing):
                report.unregistered_types[t] += 1
            report.blocked.append(frozenset(missing))
            continue
        report.registered += 1
        try:
            problems = validate_workflow(wf, registry)
        except Exception as exc:
            report.crashes.append(f"{path}: validate raised {type(exc).__name__}: {exc}")
            continue
        if problems:
            for kind in {kind_of(p.message) for p in problems}:
                report.validate_failures[kind] += 1
            continue
        report.validated += 1
        if not run:
            continue
        outcome, message = run_isolated(doc, timeout)
        report.outcomes[outcome] += 1
        if outcome == "crash":
            report.crashes.append(f"{path}: {message}")
        else:
            report.ran += 1
            if outcome != "success":
                report.run_failures[f"{outcome}: {kind_of(message)}"] += 1
    return report


def main() -> int:
    # Runs must not touch the user's store (Execute Workflow by id reads it): a fresh home.
    os.environ["HETUMIND_HOME"] = tempfile.mkdtemp(prefix="hetumind-corpus-")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--no-run", action="store_true", help="load and validate only")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    report = check(args.folders, args.timeout, not args.no_run).as_dict()
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
