"""hetumind.luxon is a lower layer: cheap to import, nothing from the engine, nodes or
expressions; and the expression engine's DateTime answers the Luxon cases too."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hetumind.expressions import ExpressionContext, compile_parameter

_CASES = json.loads((Path(__file__).parent / "luxon_cases.json").read_text())["cases"]
_OPS = {"plus", "minus", "startOf", "endOf", "setZone", "toFormat", "set", "diff"}
# every 11th case of the operations expressions offer, to keep the run short
SAMPLE = [
    c for c in _CASES if c["op"] in _OPS and (c["op"] != "diff" or len(c["args"]["units"]) == 1)
][::11]


def test_luxon_imports_no_upper_layer() -> None:
    code = (
        "import sys, hetumind.luxon.datetime, hetumind.luxon.format, hetumind.luxon.parse, "
        "hetumind.luxon.interval, hetumind.asyncbridge\n"
        "bad = [m for m in sys.modules if m.startswith(('hetumind.expressions', "
        "'hetumind.engine', 'hetumind.nodes', 'dateutil'))]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _expression(case: dict[str, Any]) -> str:
    base = f"DateTime.fromISO({json.dumps(case['base'])}, {{zone: {json.dumps(case['zone'])}}})"
    op: str = case["op"]
    args: Any = case.get("args")
    if op == "diff":
        # Luxon's diff reads calendar fields in the values' zone: both in the case's zone
        other = (
            f"DateTime.fromISO({json.dumps(args['other'])}, {{zone: {json.dumps(case['zone'])}}})"
        )
        return f"{other}.diff({base}, {json.dumps(args['units'][0])})"
    if op == "setZone":
        return f"{base}.setZone({json.dumps(args['zone'])}, {json.dumps(args)}).toISO()"
    return f"{base}.{op}({json.dumps(args)})" + ("" if op == "toFormat" else ".toISO()")


@pytest.mark.parametrize("case", SAMPLE, ids=[c["id"] for c in SAMPLE])
def test_expressions_match_luxon(case: dict[str, Any]) -> None:
    ctx = ExpressionContext(now=datetime(2024, 6, 15, tzinfo=UTC))
    got = compile_parameter("={{ " + _expression(case) + " }}").evaluate(ctx)
    expected = case["expected"]
    if case["op"] == "diff":
        (key,) = expected
        assert got == {key: pytest.approx(expected[key], rel=1e-12)}, case
    else:
        assert got == expected, case
