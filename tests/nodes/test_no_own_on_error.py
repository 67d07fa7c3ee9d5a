"""No built-in node module takes its own onError decision: they call the shared runner
(hetumind.nodes.item_wise: map_items, item_error, batch_error), so every node stops,
keeps an error item or routes it to the error output the same way.

A module "takes its own decision" when `continue_on_fail` (ctx.continue_on_fail, or a
flag of that name) appears in the test of an `if`, a conditional expression or a boolean
operation. The allowlist names the modules that must, and why."""

from __future__ import annotations

import ast
from pathlib import Path

import hetumind.integrations
import hetumind.nodes.builtin

_ALLOWED: dict[str, str] = {
    # The Code node's guest reports each item's failure; a failure of the sandbox itself
    # (not of the user's script) fails the whole batch even under continue-on-fail, and
    # the stop message carries no item index (n8n's shape), so the flag travels there.
    "code_output.py": "Code per-item results: sandbox failures fail the batch, no item index",
    # Owned by the date/time rewrite running at the same time; it moves onto the runner there.
    "date_time_v1.py": "being rewritten with the Luxon package (issue 12 item 5)",
}


def _own_decisions(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines: list[int] = []
    for node in ast.walk(tree):
        tests: list[ast.expr] = []
        if isinstance(node, ast.If | ast.IfExp | ast.While):
            tests.append(node.test)
        elif isinstance(node, ast.BoolOp):
            tests.extend(node.values)
        for test in tests:
            for sub in ast.walk(test):
                name = (
                    sub.attr
                    if isinstance(sub, ast.Attribute)
                    else sub.id
                    if isinstance(sub, ast.Name)
                    else None
                )
                if name == "continue_on_fail":
                    assert isinstance(sub, ast.Attribute | ast.Name)
                    lines.append(sub.lineno)
    return sorted(set(lines))


def _modules() -> list[Path]:
    builtin = Path(hetumind.nodes.builtin.__file__).parent
    kit = Path(hetumind.integrations.__file__).parent
    return sorted(builtin.rglob("*.py")) + sorted(kit.rglob("*.py"))


def test_no_node_module_writes_its_own_on_error_branch() -> None:
    offenders = {
        f"{p.parent.name}/{p.name}": lines
        for p in _modules()
        if p.name not in _ALLOWED and (lines := _own_decisions(p))
    }
    assert offenders == {}, (
        "decide onError with hetumind.nodes.item_wise (map_items / item_error / "
        f"batch_error), or allowlist the module with a reason: {offenders}"
    )


def test_the_check_sees_an_own_branch() -> None:
    # the detector itself must find the pattern it forbids
    sample = Path(hetumind.nodes.builtin.__file__).parent / "code_output.py"
    assert _own_decisions(sample) != []


def test_allowlisted_modules_still_need_it() -> None:
    builtin = Path(hetumind.nodes.builtin.__file__).parent
    stale = [name for name in _ALLOWED if not _own_decisions(builtin / name)]
    assert stale == [], f"remove from the allowlist, they use the shared runner now: {stale}"


def test_one_runner_the_private_alias_is_only_for_date_time() -> None:
    # hetumind.nodes.builtin._per_item re-exports hetumind.nodes.item_wise; nothing new uses it
    users = sorted(
        p.name
        for p in _modules()
        if "nodes.builtin._per_item import" in p.read_text(encoding="utf-8")
    )
    assert set(users) <= {"date_time.py", "date_time_v1.py"}, users
