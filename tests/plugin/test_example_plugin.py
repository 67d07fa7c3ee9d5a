"""examples/plugin-node, installed as its own distribution (make install), behaves as
built-ins of its kind from its traits alone: registered through its entry point, its pure
item-wise node fused per block in a batch run and re-runnable after a worker death, its
effectful node at most once and bound by the file policy, its webhook trigger served."""

from __future__ import annotations

import itertools
import json
from decimal import ROUND_HALF_UP, Decimal
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from hetumind.batch import BatchOptions, run_batch
from hetumind.batch.plan import plan_batch
from hetumind.capabilities import Capabilities, FilePolicy
from hetumind.engine import run_workflow
from hetumind.engine.durability import WORKER_RETRIES, is_pure
from hetumind.nodes import NodeRegistry
from hetumind.workflow import parse_workflow
from tests.batch.helpers import read_jsonl
from tests.server.helpers import Server

CONVERT = "hetumind.exampleConvertCurrency"
LEDGER = "hetumind.exampleAppendToLedger"
HOOK = "hetumind.exampleItemsWebhook"


def _node(name: str, type_: str, **parameters: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "typeVersion": 1, "parameters": parameters}


def _chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    names = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(names)
    }
    return {"name": "plugin", "nodes": list(nodes), "connections": connections}


TRIGGER = _node("Start", "n8n-nodes-base.manualTrigger")
TO_EUR = _node("To EUR", CONVERT, rate=0.9137, targetField="eur")


def _cents(value: float, rate: float) -> float:
    exact = Decimal(str(value)) * Decimal(str(rate))
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_the_distribution_declares_one_entry_point_and_its_nodes_register() -> None:
    dist = distribution("hetumind-example-nodes")
    points = [ep for ep in dist.entry_points if ep.group == "hetumind.nodes"]
    assert [(ep.name, ep.value) for ep in points] == [("example", "hetumind_example_nodes")]
    registry = NodeRegistry()
    registry.load_entry_points()
    convert, ledger, hook = (registry.definition(t) for t in (CONVERT, LEDGER, HOOK))
    assert convert is not None and ledger is not None and hook is not None
    assert (convert.pure, convert.item_wise, convert.reads_named_fields) == (True, True, True)
    assert (ledger.pure, ledger.item_wise) == (False, False)
    assert hook.trigger_kind == "webhook" and registry.get(f"n8n-nodes-base.{hook.name}") is None


def test_durability_reads_the_traits_pure_may_rerun_effectful_may_not() -> None:
    assert is_pure(CONVERT) and not is_pure(LEDGER)
    assert WORKER_RETRIES > 0


def test_money_is_converted_and_rounded_half_up_on_both_backends(backend: str) -> None:
    amounts = [19.99, 0.05, 1234.5, 0.0, 7.125]
    doc = _chain(TRIGGER, TO_EUR)
    result = run_workflow(
        doc, input_items=[{"amount": a} for a in amounts], backend=backend
    ).to_json()
    assert result["status"] == "success", result
    out = result["runData"]["To EUR"][0]["outputs"][0]
    assert [row["eur"] for row in out] == [_cents(a, 0.9137) for a in amounts]
    assert [row["amount"] for row in out] == amounts
    assert out[0]["eur"] == 18.26  # 19.99 * 0.9137 = 18.264863


def test_bad_items_are_named_and_continue_on_fail_keeps_going() -> None:
    doc = _chain(TRIGGER, TO_EUR)
    rows = [{"amount": 1.0}, {"amount": "twelve"}, {"price": 3.0}]
    failed = run_workflow(doc, input_items=rows, backend="inline").to_json()
    assert failed["status"] == "error"
    assert failed["error"]["node"] == "To EUR"
    assert failed["error"]["message"] == "field 'amount' must be a number, got 'twelve'"
    doc["nodes"][1]["onError"] = "continueRegularOutput"
    kept = run_workflow(doc, input_items=rows, backend="inline").to_json()
    out = kept["runData"]["To EUR"][0]["outputs"][0]
    assert out[0]["eur"] == 0.91
    assert "must be a number" in out[1]["error"]
    assert "has no field 'amount'" in out[2]["error"]


def test_batch_run_fuses_the_plugin_node_per_block_and_matches_pyarrow(
    tmp_path: Path, ray_session: None
) -> None:
    doc = _chain(TRIGGER, TO_EUR)
    bplan = plan_batch(parse_workflow(doc))
    assert bplan.mode == "stream" and bplan.prefix == ("To EUR",)
    rows = 6_000
    amounts = pa.array([round((i * 7919) % 100_000 / 100, 2) for i in range(rows)], pa.float64())
    data = pa.table({"id": pa.array(range(rows), pa.int64()), "amount": amounts})
    pq.write_table(data, tmp_path / "in.parquet")
    report = run_batch(
        parse_workflow(doc),
        BatchOptions(
            input=str(tmp_path / "in.parquet"),
            output=str(tmp_path / "out.jsonl"),
            block_rows=1_500,
            executor="ray",
            progress=False,
        ),
    )
    assert report.status == "success" and report.blocks == 4
    got = sorted(read_jsonl(tmp_path / "out.jsonl"), key=lambda r: r["id"])
    # The baseline: the same conversion in Arrow, rounded half-up on exact decimals.
    expected = pc.multiply(data["amount"].cast(pa.decimal128(12, 2)), pa.scalar(Decimal("0.9137")))
    cents = [float(v.as_py().quantize(Decimal("0.01"), ROUND_HALF_UP)) for v in expected]
    assert [r["eur"] for r in got] == cents
    assert [r["id"] for r in got] == list(range(rows))


def test_ledger_appends_once_per_run_and_obeys_the_file_policy(tmp_path: Path) -> None:
    ledger = tmp_path / "files" / "ledger.jsonl"
    ledger.parent.mkdir()
    doc = _chain(TRIGGER, TO_EUR, _node("Ledger", LEDGER, path=str(ledger)))
    result = run_workflow(
        doc, input_items=[{"amount": 2.5}, {"amount": 4.0}], backend="inline"
    ).to_json()
    assert result["status"] == "success", result
    lines = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert lines == [{"amount": 2.5, "eur": 2.28}, {"amount": 4.0, "eur": 3.65}]

    # A server's file root binds plugin nodes as it binds Read/Write Files.
    policy = Capabilities.server_mode({"HETUMIND_FILES_ROOT": str(tmp_path / "files")})
    assert isinstance(policy.files, FilePolicy)
    outside = _chain(TRIGGER, _node("Ledger", LEDGER, path=str(tmp_path / "escape.jsonl")))
    refused = run_workflow(
        outside, input_items=[{"amount": 1}], backend="inline", capabilities=policy
    )
    error = refused.to_json()["error"]
    assert error["node"] == "Ledger" and "is outside HETUMIND_FILES_ROOT" in error["message"]
    assert not (tmp_path / "escape.jsonl").exists()


@pytest.mark.slow
def test_the_plugin_webhook_trigger_is_served_like_a_webhook(server: Server) -> None:
    doc = _chain(
        _node("Hook", HOOK, path="plugin-prices", httpMethod="POST"),
        TO_EUR,
    )
    doc["name"] = "plugin hook"
    wf = server.create(doc, activate=True)
    r = server.client.post("/webhook/plugin-prices", json=[{"amount": 10.0}, {"amount": 0.5}])
    assert r.status_code == 200 and r.json() == {"message": "Workflow was started"}

    def finished() -> list[dict[str, Any]]:
        rows = server.client.get("/api/v1/executions", params={"workflowId": wf["id"]})
        return [e for e in rows.json()["data"] if e["finished"]]

    done = server.wait_for(finished, timeout=60)
    assert done[0]["mode"] == "webhook" and done[0]["status"] == "success"
    data = server.client.get(
        f"/api/v1/executions/{done[0]['id']}", params={"includeData": "true"}
    ).json()
    assert data["runData"]["To EUR"][0]["outputs"] == [
        [{"amount": 10.0, "eur": 9.14}, {"amount": 0.5, "eur": 0.46}]
    ]
    assert server.client.post("/webhook/plugin-prices-not-there", json=[]).status_code == 404
