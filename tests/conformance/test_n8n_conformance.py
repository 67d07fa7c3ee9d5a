"""Every workflow recorded from n8n 1.123 gives n8n's per-node outputs, on both backends.

Cases live in tests/conformance/n8n (shared with the team) and tests/conformance/cases
(ours, recorded with ../shared/tools/n8n-oracle into tests/conformance/expected).
Comparison rules follow ../shared/conformance/n8n/README.md.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from hetumind.engine import run_workflow

HERE = Path(__file__).parent
CASES = sorted((HERE / "n8n" / "workflows").glob("*.json")) + sorted(
    p for p in (HERE / "cases").glob("*.json") if (HERE / "expected" / p.name).exists()
)


# Directories a case's file nodes write into, made before it runs as they existed when the
# case was recorded: n8n's Write Binary File does not create parent directories either.
LEGACY_FILES = Path("/tmp/hetumind-legacy-files")
CASE_DIRECTORIES = {"legacy_binary_files": LEGACY_FILES, "legacy_binary_file_errors": LEGACY_FILES}


def expected_for(case: Path) -> dict[str, Any]:
    folder = HERE / "n8n" / "expected" if case.parent.name == "workflows" else HERE / "expected"
    data: dict[str, Any] = json.loads((folder / case.name).read_text())
    return data


def same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def without_leaked_pairing(items: list[Any]) -> list[Any]:
    """n8n 1.123's Set leaks `pairedItem` into the json of its error items (a bug, see
    docs/compatibility.md); compare those items without it."""
    return [
        {k: v for k, v in i.items() if k != "pairedItem"}
        if isinstance(i, dict) and "error" in i
        else i
        for i in items
    ]


def connected_outputs(wf: dict[str, Any]) -> dict[str, set[int]]:
    outs: dict[str, set[int]] = {}
    for src, kinds in wf["connections"].items():
        for i, targets in enumerate(kinds.get("main", [])):
            if targets:
                outs.setdefault(src, set()).add(i)
    return outs


def error_message(error: Any) -> str:
    """The message text of an execution error (`{"message", "node", ...}`), compared as it
    is: quoting it as JSON would escape the quotes n8n's messages often contain."""
    if isinstance(error, dict):
        return str(error.get("message", ""))
    return "" if error is None else str(error)


def mismatch(wf: dict[str, Any], want: dict[str, Any], got: dict[str, Any]) -> str | None:
    if want["status"] == "error":
        if got["status"] != "error":
            return f"status {got['status']!r}, n8n failed with {want['error']!r}"
        msg = error_message(got["error"])
        return None if want["error"] in msg else f"error {msg!r} lacks {want['error']!r}"
    if got["status"] != "success":
        return f"status {got['status']!r}: {got['error']}"
    outs = connected_outputs(wf)
    triggers = {n["name"] for n in wf["nodes"] if "rigger" in n["type"] or n["name"] == "Start"}
    for node, runs in want["runData"].items():
        if node in triggers:
            continue
        have = got["runData"].get(node)
        if have is None:
            return f"node {node!r} has no run data"
        if len(have) != len(runs):
            return f"node {node!r} ran {len(have)} times, n8n {len(runs)}"
        for r, (w, h) in enumerate(zip(runs, have, strict=True)):
            for i in sorted(outs.get(node, set()) | {0}):
                w_items = without_leaked_pairing(w["outputs"][i] if i < len(w["outputs"]) else [])
                h_items = h["outputs"][i] if i < len(h["outputs"]) else []
                if not same(w_items, h_items):
                    return f"node {node!r} run {r} output {i}: got {h_items} want {w_items}"
    extra = set(got["runData"]) - set(want["runData"]) - triggers
    if extra:
        return f"nodes ran that n8n did not run: {sorted(extra)}"
    return None


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_matches_n8n(case: Path, backend: str) -> None:
    wf = json.loads(case.read_text())
    if case.stem in CASE_DIRECTORIES:
        CASE_DIRECTORIES[case.stem].mkdir(parents=True, exist_ok=True)
    got = run_workflow(wf, backend=backend).to_json()
    problem = mismatch(wf, expected_for(case), got)
    assert problem is None, problem
