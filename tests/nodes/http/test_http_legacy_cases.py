"""HTTP Request 1-4.x workflows recorded from n8n 1.123 against this loopback server, run
on both backends.

The recordings (cases/NAME.json, expected/NAME.json) were made with the server on port
RECORDED_PORT; here each workflow's URLs point at this module's server instead. Cases
where we deliberately differ are in differences/ with the reason in docs/nodes/legacy.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from http_server import LoopbackServer

from hetumind.engine import run_workflow
from tests.conformance.test_n8n_conformance import mismatch

HERE = Path(__file__).parent
RECORDED_PORT = 18471
CASES = sorted(p for p in (HERE / "cases").glob("*.json") if (HERE / "expected" / p.name).exists())


def _pointed_at(value: Any, url: str) -> Any:
    text = json.dumps(value).replace(f"http://127.0.0.1:{RECORDED_PORT}", url)
    return json.loads(text)


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_matches_n8n(case: Path, server: LoopbackServer, backend: str) -> None:
    wf = _pointed_at(json.loads(case.read_text()), server.url)
    want = _pointed_at(json.loads((HERE / "expected" / case.name).read_text()), server.url)
    got = run_workflow(wf, backend=backend).to_json()
    problem = mismatch(wf, want, got)
    assert problem is None, problem
