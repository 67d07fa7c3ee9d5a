"""Run n8n's own pinned-data node tests (its NodeTestHarness workflows) on Hetumind.

Not part of the test suite (the files come from n8n's repository, fetched separately:
packages/nodes-base/nodes/**/test/*.json). Each such workflow carries, as `pinData`, the
output n8n's test expects from some of its nodes. As n8n's harness does, the workflow runs
without its pin data (manual mode, the first trigger gets one empty item; a workflow
without `settings.executionOrder` runs with n8n's legacy v0 order, as n8n runs it) and each
pinned node must have run once with exactly those items on its first output (json only;
n8n's harness drops binary data and pairedItem unless a test asks otherwise).

Workflows with a node type or typeVersion Hetumind does not register are skipped and
counted; the rest pass or fail, each failure with its reason.

    .venv/bin/python scripts/n8n_node_tests.py /work/corpus/n8n-node-tests [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from hetumind.engine import run_workflow
from hetumind.errors import HetumindError
from hetumind.nodes.registry import default_registry
from hetumind.workflow import parse_workflow


def same(want: Any, got: Any) -> bool:
    """Jest's toEqual on JSON values: numbers by value, objects by keys and values."""
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(want, got, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(want, dict) and isinstance(got, dict):
        # toEqual ignores keys whose value is undefined; JSON has no undefined.
        return want.keys() == got.keys() and all(same(want[k], got[k]) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(same(a, b) for a, b in zip(want, got, strict=True))
    return bool(want == got)


def unregistered(doc: dict[str, Any]) -> list[str]:
    registry = default_registry()
    missing = []
    workflow = parse_workflow(doc)
    for n in workflow.nodes:
        cls = registry.get(n.type)
        if cls is None:
            missing.append(n.type)
        elif not cls.definition.supports_version(n.type_version):
            missing.append(f"{n.type}@{n.type_version:g}")
    return missing


def _as_code_node(node: dict[str, Any]) -> dict[str, Any]:
    """n8n's harness has a test-only node, `n8n-nodes-testing.testData`, that outputs its
    `data` parameter as items: the same as a Code node returning that array."""
    data = (node.get("parameters") or {}).get("data", [])
    code = "return " + json.dumps(data) + ";"
    return {**node, "type": "n8n-nodes-base.code", "typeVersion": 2, "parameters": {"jsCode": code}}


def check(path: Path) -> tuple[str, str]:
    """("pass" | "fail" | "skip", reason) for one test workflow."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return "skip", f"unreadable: {exc}"
    pinned = doc.pop("pinData", None)
    if not isinstance(pinned, dict) or not pinned:
        return "skip", "no pinData"
    doc.pop("trigger", None)
    doc["nodes"] = [
        _as_code_node(n) if n.get("type") == "n8n-nodes-testing.testData" else n
        for n in doc.get("nodes") or []
    ]
    settings = doc.get("settings") if isinstance(doc.get("settings"), dict) else {}
    doc["settings"] = {"executionOrder": "v0", **settings}
    try:
        missing = unregistered(doc)
    except HetumindError as exc:
        return "fail", f"does not load: {exc.message.splitlines()[-1].strip()}"
    if missing:
        return "skip", "unregistered: " + ", ".join(sorted(set(missing)))
    try:
        result = run_workflow(doc).to_json()
    except HetumindError as exc:
        return "fail", f"invalid: {exc.message.splitlines()[-1].strip()}"
    except Exception as exc:  # a crash is a result worth reporting, not a reason to stop
        return "fail", f"crashed: {type(exc).__name__}: {exc}"
    for node, items in pinned.items():
        runs = result["runData"].get(node)
        if not runs:
            error = result.get("error") or {}
            return "fail", f"{node!r} did not run (error: {error.get('message')})"
        if len(runs) != 1:
            return "fail", f"{node!r} ran {len(runs)} times, the test expects once"
        run = runs[0]
        if run.get("error"):
            return "fail", f"{node!r} failed: {run['error'].get('message')}"
        got = run["outputs"][0] if run["outputs"] else []
        want = [i.get("json", {}) if isinstance(i, dict) else i for i in items]
        if not same(want, got):
            return "fail", f"{node!r} output differs: want {want!r:.300} got {got!r:.300}"
    return "pass", ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = {
        str(p.relative_to(args.folder)): check(p) for p in sorted(args.folder.rglob("*.json"))
    }
    counts = {k: sum(1 for s, _ in results.values() if s == k) for k in ("pass", "fail", "skip")}
    ran = counts["pass"] + counts["fail"]
    for name, (status, reason) in results.items():
        print(f"{status:4}  {name}  {reason}")
    rate = f"{100 * counts['pass'] / ran:.1f}%" if ran else "n/a"
    print(f"\n{counts['pass']} of {ran} runnable tests pass ({rate}); {counts['skip']} skipped")
    if args.json:
        report = {"counts": counts, "results": {k: list(v) for k, v in results.items()}}
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
