"""Process globals only in documented pool modules (issue 12 item 2): an AST scan of every
module under hetumind/ and serve_app/ for `global` statements. Services an execution uses
come from whoever starts it (RunOptions); a module listed here holds a per-process pool or
a once-per-process switch, or is a service still waiting to move (named so)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ALLOWED: dict[str, str] = {
    # per-process pools and once-per-process switches
    "hetumind/ai/memory.py": "pool: the one Ray actor holding chat memories per process",
    "hetumind/ai/vector_stores.py": "pool: the one Ray actor holding in-memory vector stores",
    "hetumind/observability/logs.py": "switch: a Ray worker configures logging once",
    "hetumind/observability/metrics.py": "pool: this process's metric instruments and counts",
    "hetumind/observability/tracing.py": "pool: this process's tracer and its flush timer",
    "serve_app/services.py": "pool: the replica's services, opened once per replica",
    "hetumind/subworkflows/runner.py": "pool: the thread pool of sub-workflows not waited for",
    # services that still have a process-wide fallback next to RunOptions.services
    "hetumind/credentials.py": "pending item 2: the process-wide credential resolver/writer "
    "(set_credential_*; a run's Services.credential_* come first)",
    "hetumind/subworkflows/store.py": "pending item 2: set_store, the process-wide fallback "
    "(a run's Services.subworkflow_data comes first)",
}


def _modules_with_global() -> set[str]:
    found = set()
    for top in ("hetumind", "serve_app"):
        for path in sorted((ROOT / top).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            if any(isinstance(n, ast.Global) for n in ast.walk(tree)):
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_global_appears_only_in_the_allowed_modules() -> None:
    found = _modules_with_global()
    unexpected = sorted(found - set(ALLOWED))
    assert not unexpected, f"`global` outside the allowed pool modules: {unexpected}"


def test_the_allowlist_names_only_modules_that_still_need_it() -> None:
    stale = sorted(set(ALLOWED) - _modules_with_global())
    assert not stale, f"no `global` left in {stale}: drop them from ALLOWED"


def test_the_scan_sees_a_global_statement() -> None:
    tree = ast.parse("x = 0\ndef f():\n    global x\n    x = 1\n")
    assert any(isinstance(n, ast.Global) for n in ast.walk(tree))
