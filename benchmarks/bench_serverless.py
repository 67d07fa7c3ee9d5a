"""Serverless cold start: a fresh process answering one API Gateway v2 event.

The child imports `hetumind.serverless`, calls `handler` once on a Webhook → Set
(responseMode lastNode) event with the execution recorded in an embedded SQLite store
(the store on PostgreSQL is one setting away), and exits: whole-process wall time, best
of several, against `python -c pass` and `python -c "import pyarrow"` measured in the same
run. The first child run (warm-up) also creates the SQLite file and the node index, as
a function's first deployment would ship them warm.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 7

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from hetumind.serverless import handler
event = {"version": "2.0", "rawPath": "/greet", "rawQueryString": "",
         "headers": {"content-type": "application/json"}, "body": '{"name": "Ada"}',
         "requestContext": {"http": {"method": "POST", "path": "/greet", "sourceIp": "1.2.3.4"}}}
answer = handler(event, None)
assert answer["statusCode"] == 200 and "hello Ada" in answer["body"], answer
print(json.dumps({"in_process": time.perf_counter() - t0}))
"""


def workflow() -> dict[str, object]:
    return {
        "id": "greet",
        "name": "greet",
        "nodes": [
            {
                "id": "w",
                "name": "Webhook",
                "type": "n8n-nodes-base.webhook",
                "typeVersion": 2,
                "position": [0, 0],
                "parameters": {"path": "greet", "httpMethod": "POST", "responseMode": "lastNode"},
            },
            {
                "id": "s",
                "name": "Set",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "position": [200, 0],
                "parameters": {
                    "assignments": {
                        "assignments": [
                            {
                                "id": "a",
                                "name": "greeting",
                                "type": "string",
                                "value": "=hello {{ $json.body.name }}",
                            }
                        ]
                    }
                },
            },
        ],
        "connections": {"Webhook": {"main": [[{"node": "Set", "type": "main", "index": 0}]]}},
    }


def _wall(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    best, out = float("inf"), ""
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=True, env=env)  # warm-up
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, check=True, env=env, text=True)
        took = time.perf_counter() - t0
        if took < best:
            best, out = took, done.stdout
    return best, out


def run() -> dict[str, float]:
    results = {
        "python -c pass (floor)": _wall([sys.executable, "-c", "pass"])[0],
        "python -c 'import pyarrow'": _wall([sys.executable, "-c", "import pyarrow"])[0],
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "greet.json").write_text(json.dumps(workflow()))
        env = dict(os.environ, HETUMIND_WORKFLOWS=tmp, HETUMIND_HOME=str(Path(tmp) / "home"))
        env["HETUMIND_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp}/home/hetumind.db"
        env.pop("HETUMIND_BLOB_URL", None)
        wall, out = _wall([sys.executable, "-c", CHILD], env)
        results["handler cold start, whole process (SQLite store)"] = wall
        results["handler cold start, import to first answer"] = json.loads(out)["in_process"]
        env["HETUMIND_SERVERLESS_MIGRATE"] = "0"  # schema migrated at deploy time
        results["handler cold start, whole process (SQLite store, no migration check)"] = _wall(
            [sys.executable, "-c", CHILD], env
        )[0]
        env.pop("HETUMIND_DATABASE_URL")
        wall, out = _wall([sys.executable, "-c", CHILD], env)
        results["handler cold start, whole process (no store)"] = wall
    return results


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name}: {seconds * 1000:.0f} ms")
