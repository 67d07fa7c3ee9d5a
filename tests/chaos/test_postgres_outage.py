"""Durability (c): PostgreSQL is stopped for 10 s while a server takes steady load; once it
is back, every request answered 2xx has exactly one execution, finished with the right
output, and every request refused with 503 started nothing.

The database is a private cluster (tests/chaos/private_postgres.py), stopped with
`pg_ctl stop -m fast` as an outage would: open transactions roll back, connections drop.
The fast tests first: the API's 503 for an outage, and the sweeper's patience after one.

Load: 5 runs/s through POST /run (Start -> Wait 1 s -> Notify -> Double, so that some
runs are in flight when the database goes away) and 2 webhook calls/s (answered from
the last node). Notify POSTs each execution's id to a counting server on loopback: an
execution run twice (taken over by the sweeper although its owner lived) shows up there.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError, IntegrityError

from serve_app.admission import Admission
from serve_app.errors import install_error_handlers
from serve_app.executor import HEARTBEAT_SECONDS
from serve_app.resumer import STALE_BEATS, Resumer
from tests.chaos.counting_server import (
    CountingServer,
    counting_server,
    link,
    notifying_workflow,
)
from tests.chaos.private_postgres import PrivatePostgres, private_postgres
from tests.chaos.server_process import ServerProcess
from tests.server.helpers import AUTH, free_port

LOAD_SECONDS = 35.0
OUTAGE_AT = 10.0
OUTAGE_SECONDS = 10.0
RUNS_PER_SECOND = 5
WEBHOOKS_PER_SECOND = 2


def _raising(exc: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        DBAPIError("SELECT", None, ValueError("connection closed"), connection_invalidated=True),
        asyncpg.CannotConnectNowError("the database system is starting up"),
    ],
)
def test_an_outage_is_answered_503_with_retry_after(exc: Exception) -> None:
    with TestClient(_raising(exc), raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 503
    assert int(r.headers["retry-after"]) > 0
    error = r.json()["error"]
    assert error["code"] == "store_unavailable"
    assert "database is unavailable" in error["message"] and "Traceback" not in r.text


def test_other_database_errors_stay_internal_errors() -> None:
    exc = IntegrityError("INSERT", None, ValueError("duplicate key value"))
    with TestClient(_raising(exc), raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500 and "retry-after" not in r.headers
    assert r.json()["error"]["code"] == "internal" and "duplicate" not in r.text


class _Leases:
    """The sweeper's view of the store: one orphan, and an outage on demand."""

    def __init__(self) -> None:
        self.down = False
        self.claimed: list[str] = []

    async def orphans(self, stale_before: datetime) -> list[str]:
        if self.down:
            raise ConnectionRefusedError(111, "Connect call failed")
        return ["orphan"]

    async def claim(self, execution_id: str, owner: str, **_: Any) -> bool:
        self.claimed.append(execution_id)
        return False  # someone else won: nothing to continue

    async def due_waits(self, now: datetime) -> list[str]:
        return []


def test_the_sweeper_claims_orphans_only_after_a_stale_window_of_reaching_the_database() -> None:
    leases = _Leases()
    services = SimpleNamespace(
        store=SimpleNamespace(leases=leases),
        executor=SimpleNamespace(owner="sweeper", admission=Admission(4, 4)),
    )
    now = [100.0]
    resumer = Resumer(cast(Any, services), clock=lambda: now[0])
    window = STALE_BEATS * HEARTBEAT_SECONDS

    def sweep_at(moment: float) -> list[str]:
        now[0] = moment
        leases.claimed.clear()
        asyncio.run(resumer.sweep())
        return list(leases.claimed)

    assert sweep_at(100.0) == []  # just started: owners may not have beaten yet
    assert sweep_at(100.0 + window * 0.9) == []
    assert sweep_at(100.0 + window) == ["orphan"]  # a full window: the owner is gone
    leases.down = True
    with pytest.raises(ConnectionRefusedError):
        sweep_at(200.0)
    leases.down = False
    assert sweep_at(201.0) == []  # back, but live owners could not beat meanwhile
    assert sweep_at(201.0 + window * 0.9) == []
    assert sweep_at(201.0 + window) == ["orphan"]


@pytest.fixture
def counter() -> Iterator[CountingServer]:
    with counting_server() as server:
        yield server


def _double(n: str) -> dict[str, Any]:
    """A Set node: the number `n` (an expression) doubled, and the execution's id."""
    assignments = [
        {"name": "double", "value": f"={{{{ {n} * 2 }}}}", "type": "number"},
        {"name": "executionId", "value": "={{ $execution.id }}", "type": "string"},
    ]
    return {
        "name": "Double",
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.4,
        "parameters": {"assignments": {"assignments": assignments}, "options": {}},
    }


def _run_workflow(counter_url: str) -> dict[str, Any]:
    return notifying_workflow(
        "runs through an outage",
        counter_url,
        wait_seconds=1,
        last=_double('$("Start").item.json.n'),
        settings={"backend": "inline"},
    )


def _webhook_workflow() -> dict[str, Any]:
    return {
        "name": "webhooks through an outage",
        "settings": {"backend": "inline"},
        "nodes": [
            {
                "name": "Hook",
                "type": "n8n-nodes-base.webhook",
                "typeVersion": 2,
                "parameters": {"path": "outage", "httpMethod": "POST", "responseMode": "lastNode"},
            },
            _double('$("Hook").item.json.body.n'),
        ],
        "connections": {"Hook": link("Double")},
    }


@dataclass
class _Call:
    kind: str  # "run" or "webhook"
    n: int
    status: int = 0  # 0: no answer (a transport error)
    body: Any = None
    retry_after: str | None = None
    error: str = ""

    @property
    def execution_id(self) -> str | None:
        if not 200 <= self.status < 300 or not isinstance(self.body, dict):
            return None
        found = self.body.get("executionId")
        return found if isinstance(found, str) else None


def _call(client: httpx.Client, call: _Call, workflow_id: str) -> _Call:
    try:
        if call.kind == "run":
            r = client.post(f"/api/v1/workflows/{workflow_id}/run", json={"n": call.n})
        else:
            r = client.post("/webhook/outage", json={"n": call.n})
    except httpx.HTTPError as exc:
        call.error = repr(exc)
        return call
    call.status = r.status_code
    call.retry_after = r.headers.get("retry-after")
    try:
        call.body = r.json()
    except ValueError:
        call.body = r.text
    return call


def _load(client: httpx.Client, run_id: str, pg: PrivatePostgres) -> tuple[list[_Call], float]:
    """Fire runs and webhooks at a steady rate, stopping PostgreSQL in the middle;
    returns every call and how long the database was down."""
    futures: list[Future[_Call]] = []
    outage = {"down": 0.0, "up": 0.0}

    def stage() -> None:
        time.sleep(OUTAGE_AT)
        outage["down"] = time.monotonic()
        pg.stop("fast")
        time.sleep(OUTAGE_SECONDS)
        pg.start()
        outage["up"] = time.monotonic()

    stager = threading.Thread(target=stage, daemon=True)
    with ThreadPoolExecutor(64) as pool:
        start = time.monotonic()
        stager.start()
        ticks = int(LOAD_SECONDS * 10)
        for tick in range(ticks):
            time.sleep(max(0.0, start + tick / 10 - time.monotonic()))
            if tick % (10 // RUNS_PER_SECOND) == 0:
                futures.append(pool.submit(_call, client, _Call("run", tick), run_id))
            if tick % (10 // WEBHOOKS_PER_SECOND) == 0:
                futures.append(pool.submit(_call, client, _Call("webhook", tick), run_id))
        stager.join()
        calls = [f.result() for f in futures]
    return calls, outage["up"] - outage["down"]


def _executions(client: httpx.Client, workflow_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"workflowId": workflow_id, "limit": 250}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/executions", params=params).json()
        rows += page["data"]
        cursor = page.get("nextCursor")
        if not cursor:
            return rows


@pytest.mark.slow
def test_a_ten_second_postgres_outage_loses_and_repeats_nothing(
    tmp_path: Path, counter: CountingServer
) -> None:
    with private_postgres() as pg:
        # The sweeper looks more often than owners beat: right after the outage it sees
        # every running execution's beat stale before their owner can renew it.
        env = {
            "HETUMIND_DATABASE_URL": pg.url,
            "HETUMIND_HEARTBEAT_SECONDS": "2",
            "HETUMIND_RESUME_SWEEP_SECONDS": "0.5",
        }
        server = ServerProcess(tmp_path, free_port(), env)
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=120, headers=AUTH) as client:
                run_wf = client.post("/api/v1/workflows", json=_run_workflow(counter.url)).json()
                hook_wf = client.post("/api/v1/workflows", json=_webhook_workflow()).json()
                assert client.post(f"/api/v1/workflows/{hook_wf['id']}/activate").is_success
                warm = _call(client, _Call("webhook", -1), run_wf["id"])  # caches the route
                assert warm.status == 200, warm.body
                calls, down_for = _load(client, run_wf["id"], pg)
                calls.append(warm)
                _check(client, server, calls, counter, run_wf["id"], hook_wf["id"], down_for)
        finally:
            server.stop()


def _check(
    client: httpx.Client,
    server: ServerProcess,
    calls: list[_Call],
    counter: CountingServer,
    run_id: str,
    hook_id: str,
    down_for: float,
) -> None:
    unanswered = [c for c in calls if c.status == 0]
    assert not unanswered, unanswered[:3]
    refused = [c for c in calls if c.status == 503]
    for call in refused:
        assert isinstance(call.body, dict), call.body
        assert call.body["error"]["code"] == "store_unavailable", call.body
        assert call.retry_after is not None and int(call.retry_after) > 0
    accepted = [c for c in calls if c.execution_id is not None]
    other = [(c.kind, c.status, c.body) for c in calls if c not in refused and c not in accepted]
    assert not other, other[:3]  # no 500s, no other answer
    assert refused, "no request met the outage"

    wanted = {c.execution_id: c for c in accepted}
    assert len(wanted) == len(accepted)  # every accepted request got an execution of its own
    deadline = time.monotonic() + 120
    while True:
        rows = _executions(client, run_id) + _executions(client, hook_id)
        if all(r["finished"] for r in rows) and {r["id"] for r in rows} >= set(wanted):
            break
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(1)

    by_id = Counter(r["id"] for r in rows)
    extra = {i for i in by_id if i not in wanted}
    assert not extra, f"executions no accepted request started: {sorted(extra)[:5]}"
    assert all(count == 1 for count in by_id.values())
    failed = [(r["id"], r["status"], r.get("error")) for r in rows if r["status"] != "success"]
    assert not failed, failed[:3]
    for execution_id, call in wanted.items():
        data = client.get(
            f"/api/v1/executions/{execution_id}", params={"includeData": "true"}
        ).json()
        out = data["runData"]["Double"][0]["outputs"][0][0]
        assert (out["double"], out["executionId"]) == (2 * call.n, execution_id), data
        if call.kind == "webhook":
            assert call.body == out  # the answer was the recorded output

    # Each run notified exactly once: none was run a second time by the sweeper.
    runs = {i for i, c in wanted.items() if c.kind == "run"}
    times = Counter(counter.executions)
    assert set(times) == runs
    repeated = sum(n - 1 for n in times.values())
    assert repeated == 0, [i for i, n in times.items() if n > 1][:5]
    completed = sum(1 for r in rows if r["status"] == "success")
    print(
        f"PostgreSQL down {down_for:.1f} s; requests {len(calls)}: accepted {len(accepted)} "
        f"(runs {len(runs)}, webhooks {len(accepted) - len(runs)}), refused (503) "
        f"{len(refused)} (runs {sum(c.kind == 'run' for c in refused)}, webhooks "
        f"{sum(c.kind == 'webhook' for c in refused)}), completed {completed}, lost "
        f"{len(set(wanted) - {r['id'] for r in rows})}, duplicated {repeated}, 500s 0"
    )
